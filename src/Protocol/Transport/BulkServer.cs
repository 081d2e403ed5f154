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
/// with <see cref="BulkClient.Connect(IActorRefFactory, string, string, string?)"/> and names a target; the server
/// resolves it once, then tells every message to that actor with a sender that routes replies back over the same
/// connection. Disposing the server closes the listener and every connection.
/// </summary>
public sealed class BulkServer : IAsyncDisposable
{
    private readonly ExtendedActorSystem _system;
    private readonly Func<string, IActorRef?> _resolveTarget;
    private readonly X509Certificate2? _certificate;
    private readonly Socket _listener;
    private readonly Thread _acceptor;
    private readonly HashSet<BulkServerSession> _sessions = [];
    private long _nextSession;
    private bool _disposed;

    private BulkServer(ActorSystem system, Socket listener, Func<string, IActorRef?> resolveTarget, X509Certificate2? certificate)
    {
        _system = (ExtendedActorSystem)system;
        _resolveTarget = resolveTarget;
        _certificate = certificate;
        _listener = listener;
        Endpoint = BulkSocket.Format((IPEndPoint)listener.LocalEndPoint!);
        Log = Logging.GetLogger(system, $"bulk-server {Endpoint}");
        _acceptor = new Thread(Accept) { IsBackground = true, Name = $"bulk-accept {Endpoint}" };
    }

    /// <summary>"host:port" actually bound (the real port when 0 was asked for).</summary>
    public string Endpoint { get; }

    internal ILoggingAdapter Log { get; }

    internal ExtendedActorSystem System => _system;

    internal X509Certificate2? Certificate => _certificate;

    /// <summary>Listens on <paramref name="host"/>:<paramref name="port"/> (0 = ephemeral) without TLS.</summary>
    public static BulkServer Start(ActorSystem system, string host, int port, Func<string, IActorRef?> resolveTarget) =>
        Start(system, host, port, resolveTarget, certificate: null);

    /// <summary>
    /// Listens on <paramref name="host"/>:<paramref name="port"/>; with a <paramref name="certificate"/> every
    /// connection is TLS and clients must present the same certificate (or one that validates).
    /// </summary>
    public static BulkServer Start(ActorSystem system, string host, int port, Func<string, IActorRef?> resolveTarget, X509Certificate2? certificate)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(resolveTarget);
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

        var server = new BulkServer(system, listener, resolveTarget, certificate);
        server._acceptor.Start();
        return server;
    }

    /// <summary>Stops accepting and closes every connection; their reply routes stop carrying messages.</summary>
    public ValueTask DisposeAsync()
    {
        BulkServerSession[] sessions;
        lock (_sessions)
        {
            if (_disposed)
            {
                return ValueTask.CompletedTask;
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
        foreach (var session in sessions)
        {
            session.Join(TimeSpan.FromSeconds(5));
        }

        return ValueTask.CompletedTask;
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

    internal void Remove(BulkServerSession session)
    {
        lock (_sessions)
        {
            _sessions.Remove(session);
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
            var session = new BulkServerSession(this, socket, Interlocked.Increment(ref _nextSession));
            lock (_sessions)
            {
                if (_disposed)
                {
                    socket.Dispose();
                    return;
                }

                _sessions.Add(session);
            }

            session.Start();
        }
    }
}
