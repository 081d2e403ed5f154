// The client side of one bulk connection: a writer thread that connects, handshakes and sends in order, a reader
// thread per connection that routes replies and acknowledgements; unacknowledged messages are resent on reconnect.
using System.Net.Sockets;
using Akka.Actor;
using Akka.Event;

namespace Dtrain.Protocol.Transport;

internal sealed class BulkClientChannel : IDisposable
{
    private const int MaxRoutes = 4096;
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    private readonly ExtendedActorSystem _system;
    private readonly string _endpoint;
    private readonly string _host;
    private readonly int _port;
    private readonly string _target;
    private readonly IActorRef _proxy;
    private readonly BulkCredentials _credentials;
    private readonly ILoggingAdapter _log;
    private readonly Thread _writer;
    private readonly object _gate = new();
    private readonly Queue<Outgoing> _toSend = new();
    private readonly Queue<Outgoing> _unacked = new();
    private readonly Dictionary<IActorRef, long> _routeOf = [];
    private readonly Dictionary<long, IActorRef> _senderOf = [];
    private readonly Queue<long> _routeOrder = new();
    private Connection? _connection;
    private string? _refused;
    private long _nextSeq;
    private long _nextRoute;
    private bool _disposed;

    public BulkClientChannel(ExtendedActorSystem system, string endpoint, string target, IActorRef proxy, BulkCredentials credentials)
    {
        _system = system;
        _endpoint = endpoint;
        (_host, _port) = BulkSocket.ParseEndpoint(endpoint);
        _target = target;
        _proxy = proxy;
        _credentials = credentials;
        _log = Logging.GetLogger(system, $"bulk-client {target}@{endpoint}");
        _writer = new Thread(Run) { IsBackground = true, Name = $"bulk-client {target}@{endpoint}" };
        _writer.Start();
    }

    /// <summary>Queues <paramref name="message"/> for the target; replies will go to <paramref name="sender"/>.</summary>
    public void Enqueue(IWireMessage message, IActorRef sender)
    {
        lock (_gate)
        {
            if (_refused is { } reason)
            {
                Fail(new Outgoing(0, 0, message, sender), reason);
                return;
            }

            _toSend.Enqueue(new Outgoing(++_nextSeq, RouteFor(sender), message, sender));
            Monitor.Pulse(_gate);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _connection?.Break();
            Monitor.PulseAll(_gate);
        }

        _writer.Join(TimeSpan.FromSeconds(5));
    }

