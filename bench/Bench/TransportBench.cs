// `dtrain-bench transport`: push/pull traffic between two processes over raw loopback TCP, Akka.Remote and the
// bulk channel, measured in one run so the ratios compare like with like.
using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Dtrain.Protocol;
using Dtrain.Protocol.Transport;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.Bench;

internal static class TransportBench
{
    /// <summary>Floats per Akka.Remote message: 480,000 bytes of payload would break the 128,000-byte default frame.</summary>
    private const int RemoteChunkFloats = 30_000;

    public static int Run(string[] args)
    {
        var sizesMb = new[] { 1, 4 };
        var reps = 5;
        var mbPerRep = 256;
        var window = 4;
        var withTls = false;
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--sizes":
                    sizesMb = Value().Split(',').Select(s => int.TryParse(s, out var mb) && mb > 0 ? mb : throw new ArgumentException($"--sizes: '{s}' is not a positive number of MiB")).ToArray();
                    break;
                case "--reps":
                    reps = int.TryParse(Value(), out reps) && reps > 0 ? reps : throw new ArgumentException("--reps needs a positive integer");
                    break;
                case "--mb":
                    mbPerRep = int.TryParse(Value(), out mbPerRep) && mbPerRep > 0 ? mbPerRep : throw new ArgumentException("--mb needs a positive integer");
                    break;
                case "--window":
                    window = int.TryParse(Value(), out window) && window > 0 ? window : throw new ArgumentException("--window needs a positive integer");
                    break;
                case "--tls":
                    withTls = true;
                    break;
                default:
                    throw new ArgumentException($"unknown option '{args[i]}' for transport");
            }
        }

        using var certificate = withTls ? SelfSigned() : null;
        var pfx = certificate is null ? null : Path.Combine(Path.GetTempPath(), $"dtrain-bench-{Environment.ProcessId}.pfx");
        if (pfx is not null)
        {
            File.WriteAllBytes(pfx, certificate!.Export(X509ContentType.Pfx));
        }

        // Both processes prove one secret on the bulk channel, as a cluster's nodes do (handed over as the nodes get it: the environment).
        var secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        using var peer = Peer.Start(pfx, secret);
        using var system = ActorSystem.Create("bench", TransportPeer.RemoteConfig("client"));
        try
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(secret);
            Measure(system, peer, new BulkCredentials(bytes), certificate is null ? null : new BulkCredentials(bytes, certificate), sizesMb, reps, mbPerRep, window);
        }
        finally
        {
            system.Terminate().Wait(TimeSpan.FromSeconds(10));
            if (pfx is not null)
            {
                File.Delete(pfx);
            }
        }

        return 0;
    }

    private static void Measure(ActorSystem system, Peer peer, BulkCredentials credentials, BulkCredentials? tlsCredentials, int[] sizesMb, int reps, int mbPerRep, int window)
    {
        var remoteShard = system.ActorSelection($"{peer.AkkaAddress}/user/ps-0").ResolveOne(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
        var bulkShard = BulkClient.Connect(system, peer.BulkEndpoint, "ps-0", credentials, "bulk-ps-0");
        var tlsShard = peer.TlsEndpoint is { } tls ? BulkClient.Connect(system, tls, "ps-0", tlsCredentials!, "bulk-tls-ps-0") : null;
        using var raw = new RawClient(peer.RawPort);

        Console.WriteLine($"transport: push + pull rounds between two processes on 127.0.0.1, {window} rounds in flight, " +
            $"~{mbPerRep} MB moved per repetition, median of {reps} after one warm-up ({Environment.ProcessorCount} cores)");
        Console.WriteLine($"{"payload",8}  {"path",-40} {"MB/s",9}  {"vs raw TCP",10}");
        foreach (var mb in sizesMb)
        {
            var bytes = mb << 20;
            var rounds = Math.Max(4, (int)((long)mbPerRep * (1 << 20) / (2L * bytes)));
            var paths = new List<(string Name, Func<double> Seconds)>
            {
                ("raw TCP (sockets, no serialization)", () => raw.Rounds(bytes, rounds, window)),
                ($"Akka.Remote ({RemoteChunkFloats * 4 / 1000} KB chunks, MessagePack)", () => Drive(system, remoteShard, bytes / 4, RemoteChunkFloats, rounds, window)),
                ("bulk channel (Push/Params, one frame)", () => Drive(system, bulkShard, bytes / 4, bytes / 4, rounds, window)),
            };
            if (tlsShard is not null)
            {
                paths.Add(("bulk channel over TLS", () => Drive(system, tlsShard, bytes / 4, bytes / 4, rounds, window)));
            }

            var samples = paths.Select(_ => new List<double>()).ToArray();
            for (var rep = -1; rep < reps; rep++)
            {
                // Interleaved so that load from elsewhere on the machine hits every path alike.
                for (var p = 0; p < paths.Count; p++)
                {
                    var seconds = paths[p].Seconds();
                    if (rep >= 0)
                    {
                        samples[p].Add(2.0 * bytes * rounds / seconds / 1e6);
                    }
                }
            }

            var rawMbs = Median(samples[0]);
            for (var p = 0; p < paths.Count; p++)
            {
                var mbs = Median(samples[p]);
                Console.WriteLine($"{mb + " MiB",8}  {paths[p].Name,-40} {mbs,9:F0}  {mbs / rawMbs,10:F2}");
            }
        }
    }

    /// <summary>A throwaway certificate both processes present (the cluster's shared-certificate scheme).</summary>
    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=dtrain-bench", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values.Count % 2 == 1 ? values[values.Count / 2] : (values[(values.Count / 2) - 1] + values[values.Count / 2]) / 2;
    }

    /// <summary>Runs <paramref name="rounds"/> push + pull rounds against <paramref name="shard"/>; returns seconds.</summary>
    private static double Drive(ActorSystem system, IActorRef shard, int floats, int chunkFloats, int rounds, int window)
    {
        var done = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
        var driver = system.ActorOf(Props.Create(() => new Driver(shard, floats, chunkFloats, rounds, window, done)));
        try
        {
            if (!done.Task.Wait(TimeSpan.FromMinutes(2)))
            {
                throw new TimeoutException($"{rounds} rounds of {floats * 4} bytes did not finish in 2 minutes");
            }

            return done.Task.Result;
        }
        finally
        {
            system.Stop(driver);
        }
    }

    /// <summary>A worker reduced to its traffic: each round pushes the payload (in chunks) and pulls it back.</summary>
    private sealed class Driver : UntypedActor
    {
        private readonly IActorRef _shard;
        private readonly int _floats;
        private readonly int _chunk;
        private readonly int _rounds;
        private readonly int _window;
        private readonly TaskCompletionSource<double> _done;
        private readonly int _messagesPerRound;
        private readonly Stopwatch _clock = new();
        private long _seq;
        private int _issued;
        private long _acks;
        private long _params;

        public Driver(IActorRef shard, int floats, int chunk, int rounds, int window, TaskCompletionSource<double> done)
        {
            (_shard, _floats, _chunk, _rounds, _window, _done) = (shard, floats, chunk, rounds, window, done);
            _messagesPerRound = (floats + chunk - 1) / chunk;
        }

        protected override void PreStart()
        {
            _clock.Start();
            Issue();
        }

        protected override void OnReceive(object message)
        {
            switch (message)
            {
                case PushAck:
                    _acks++;
                    break;
                case Params p:
                    p.Values?.Release();
                    _params++;
                    break;
                case BulkDeliveryFailed failed:
                    _done.TrySetException(new InvalidOperationException(failed.ToString()));
                    return;
                default:
                    Unhandled(message);
                    return;
            }

            Issue();
        }

        private void Issue()
        {
            var completed = (int)(Math.Min(_acks, _params) / _messagesPerRound);
            if (completed == _rounds)
            {
                _done.TrySetResult(_clock.Elapsed.TotalSeconds);
                return;
            }

            while (_issued < _rounds && _issued - completed < _window)
            {
                for (var sent = 0; sent < _floats; sent += _chunk)
                {
                    _shard.Tell(new Push(1, ++_seq, 0, FloatBuffer.Rent(Math.Min(_chunk, _floats - sent))));
                }

                _shard.Tell(new Pull(_issued++, -1));
            }
        }
    }

    /// <summary>The bench's second process: this executable with the hidden `transport-peer` command.</summary>
    private sealed class Peer : IDisposable
    {
        private readonly Process _process;

        private Peer(Process process, string[] ready)
        {
            _process = process;
            RawPort = int.Parse(ready[1]);
            AkkaAddress = ready[2];
            BulkEndpoint = ready[3];
            TlsEndpoint = ready[4] == "-" ? null : ready[4];
        }

        public int RawPort { get; }

        public string AkkaAddress { get; }

        public string BulkEndpoint { get; }

        public string? TlsEndpoint { get; }

        public static Peer Start(string? pfx, string secret)
        {
            var self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot find this executable to start the peer process");
            var info = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            info.Environment["DTRAIN_SECRET"] = secret;
            if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            {
                info.ArgumentList.Add(typeof(TransportBench).Assembly.Location);
            }

            info.ArgumentList.Add("transport-peer");
            if (pfx is not null)
            {
                info.ArgumentList.Add("--tls-pfx");
                info.ArgumentList.Add(pfx);
            }

            var process = Process.Start(info) ?? throw new InvalidOperationException("the peer process did not start");
            try
            {
                var line = process.StandardOutput.ReadLine();
                var ready = line?.Split(' ');
                if (ready is not ["ready", _, _, _, _])
                {
                    throw new InvalidOperationException($"the peer process said '{line}' instead of 'ready …'");
                }

                return new Peer(process, ready);
            }
            catch
            {
                process.Kill(entireProcessTree: true);
                process.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.Dispose();
        }
    }

    /// <summary>The yardstick: the same rounds over a plain socket, payloads written from and read into reused arrays.</summary>
    private sealed class RawClient : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        private readonly NetworkStream _stream;

        public RawClient(int port)
        {
            _socket.Connect("127.0.0.1", port);
            _stream = new NetworkStream(_socket, ownsSocket: true);
        }

        public double Rounds(int bytes, int rounds, int window)
        {
            var payload = new byte[bytes];
            var received = new byte[bytes];
            using var inFlight = new SemaphoreSlim(window);
            var clock = Stopwatch.StartNew();
            var reader = new Thread(() =>
            {
                var header = new byte[5];
                for (var r = 0; r < rounds; r++)
                {
                    _stream.ReadExactly(header); // push ack
                    _stream.ReadExactly(header); // pull answer
                    _stream.ReadExactly(received.AsSpan(0, BitConverter.ToInt32(header, 1)));
                    inFlight.Release();
                }
            })
            { IsBackground = true, Name = "raw-read" };
            reader.Start();
            var push = new byte[5];
            push[0] = 1;
            BitConverter.TryWriteBytes(push.AsSpan(1), bytes);
            var pull = (byte[])push.Clone();
            pull[0] = 2;
            for (var r = 0; r < rounds; r++)
            {
                inFlight.Wait();
                _stream.Write(push);
                _stream.Write(payload);
                _stream.Write(pull);
            }

            reader.Join();
            return clock.Elapsed.TotalSeconds;
        }

        public void Dispose() => _stream.Dispose();
    }
}
