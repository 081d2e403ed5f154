// One accepted bulk connection: the handshake that proves the peer holds the cluster secret, then a read loop
// that hands messages to the target and a write loop that sends replies and acknowledgements back. Both loops
// are asynchronous: an idle connection holds no thread.
using System.Net.Sockets;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Event;

namespace Dtrain.Protocol.Transport;

internal sealed class BulkServerSession
{
    /// <summary>Reply routes kept per connection; a client that asks with a fresh temporary actor per request would otherwise grow them forever.</summary>
    private const int MaxRoutes = 4096;

    /// <summary>Longest a frame already started may pause mid-payload before the connection counts as dead.</summary>
    private static readonly TimeSpan MidFrameTimeout = TimeSpan.FromSeconds(30);

    private readonly BulkServer _server;
    private readonly Socket _socket;
    private readonly string _peer;
    private readonly Channel<Outgoing> _outgoing = Channel.CreateUnbounded<Outgoing>(new() { SingleReader = true });
    private readonly Dictionary<long, ReplyRoute> _routes = [];
    private readonly Queue<long> _routeOrder = new();
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _delivered;
    private int _ackQueued;
    private int _closed;

    public BulkServerSession(BulkServer server, Socket socket)
    {
        _server = server;
        _socket = socket;
        _peer = socket.RemoteEndPoint?.ToString() ?? "unknown peer";
    }

    /// <summary>Completes once the connection is closed and both loops have ended.</summary>
    public Task Ended => _ended.Task;

    /// <summary>Runs the connection on the thread pool: handshake, then the read and write loops.</summary>
    public void Start() => _ = Task.Run(RunAsync);

    /// <summary>Queues a reply for the client-side sender behind <paramref name="route"/> (called from any thread).</summary>
    public void Reply(long route, object message)
    {
        if (message is not IWireMessage wire)
        {
            _server.Log.Warning("bulk server {0}: cannot send {1} back to {2}: only wire messages (IWireMessage) cross the bulk channel", _server.Endpoint, message.GetType().Name, _peer);
            return;
        }

        if (Volatile.Read(ref _closed) != 0 || !_outgoing.Writer.TryWrite(new(FrameKind.Reply, route, wire)))
        {
            WirePayloads.Release(wire);
        }
    }

