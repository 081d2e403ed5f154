// The listening end of the bulk channel: accepts connections, each bound by its handshake to one local actor.
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Event;

namespace Dtrain.Protocol.Transport;

/// <summary>
/// A framed TCP channel for <see cref="IWireMessage"/> traffic beside Akka.Remote: big tensors move as raw bytes
/// at close to loopback TCP speed instead of being chunked through the remoting frame limit. A client connects
/// with <see cref="BulkClient.Connect"/>, proves it holds the cluster secret (<see cref="BulkHandshake"/>) and names
/// a target; the server resolves it once, then tells every message to that actor with a sender that routes replies
/// back over the same connection. A peer without the secret (or, with TLS, without the pinned certificate) never
/// reaches a target, and what it can cost the server is bounded by <see cref="BulkServerLimits"/>. Disposing the
/// server closes the listener and every connection.
/// </summary>
public sealed class BulkServer : IAsyncDisposable
{
    private readonly ExtendedActorSystem _system;
    private readonly Func<string, IActorRef?> _resolveTarget;
    private readonly Socket _listener;
    private readonly Thread _acceptor;
    private readonly HashSet<BulkServerSession> _sessions = [];
    private readonly HashSet<BulkServerSession> _handshaking = [];
    private long _turnedAway;
    private bool _disposed;

    private BulkServer(ActorSystem system, Socket listener, Func<string, IActorRef?> resolveTarget, BulkCredentials credentials, BulkServerLimits limits)
    {
        _system = (ExtendedActorSystem)system;
        _resolveTarget = resolveTarget;
        Credentials = credentials;
        Limits = limits;
        _listener = listener;
        Endpoint = BulkSocket.Format((IPEndPoint)listener.LocalEndPoint!);
        Log = Logging.GetLogger(system, $"bulk-server {Endpoint}");
        _acceptor = new Thread(Accept) { IsBackground = true, Name = $"bulk-accept {Endpoint}" };
    }

    /// <summary>"host:port" actually bound (the real port when 0 was asked for).</summary>
    public string Endpoint { get; }

    /// <summary>Connections open now, authenticated or still in their handshake.</summary>
    public int Sessions
    {
        get
        {
            lock (_sessions)
            {
                return _sessions.Count;
            }
        }
    }

    internal ILoggingAdapter Log { get; }

    internal ExtendedActorSystem System => _system;

    internal BulkCredentials Credentials { get; }

    internal BulkServerLimits Limits { get; }

    /// <summary>
    /// Listens on <paramref name="host"/>:<paramref name="port"/> (0 = ephemeral). Every client must prove it holds
    /// <paramref name="credentials"/>' secret; with their certificate every connection is TLS and the client must
    /// present that very certificate.
    /// </summary>
    public static BulkServer Start(ActorSystem system, string host, int port, Func<string, IActorRef?> resolveTarget, BulkCredentials credentials, BulkServerLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(resolveTarget);
        ArgumentNullException.ThrowIfNull(credentials);
        var address = BulkSocket.Resolve(host);
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(address, port));
            listener.Listen(128);
        }
        catch (SocketException e)
        {
            listener.Dispose();
            throw new BulkChannelException($"bulk server cannot listen on {host}:{port}: {e.Message}");
        }

        var server = new BulkServer(system, listener, resolveTarget, credentials, limits ?? BulkServerLimits.Default);
        server._acceptor.Start();
        return server;
    }

    /// <summary>Stops accepting and closes every connection; their reply routes stop carrying messages.</summary>
    public async ValueTask DisposeAsync()
    {
        BulkServerSession[] sessions;
        lock (_sessions)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            sessions = [.. _sessions];
        }

        _listener.Dispose();
        foreach (var session in sessions)
        {
            session.Close();
        }

        _acceptor.Join(TimeSpan.FromSeconds(5));
        await Task.WhenAny(Task.WhenAll(sessions.Select(s => s.Ended)), Task.Delay(TimeSpan.FromSeconds(5)));
    }

    internal IActorRef? ResolveTarget(string name)
    {
        try
        {
            return _resolveTarget(name);
        }
        catch (Exception e)
        {
            Log.Error(e, "resolving bulk target '{0}' failed", name);
            return null;
        }
    }

    /// <summary>The session proved the secret: it no longer counts against <see cref="BulkServerLimits.MaxHandshakes"/>.</summary>
    internal void Authenticated(BulkServerSession session)
    {
        lock (_sessions)
        {
            _handshaking.Remove(session);
        }
    }

    internal void Remove(BulkServerSession session)
    {
        lock (_sessions)
        {
            _sessions.Remove(session);
            _handshaking.Remove(session);
        }
    }

    private void Accept()
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = _listener.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                if (!Volatile.Read(ref _disposed))
                {
                    Log.Error("bulk server stopped accepting: {0}", e.Message);
                }

                return;
            }

            BulkSocket.Configure(socket);
            var session = new BulkServerSession(this, socket);
            string? full = null;
            lock (_sessions)
            {
                if (_disposed)
                {
                    socket.Dispose();
                    return;
                }

                if (_sessions.Count >= Limits.MaxSessions)
                {
                    full = $"{_sessions.Count} connections are open (at most {Limits.MaxSessions})";
                }
                else if (_handshaking.Count >= Limits.MaxHandshakes)
                {
                    full = $"{_handshaking.Count} connections are still in their handshake (at most {Limits.MaxHandshakes})";
                }
                else
                {
                    _sessions.Add(session);
                    _handshaking.Add(session);
                }
            }

            if (full is not null)
            {
                // Closed at once, before any byte is read: a flood costs an accept and a close, nothing held.
                var remote = socket.RemoteEndPoint;
                socket.Dispose();
                if (_turnedAway++ % 100 == 0)
                {
                    Log.Warning("bulk server {0}: closed a connection from {1} at once: {2} ({3} turned away so far)", Endpoint, remote, full, _turnedAway);
                }

                continue;
            }

            session.Start();
        }
    }
}