    private void Run()
    {
        var backoff = FirstBackoff;
        var failures = 0;
        while (true)
        {
            Connection connection;
            try
            {
                connection = Connect();
            }
            catch (Exception e) when (e is not ThreadInterruptedException)
            {
                if (Volatile.Read(ref _disposed))
                {
                    break;
                }

                if (failures++ % 10 == 0)
                {
                    _log.Warning("bulk channel to '{0}' at {1}: cannot connect ({2}); retrying every {3:F1} s at most", _target, _endpoint, e.Message, MaxBackoff.TotalSeconds);
                }

                lock (_gate)
                {
                    if (!_disposed)
                    {
                        Monitor.Wait(_gate, backoff);
                    }
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
                continue;
            }

            if (failures > 0)
            {
                _log.Info("bulk channel to '{0}' at {1}: connected after {2} failed attempt(s)", _target, _endpoint, failures);
            }

            backoff = FirstBackoff;
            failures = 0;
            Send(connection);
            connection.Break();
            connection.Join();
            lock (_gate)
            {
                _connection = null;
                if (_disposed)
                {
                    break;
                }
            }
        }

        FailAll("the bulk proxy stopped");
    }

    /// <summary>Connects, authenticates and handshakes; a refusal fails the waiting messages and throws.</summary>
    private Connection Connect()
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            BulkSocket.Configure(socket);
            using (var timeout = new CancellationTokenSource(BulkSocket.HandshakeTimeout))
            {
                socket.ConnectAsync(BulkSocket.Resolve(_host), _port, timeout.Token).AsTask().GetAwaiter().GetResult();
            }

            socket.ReceiveTimeout = (int)BulkSocket.HandshakeTimeout.TotalMilliseconds;
            var stream = BulkSocket.AuthenticateAsClient(new NetworkStream(socket, ownsSocket: true), _host, _credentials);
            var writer = new FrameWriter(stream, _system);

            // Until the server has proven the secret too, nothing it announces is allowed to size a buffer.
            var reader = new FrameReader(stream, _system) { MaxFrameBytes = BulkServerLimits.Default.PreAuthFrameBytes, MaxBodyBytes = BulkServerLimits.Default.PreAuthFrameBytes };
            var challenge = reader.Read();
            if (challenge.Header.Kind != FrameKind.Challenge || challenge.Body.Length != BulkHandshake.NonceBytes)
            {
                throw new MalformedFrameException($"server opened with a {challenge.Header} where a Challenge was expected (a dtrain bulk server of another version?)");
            }

            var serverNonce = challenge.Body.ToArray();
            var clientNonce = BulkHandshake.NewNonce();
            var proof = BulkHandshake.ClientProof(_credentials.Secret, serverNonce, clientNonce, _target);
            writer.WriteControl(FrameKind.Hello, 0, 0, _target, [.. clientNonce, .. proof]);
            writer.Flush();
            var answer = reader.Read();
            socket.ReceiveTimeout = 0;
            switch (answer.Header.Kind)
            {
                case FrameKind.Welcome:
                    var expected = BulkHandshake.ServerProof(_credentials.Secret, serverNonce, clientNonce, _target);
                    if (!BulkHandshake.Matches(expected, answer.Body.Span))
                    {
                        // Whoever answers there is not a node of this cluster: nothing waiting may go to it.
                        var impostor = $"the bulk server at {_endpoint} does not prove the cluster secret: not a node of this cluster";
                        lock (_gate)
                        {
                            _refused = impostor;
                            FailAll(impostor);
                        }

                        throw new BulkChannelException(impostor);
                    }

                    break;
                case FrameKind.Refused:
                    lock (_gate)
                    {
                        _refused = answer.Manifest;
                        FailAll(answer.Manifest);
                    }

                    throw new BulkChannelException(answer.Manifest);
                default:
                    throw new MalformedFrameException($"server answered the handshake with a {answer.Header}");
            }

            reader.MaxFrameBytes = FrameHeader.MaxFrameBytes;
            reader.MaxBodyBytes = BulkServerLimits.Default.MaxBodyBytes;
            var connection = new Connection(this, socket, stream, writer, reader);
            lock (_gate)
            {
                _refused = null;
                if (_disposed)
                {
                    connection.Break();
                    throw new ObjectDisposedException(nameof(BulkClientChannel));
                }

                _connection = connection;

                // Everything the last connection sent but the server never acknowledged goes first, in order.
                var resend = _unacked.Count;
                if (resend > 0)
                {
                    var order = _unacked.Concat(_toSend).ToList();
                    _unacked.Clear();
                    _toSend.Clear();
                    order.ForEach(_toSend.Enqueue);
                    _log.Warning("bulk channel to '{0}' at {1}: resending {2} unacknowledged message(s) after reconnecting", _target, _endpoint, resend);
                }
            }

            connection.StartReading();
            return connection;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends queued messages in order until the connection breaks or the channel is disposed.</summary>
    private void Send(Connection connection)
    {
        var payloads = new List<FloatBuffer>();
        try
        {
            while (true)
            {
                Outgoing next;
                var flush = false;
                lock (_gate)
                {
                    while (!_disposed && !connection.Broken && _toSend.Count == 0)
                    {
                        if (connection.NeedsFlush)
                        {
                            flush = true;
                            break;
                        }

                        Monitor.Wait(_gate);
                    }

                    if (_disposed || connection.Broken)
                    {
                        return;
                    }

                    if (flush)
                    {
                        next = default;
                    }
                    else
                    {
                        next = _toSend.Dequeue();
                        _unacked.Enqueue(next);
                    }
                }

                if (flush)
                {
                    connection.Writer.Flush();
                    connection.NeedsFlush = false;
                    continue;
                }

                try
                {
                    connection.Writer.WriteMessage(FrameKind.Message, next.Seq, next.Route, next.Message, payloads);
                    connection.NeedsFlush = true;
                }
                catch (Exception e) when (e is BulkChannelException or ObjectDisposedException or MessagePack.MessagePackSerializationException)
                {
                    // This message cannot be sent at all (too big, payload already released): fail it, keep the connection.
                    lock (_gate)
                    {
                        var queue = _unacked.ToList();
                        queue.Remove(next);
                        _unacked.Clear();
                        queue.ForEach(_unacked.Enqueue);
                    }

                    Fail(next, e.Message);
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            if (!Volatile.Read(ref _disposed))
            {
                _log.Warning("bulk channel to '{0}' at {1}: connection lost while sending ({2}); reconnecting", _target, _endpoint, e.Message);
            }
        }
    }

    private void OnAck(long seq)
    {
        lock (_gate)
        {
            while (_unacked.TryPeek(out var sent) && sent.Seq <= seq)
            {
                _unacked.Dequeue();
                WirePayloads.Release(sent.Message);
            }
        }
    }

    private void OnReply(long route, IWireMessage message)
    {
        IActorRef? sender;
        lock (_gate)
        {
            _senderOf.TryGetValue(route, out sender);
        }

        if (sender is null || sender.IsNobody())
        {
            _system.DeadLetters.Tell(message, _proxy);
            return;
        }

        sender.Tell(message, _proxy);
    }

    /// <summary>Route id of a sender (0 for none); the oldest routes are forgotten past <see cref="MaxRoutes"/>. Under the gate.</summary>
    private long RouteFor(IActorRef? sender)
    {
        if (sender is null || sender.IsNobody())
        {
            return 0;
        }

        if (_routeOf.TryGetValue(sender, out var route))
        {
            return route;
        }

        if (_routeOf.Count >= MaxRoutes && _routeOrder.TryDequeue(out var oldest) && _senderOf.Remove(oldest, out var forgotten))
        {
            _routeOf.Remove(forgotten);
        }

        route = ++_nextRoute;
        _routeOf[sender] = route;
        _senderOf[route] = sender;
        _routeOrder.Enqueue(route);
        return route;
    }

    /// <summary>Fails every waiting message. Under the gate.</summary>
    private void FailAll(string reason)
    {
        lock (_gate)
        {
            while (_unacked.TryDequeue(out var item))
            {
                Fail(item, reason);
            }

            while (_toSend.TryDequeue(out var item))
            {
                Fail(item, reason);
            }
        }
    }

    private void Fail(Outgoing item, string reason)
    {
        WirePayloads.Release(item.Message);
        if (item.Sender is { } sender && !sender.IsNobody())
        {
            sender.Tell(new BulkDeliveryFailed(_endpoint, _target, item.Message.GetType().Name, reason), _proxy);
        }
    }

    /// <summary>The reader thread of one connection: routes replies to their senders, drops acknowledged messages.</summary>
    private void Read(Connection connection, FrameReader reader)
    {
        try
        {
            while (true)
            {
                var frame = reader.Read();
                switch (frame.Header.Kind)
                {
                    case FrameKind.Reply:
                        OnReply(frame.Header.Route, reader.Decode(frame));
                        break;
                    case FrameKind.Ack:
                        OnAck(frame.Header.Seq);
                        break;
                    default:
                        throw new MalformedFrameException($"frame #{reader.Frames} is a {frame.Header} where only Reply and Ack frames may come");
                }
            }
        }
        catch (MalformedFrameException e)
        {
            _log.Error("bulk channel to '{0}' at {1}: closing the connection: malformed {2}", _target, _endpoint, e.Message);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or EndOfStreamException)
        {
            if (!Volatile.Read(ref _disposed) && !connection.Broken)
            {
                _log.Warning("bulk channel to '{0}' at {1}: connection lost ({2}); reconnecting", _target, _endpoint, e is EndOfStreamException ? "the server closed it" : e.Message);
            }
        }
        catch (Exception e)
        {
            _log.Error(e, "bulk channel to '{0}' at {1}: closing the connection", _target, _endpoint);
        }

        connection.Break();
    }

    /// <summary>A message waiting to be sent or to be acknowledged.</summary>
    private readonly record struct Outgoing(long Seq, long Route, IWireMessage Message, IActorRef? Sender);

    /// <summary>One TCP (or TLS) connection: its stream, the writer used by the channel's thread, and a reader thread.</summary>
    private sealed class Connection(BulkClientChannel channel, Socket socket, Stream stream, FrameWriter writer, FrameReader reader)
    {
        private Thread? _reader;
        private int _broken;

        public FrameWriter Writer => writer;

        public bool Broken => Volatile.Read(ref _broken) != 0;

        /// <summary>Frames were gathered since the last flush (touched by the writer thread only).</summary>
        public bool NeedsFlush { get; set; }

        public void StartReading()
        {
            _reader = new Thread(() => channel.Read(this, reader)) { IsBackground = true, Name = $"bulk-client-read {channel._target}@{channel._endpoint}" };
            _reader.Start();
        }

        /// <summary>Closes the socket (idempotent); the reader ends and the writer's next write fails.</summary>
        public void Break()
        {
            if (Interlocked.Exchange(ref _broken, 1) == 0)
            {
                socket.Dispose();
                stream.Dispose();
                lock (channel._gate)
                {
                    Monitor.PulseAll(channel._gate);
                }
            }
        }

        public void Join()
        {
            if (_reader is { IsAlive: true } && _reader != Thread.CurrentThread)
            {
                _reader.Join(TimeSpan.FromSeconds(5));
            }

            writer.Dispose();
            reader.Dispose();
        }
    }
}
