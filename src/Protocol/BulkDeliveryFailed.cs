// What a bulk proxy tells a sender whose message it could not deliver (a wire message, so it survives serialization).
// A wire message, so it lives in Protocol (the serializers resolve only this assembly); its namespace stays
// Dtrain.Protocol.Transport, which is its manifest.
using MessagePack;

namespace Dtrain.Protocol.Transport;

/// <summary>
/// A message told to a bulk proxy was not delivered: the server has no such target, the message is too big for
/// one frame, its payload was already released, or the proxy stopped. Sent to the message's sender, from the proxy.
/// </summary>
[MessagePackObject]
public sealed record BulkDeliveryFailed(
    [property: Key(0)] string Endpoint,
    [property: Key(1)] string Target,
    [property: Key(2)] string MessageType,
    [property: Key(3)] string Reason) : IWireMessage
{
    /// <summary>One line for logs and errors.</summary>
    public override string ToString() => $"{MessageType} for '{Target}' at {Endpoint} not delivered: {Reason}";
}
