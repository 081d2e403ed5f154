// One accepted bulk connection: a reader thread that hands messages to the target, a writer thread that sends
// replies and acknowledgements back.
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;

namespace Dtrain.Protocol.Transport;

internal sealed class BulkServerSession
{
    /// <summary>Reply routes kept per connection; a client that asks with a fresh temporary actor per request would otherwise grow them forever.</summary>
    private const int MaxRoutes = 4096;

    private readonly BulkServer _server;
    private readonly Socket _socket;
    private readonly string _peer;
    private readonly Thread _reader;
    private readonly Thread _writer;
    private readonly Queue<Outgoing> _replies = new();
    private readonly Dictionary<long, ReplyRoute> _routes = [];
    private readonly Queue<long> _routeOrder = new();
    private readonly ManualResetEventSlim _streamReady = new(false);
    private Stream? _stream;
    private long _delivered;
    private long _acked;
    private bool _closeWhenDrained;
    private bool _closed;

    public BulkServerSession(BulkServer server, Socket socket, long id)
    {
        _server = server;
        _socket = socket;
        _peer = socket.RemoteEndPoint?.ToString() ?? "unknown peer";
        _reader = new Thread(Read) { IsBackground = true, Name = $"bulk-read #{id} {_peer}" };
        _writer = new Thread(Write) { IsBackground = true, Name = $"bulk-write #{id} {_peer}" };
    }

    public void Start()
    {
        _reader.Start();
        _writer.Start();
    }

    public void Join(TimeSpan timeout)
    {
        _reader.Join(timeout);
        _writer.Join(timeout);
    }

    /// <summary>Queues a reply for the client-side sender behind <paramref name="route"/> (called from any thread).</summary>
    public void Reply(long route, object message)
    {
        if (message is not IWireMessage wire)
        {
            _server.Log.Warning("bulk server {0}: cannot send {1} back to {2}: only wire messages (IWireMessage) cross the bulk channel", _server.Endpoint, message.GetType().Name, _peer);
            return;
        }

        lock (_replies)
        {
            if (!_closed)
            {
                _replies.Enqueue(new(FrameKind.Reply, route, wire, null));
                Monitor.Pulse(_replies);
                return;
            }
        }

        WirePayloads.Release(wire);
    }

    /// <summary>Closes the socket; both threads end, reply routes unregister.</summary>
    public void Close()
    {
        lock (_replies)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            Monitor.PulseAll(_replies);
        }

        _streamReady.Set();
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

    private void Read()
    {
        FrameReader? reader = null;
        try
        {
            var network = new NetworkStream(_socket, ownsSocket: false);
            _socket.ReceiveTimeout = (int)BulkSocket.HandshakeTimeout.TotalMilliseconds;
            _stream = BulkSocket.AuthenticateAsServer(network, _server.Certificate);
            _streamReady.Set();
            reader = new FrameReader(_stream, _server.System);
            var hello = reader.Read();
            if (hello.Header.Kind != FrameKind.Hello)
            {
                throw new MalformedFrameException($"frame #1 is a {hello.Header} where a Hello was expected");
            }

            _socket.ReceiveTimeout = 0;
            var target = _server.ResolveTarget(hello.Manifest);
            if (target is null)
            {
                var reason = $"bulk server {_server.Endpoint} has no target '{hello.Manifest}'";
                _server.Log.Warning("{0} (asked by {1})", reason, _peer);
                Control(FrameKind.Refused, reason);
                return;
            }

            Control(FrameKind.Welcome, "");
            while (true)
            {
                var frame = reader.Read();
                if (frame.Header.Kind != FrameKind.Message)
                {
                    throw new MalformedFrameException($"frame #{reader.Frames} is a {frame.Header} where only Message frames may follow the handshake");
                }

                var message = reader.Decode(frame);
                target.Tell(message, RouteFor(frame.Header.Route));
                Volatile.Write(ref _delivered, frame.Header.Seq);
                lock (_replies)
                {
                    Monitor.Pulse(_replies);
                }
            }
        }
        catch (MalformedFrameException e)
        {
            _server.Log.Error("bulk server {0}: closing the connection from {1}: malformed {2}", _server.Endpoint, _peer, e.Message);
            Close();
        }
        catch (System.Security.Authentication.AuthenticationException e)
        {
            _server.Log.Warning("bulk server {0}: turned away {1}: TLS handshake failed ({2})", _server.Endpoint, _peer, e.Message);
            Close();
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or EndOfStreamException or OperationCanceledException)
        {
            if (!Volatile.Read(ref _closed))
            {
                var why = e is EndOfStreamException ? "the peer closed it" : e.Message;
                _server.Log.Info("bulk server {0}: connection from {1} ended: {2}", _server.Endpoint, _peer, why);
            }

            Close();
        }
        catch (Exception e)
        {
            _server.Log.Error(e, "bulk server {0}: closing the connection from {1}", _server.Endpoint, _peer);
            Close();
        }
        finally
        {
            reader?.Dispose();
        }
    }

    /// <summary>Sends a handshake answer; a refusal closes the connection once it is written.</summary>
    private void Control(FrameKind kind, string text)
    {
        lock (_replies)
        {
            _replies.Enqueue(new(kind, 0, null, text));
            _closeWhenDrained = kind == FrameKind.Refused;
            Monitor.Pulse(_replies);
        }
    }

    private void Write()
    {
        _streamReady.Wait();
        var stream = _stream;
        if (stream is null)
        {
            return;
        }

        using var writer = new FrameWriter(stream, _server.System);
        var payloads = new List<FloatBuffer>();
        try
        {
            while (true)
            {
                Outgoing item;
                long ack = -1;
                lock (_replies)
                {
                    while (!_closed && _replies.Count == 0 && Volatile.Read(ref _delivered) == _acked)
                    {
                        if (_closeWhenDrained)
                        {
                            writer.Flush();
                            Close();
                            return;
                        }

                        Monitor.Wait(_replies);
                    }

                    if (_closed)
                    {
                        break;
                    }

                    var delivered = Volatile.Read(ref _delivered);
                    if (delivered != _acked)
                    {
                        ack = _acked = delivered;
                    }

                    _replies.TryDequeue(out item);
                }

                if (ack >= 0)
                {
                    writer.WriteControl(FrameKind.Ack, ack, 0);
                }

                if (item.Message is { } message)
                {
                    Send(writer, item.Route, message, payloads);
                }
                else if (item.Text is { } text)
                {
                    writer.WriteControl(item.Kind, 0, 0, text);
                }

                lock (_replies)
                {
                    if (_replies.Count == 0)
                    {
                        writer.Flush();
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            Close();
        }
        finally
        {
            lock (_replies)
            {
                while (_replies.TryDequeue(out var left))
                {
                    if (left.Message is { } message)
                    {
                        WirePayloads.Release(message);
                    }
                }
            }
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
            if (!_closed)
            {
                provider.RegisterTempActor(created, created.Path);
                _routes[route] = created;
                _routeOrder.Enqueue(route);
            }

            return created;
        }
    }

    /// <summary>A reply (with <see cref="Message"/>) or a handshake answer (with <see cref="Text"/>) waiting for the writer.</summary>
    private readonly record struct Outgoing(FrameKind Kind, long Route, IWireMessage? Message, string? Text);
}
