// What a bulk server lets its peers cost it: connections, handshakes in progress, time and bytes before a peer
// has proven it holds the cluster secret.
namespace Dtrain.Protocol.Transport;

/// <summary>
/// Bounds of a <see cref="BulkServer"/>. Before authentication a peer can make the server hold one small buffer and
/// no thread for at most <see cref="HandshakeTimeout"/>; nothing is sized from what an unauthenticated peer announces.
/// </summary>
public sealed record BulkServerLimits
{
    /// <summary>The defaults: room for far more workers and coordinators than a cluster has, per server.</summary>
    public static readonly BulkServerLimits Default = new();

    /// <summary>Open connections, authenticated or not; the next one is closed at once (the client retries with backoff).</summary>
    public int MaxSessions { get; init; } = 512;

    /// <summary>Connections still in their handshake; more are closed at once.</summary>
    public int MaxHandshakes { get; init; } = 64;

    /// <summary>Time from accept to a verified Hello (TLS included); a slower peer is disconnected.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest frame (header included) read before authentication: a Hello is a target name and 64 bytes.</summary>
    public int PreAuthFrameBytes { get; init; } = 1024;

    /// <summary>Largest MessagePack body after authentication (float payloads travel apart and are bounded by the frame limit).</summary>
    public int MaxBodyBytes { get; init; } = 16 << 20;
}
