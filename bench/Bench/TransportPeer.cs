// The far end of `dtrain-bench transport`: a second process that serves raw TCP, an Akka.Remote shard and a bulk
// channel shard on loopback until its standard input closes.
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Configuration;
using Dtrain.Protocol;
using Dtrain.Protocol.Serialization;
using Dtrain.Protocol.Transport;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.Bench;

internal static class TransportPeer
{
    /// <summary>Remoting on loopback with Akka's default frame limit (128,000 bytes): what a plain cluster gets.</summary>
    public static Config RemoteConfig(string name) => ConfigurationFactory.ParseString($$"""
        akka.loglevel = WARNING
        akka.stdout-loglevel = WARNING
        akka.log-dead-letters = 0
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        akka.remote.log-remote-lifecycle-events = off
        dtrain.bench-role = {{name}}
        """).WithFallback(WireConfig.Serialization);

    /// <summary>
    /// Runs the peer; prints "ready RAW_PORT AKKA_ADDRESS BULK_ENDPOINT TLS_ENDPOINT" once everything listens
    /// (TLS_ENDPOINT is "-" unless <c>--tls-pfx FILE</c> names the certificate to serve TLS with).
    /// </summary>
    public static int Run(string[] args)
    {
        using var system = ActorSystem.Create("peer", RemoteConfig("peer"));
        var shard = system.ActorOf(Props.Create(() => new BenchShard()), "ps-0");
        var secret = System.Text.Encoding.UTF8.GetBytes(Environment.GetEnvironmentVariable("DTRAIN_SECRET") ?? throw new InvalidOperationException("transport-peer: DTRAIN_SECRET is not set"));
        var bulk = BulkServer.Start(system, "127.0.0.1", 0, name => name == "ps-0" ? shard : null, new BulkCredentials(secret));
        using var certificate = args is ["--tls-pfx", var pfx] ? X509CertificateLoader.LoadPkcs12FromFile(pfx, null) : null;
        var tls = certificate is null ? null : BulkServer.Start(system, "127.0.0.1", 0, name => name == "ps-0" ? shard : null, new BulkCredentials(secret, certificate));
        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        raw.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        raw.Listen(8);
        new Thread(() => AcceptRaw(raw)) { IsBackground = true, Name = "raw-accept" }.Start();

        var address = ((ExtendedActorSystem)system).Provider.DefaultAddress;
        Console.WriteLine($"ready {((IPEndPoint)raw.LocalEndPoint!).Port} {address} {bulk.Endpoint} {tls?.Endpoint ?? "-"}");
        Console.Out.Flush();
        while (Console.In.ReadLine() is not null)
        {
        }

        bulk.DisposeAsync().AsTask().Wait();
        tls?.DisposeAsync().AsTask().Wait();
        system.Terminate().Wait(TimeSpan.FromSeconds(5));
        return 0;
    }

    private static void AcceptRaw(Socket listener)
    {
        while (true)
        {
            Socket connection;
            try
            {
                connection = listener.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            connection.NoDelay = true;
            new Thread(() => ServeRaw(connection)) { IsBackground = true, Name = "raw-serve" }.Start();
        }
    }

    /// <summary>
    /// Raw protocol: [u8 kind][i32 bytes][push: bytes]; a push is answered with [1][0], a pull with [2][bytes][bytes].
    /// Reading and answering run on two threads, as the bulk channel's do, so the yardstick is full duplex too.
    /// </summary>
    private static void ServeRaw(Socket socket)
    {
        using var stream = new NetworkStream(socket, ownsSocket: true);
        using var answers = new System.Collections.Concurrent.BlockingCollection<(byte Kind, int Bytes)>();
        var writer = new Thread(() =>
        {
            var header = new byte[5];
            var payload = Array.Empty<byte>();
            try
            {
                foreach (var (kind, bytes) in answers.GetConsumingEnumerable())
                {
                    header[0] = kind;
                    BitConverter.TryWriteBytes(header.AsSpan(1), kind == 1 ? 0 : bytes);
                    stream.Write(header);
                    if (kind == 2)
                    {
                        payload = payload.Length >= bytes ? payload : new byte[bytes];
                        stream.Write(payload.AsSpan(0, bytes));
                    }
                }
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
            }
        })
        { IsBackground = true, Name = "raw-answer" };
        writer.Start();
        var request = new byte[5];
        var buffer = Array.Empty<byte>();
        try
        {
            while (true)
            {
                stream.ReadExactly(request);
                var bytes = BitConverter.ToInt32(request, 1);
                if (request[0] == 1)
                {
                    buffer = buffer.Length >= bytes ? buffer : new byte[bytes];
                    stream.ReadExactly(buffer.AsSpan(0, bytes));
                }

                answers.Add((request[0], bytes));
            }
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or SocketException)
        {
        }

        answers.CompleteAdding();
        writer.Join();
    }

    /// <summary>
    /// A shard reduced to its traffic: acks each push and answers a pull with as many floats as were pushed since
    /// the last pull, in chunks as large as the pushes were (so a chunked sender gets chunked parameters back).
    /// Payloads are rented, not filled: the copy a real shard makes of its parameters is not transport.
    /// </summary>
    private sealed class BenchShard : ReceiveActor
    {
        private long _version;
        private long _floats;
        private int _chunk;

        public BenchShard()
        {
            Receive<Push>(p =>
            {
                _floats += p.Gradient.Length;
                _chunk = Math.Max(_chunk, p.Gradient.Length);
                p.Gradient.Release();
                Sender.Tell(new PushAck(0, p.WorkerId, p.Seq, ++_version, true));
            });
            Receive<Pull>(p =>
            {
                for (var sent = 0L; sent < _floats; sent += _chunk)
                {
                    Sender.Tell(new Params(0, p.RequestId, _version, FloatBuffer.Rent((int)Math.Min(_chunk, _floats - sent))));
                }

                _floats = 0;
                _chunk = 0;
            });
        }
    }
}