    /// <summary>Closes the socket (idempotent); both loops end, reply routes unregister.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        _outgoing.Writer.TryComplete();
        _socket.Dispose();
        _server.Remove(this);
        lock (_routes)
        {
            foreach (var route in _routes.Values)
            {
                route.Provider.UnregisterTempActor(route.Path);
            }

            _routes.Clear();
        }
    }

    private async Task RunAsync()
    {
        FrameReader? reader = null;
        FrameWriter? writer = null;
        Task? writing = null;
        try
        {
            Stream stream;
            IActorRef target;
            var limits = _server.Limits;
            using (var deadline = new CancellationTokenSource(limits.HandshakeTimeout))
            using (deadline.Token.Register(() => Refuse("did not complete its handshake in time")))
            {
                var network = new NetworkStream(_socket, ownsSocket: false);
                stream = await BulkSocket.AuthenticateAsServerAsync(network, _server.Credentials, deadline.Token);
                reader = new FrameReader(stream, _server.System) { MaxFrameBytes = limits.PreAuthFrameBytes, MaxBodyBytes = limits.PreAuthFrameBytes };
                writer = new FrameWriter(stream, _server.System);
                var challenge = BulkHandshake.NewNonce();
                writer.WriteControl(FrameKind.Challenge, 0, 0, body: challenge);
                writer.Flush();
                var hello = await reader.ReadAsync(deadline.Token);
                if (hello.Header.Kind != FrameKind.Hello || hello.Header.Payloads != 0 || hello.Body.Length != BulkHandshake.NonceBytes + BulkHandshake.ProofBytes)
                {
                    throw new MalformedFrameException($"frame #1 is a {hello.Header} where a Hello with a nonce and a proof was expected");
                }

                var clientNonce = hello.Body.Span[..BulkHandshake.NonceBytes];
                var expected = BulkHandshake.ClientProof(_server.Credentials.Secret, challenge, clientNonce, hello.Manifest);
                if (!BulkHandshake.Matches(expected, hello.Body.Span[BulkHandshake.NonceBytes..]))
                {
                    _server.Log.Warning("bulk server {0}: turned away {1}: its proof does not match the cluster secret", _server.Endpoint, _peer);
                    Answer(writer, FrameKind.Refused, "refused: the proof does not match the cluster secret (check --secret-file / DTRAIN_SECRET on both nodes)");
                    return;
                }

                var proof = BulkHandshake.ServerProof(_server.Credentials.Secret, challenge, clientNonce, hello.Manifest);
                if (_server.ResolveTarget(hello.Manifest) is not { } resolved)
                {
                    var reason = $"bulk server {_server.Endpoint} has no target '{hello.Manifest}'";
                    _server.Log.Warning("{0} (asked by {1})", reason, _peer);
                    Answer(writer, FrameKind.Refused, reason);
                    return;
                }

                target = resolved;
                _server.Authenticated(this);
                writer.WriteControl(FrameKind.Welcome, 0, 0, body: proof);
                writer.Flush();
            }

            // Authenticated: full-size frames from now on; a stalled frame (not a quiet connection) counts as dead.
            reader.MaxFrameBytes = FrameHeader.MaxFrameBytes;
            reader.MaxBodyBytes = limits.MaxBodyBytes;
            _socket.ReceiveTimeout = (int)MidFrameTimeout.TotalMilliseconds;
            var replies = writer;
            writing = Task.Run(() => WriteAsync(replies));
            while (true)
            {
                var frame = await reader.ReadAsync();
                if (frame.Header.Kind != FrameKind.Message)
                {
                    throw new MalformedFrameException($"frame #{reader.Frames} is a {frame.Header} where only Message frames may follow the handshake");
                }

                var message = reader.Decode(frame);
                target.Tell(message, RouteFor(frame.Header.Route));
                Volatile.Write(ref _delivered, frame.Header.Seq);
                if (Interlocked.Exchange(ref _ackQueued, 1) == 0)
                {
                    _outgoing.Writer.TryWrite(new(FrameKind.Ack, 0, null));
                }
            }
        }
        catch (MalformedFrameException e)
        {
            if (Volatile.Read(ref _closed) == 0)
            {
                _server.Log.Error("bulk server {0}: closing the connection from {1}: malformed {2}", _server.Endpoint, _peer, e.Message);
            }
        }
        catch (System.Security.Authentication.AuthenticationException e)
        {
            _server.Log.Warning("bulk server {0}: turned away {1}: TLS handshake failed ({2})", _server.Endpoint, _peer, e.Message);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or EndOfStreamException or OperationCanceledException)
        {
            if (Volatile.Read(ref _closed) == 0)
            {
                var why = e is EndOfStreamException ? "the peer closed it" : e.Message;
                _server.Log.Info("bulk server {0}: connection from {1} ended: {2}", _server.Endpoint, _peer, why);
            }
        }
        catch (Exception e)
        {
            _server.Log.Error(e, "bulk server {0}: closing the connection from {1}", _server.Endpoint, _peer);
        }
        finally
        {
            Close();
            if (writing is null)
            {
                writer?.Dispose();
            }
            else
            {
                await writing;
            }

            reader?.Dispose();
            _ended.TrySetResult();
        }
    }

    /// <summary>Logs why a peer is dropped during its handshake and closes it.</summary>
    private void Refuse(string why)
    {
        if (Volatile.Read(ref _closed) == 0)
        {
            _server.Log.Warning("bulk server {0}: turned away {1}: it {2}", _server.Endpoint, _peer, why);
        }

        Close();
    }

    /// <summary>Sends a handshake refusal (small: it fits the socket's buffer), then the caller closes.</summary>
    private static void Answer(FrameWriter writer, FrameKind kind, string text)
    {
        writer.WriteControl(kind, 0, 0, text);
        writer.Flush();
    }

    /// <summary>Sends queued replies and coalesced acknowledgements until the connection closes.</summary>
    private async Task WriteAsync(FrameWriter writer)
    {
        var payloads = new List<FloatBuffer>();
        var queue = _outgoing.Reader;
        try
        {
            while (await queue.WaitToReadAsync())
            {
                while (queue.TryRead(out var item))
                {
                    if (item.Kind == FrameKind.Ack)
                    {
                        // Cleared before reading the count: a delivery after this read queues another ack.
                        Volatile.Write(ref _ackQueued, 0);
                        writer.WriteControl(FrameKind.Ack, Volatile.Read(ref _delivered), 0);
                    }
                    else if (item.Message is { } message)
                    {
                        Send(writer, item.Route, message, payloads);
                    }
                }

                writer.Flush();
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            Close();
        }
        finally
        {
            while (queue.TryRead(out var left))
            {
                if (left.Message is { } message)
                {
                    WirePayloads.Release(message);
                }
            }

            writer.Dispose();
        }
    }

    private void Send(FrameWriter writer, long route, IWireMessage message, List<FloatBuffer> payloads)
    {
        try
        {
            writer.WriteMessage(FrameKind.Reply, 0, route, message, payloads);
        }
        catch (Exception e) when (e is BulkChannelException or ObjectDisposedException or MessagePack.MessagePackSerializationException)
        {
            _server.Log.Error("bulk server {0}: dropped a {1} for {2}: {3}", _server.Endpoint, message.GetType().Name, _peer, e.Message);
            return;
        }

        // The reply's sender handed its buffers over with the message; once on the wire they go back to the pool.
        foreach (var payload in payloads)
        {
            payload.Release();
        }
    }

    private ReplyRoute RouteFor(long route)
    {
        lock (_routes)
        {
            if (_routes.TryGetValue(route, out var known))
            {
                return known;
            }

            if (_routes.Count >= MaxRoutes && _routeOrder.TryDequeue(out var oldest) && _routes.Remove(oldest, out var evicted))
            {
                evicted.Provider.UnregisterTempActor(evicted.Path);
            }

            var provider = _server.System.Provider;
            var created = new ReplyRoute(this, route, provider, provider.TempPath());
            if (Volatile.Read(ref _closed) == 0)
            {
                provider.RegisterTempActor(created, created.Path);
                _routes[route] = created;
                _routeOrder.Enqueue(route);
            }

            return created;
        }
    }

    /// <summary>A reply (with <see cref="Message"/>) or an acknowledgement waiting for the write loop.</summary>
    private readonly record struct Outgoing(FrameKind Kind, long Route, IWireMessage? Message);
}
