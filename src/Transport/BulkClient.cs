// The connecting end of the bulk channel: a local proxy actor per (server, target).
using Akka.Actor;

namespace Dtrain.Protocol.Transport;

/// <summary>
/// Creates proxies for actors behind a <see cref="BulkServer"/>. A message told to the proxy (with sender S) is
/// delivered to the target over the proxy's own TCP connection, in order; the target's replies come back to S with
/// the proxy as their sender.
/// </summary>
/// <remarks>
/// If the connection drops, the proxy reconnects with backoff (0.1 s doubling to 5 s) and resends, in order, every
/// message the server had not yet acknowledged as handed to its target, so a message can arrive twice but is never
/// silently lost: pushes are idempotent by (worker, seq) and pulls are reads. Messages told while disconnected wait
/// in order. A message that cannot be delivered (a target the server does not know, until a retry finds it; a
/// message over the frame limit) is answered to its sender with <see cref="BulkDeliveryFailed"/> naming the target.
/// Payload buffers of sent messages are released to the pool once acknowledged (ownership passes with the message).
/// </remarks>
public static class BulkClient
{
    /// <summary>
    /// A proxy for <paramref name="target"/> on the bulk server at <paramref name="endpoint"/> ("host:port"). The
    /// connection proves <paramref name="credentials"/>' secret and checks the server's proof in turn; with their
    /// certificate it is TLS, pinned to that certificate.
    /// </summary>
    public static IActorRef Connect(IActorRefFactory factory, string endpoint, string target, BulkCredentials credentials, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentException.ThrowIfNullOrEmpty(target);
        ArgumentNullException.ThrowIfNull(credentials);
        BulkSocket.ParseEndpoint(endpoint);
        var props = Props.Create(() => new BulkClientProxy(endpoint, target, credentials));
        return name is null ? factory.ActorOf(props) : factory.ActorOf(props, name);
    }
}

/// <summary>The proxy actor: hands wire messages to its channel, which owns the connection and its threads.</summary>
internal sealed class BulkClientProxy(string endpoint, string target, BulkCredentials credentials) : UntypedActor
{
    private BulkClientChannel? _channel;

    protected override void PreStart() =>
        _channel = new BulkClientChannel((ExtendedActorSystem)Context.System, endpoint, target, Self, credentials);

    protected override void OnReceive(object message)
    {
        if (message is IWireMessage wire)
        {
            _channel!.Enqueue(wire, Sender);
        }
        else
        {
            Unhandled(message);
        }
    }

    protected override void PostStop() => _channel?.Dispose();
}
