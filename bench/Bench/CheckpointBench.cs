// dtrain-bench checkpoint: how long a checkpoint of a big model takes, and how long the shards stop answering while
// it is taken, next to the time a plain in-memory copy of the same state takes on this machine.
using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Dtrain.ParameterServer;
using Dtrain.Protocol;
using Dtrain.Protocol.Persistence;
using Dtrain.Protocol.Serialization;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.Bench;

/// <summary>
/// Starts K shards holding P parameters with Adam (values plus two moments: 12 bytes per parameter), keeps pinging
/// every shard with a pull that carries no payload, takes checkpoints, and reports: the checkpoint's wall time, the
/// longest time a shard left a ping unanswered during it (the training stall) against the same without a
/// checkpoint, the shards' own copy time, and the time to copy the whole state once with Array.Copy.
/// </summary>
public static class CheckpointBench
{
    public static int Run(string[] args)
    {
        var parameters = 100_000_000L;
        var shards = 4;
        var reps = 3;
        string? db = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--params": parameters = long.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--shards": shards = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--reps": reps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--db": db = args[++i]; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        var folder = Directory.CreateTempSubdirectory("dtrain-ckpt-bench-").FullName;
        try
        {
            var storage = Storage.Parse(db, Path.Combine(folder, "dtrain.db"));
            storage.Prepare();
            return Measure(storage, parameters, shards, reps);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static int Measure(Storage storage, long parameters, int shards, int reps)
    {
        var perShard = (int)(parameters / shards);
        Console.WriteLine($"checkpoint bench: {parameters:N0} parameters with adam over {shards} shard(s) ({12.0 * perShard * shards / 1e9:F2} GB of state) into {storage.Describe()}; {reps} checkpoint(s) after a warm-up");
        var system = ActorSystem.Create("bench", storage.ToConfig().WithFallback(WireConfig.SingleProcess(false)));
        try
        {
            var refs = Enumerable.Range(0, shards).Select(s => system.ActorOf(ParameterShard.Props(), $"ps-{s}")).ToArray();
            var adam = new OptimizerSpec("adam", 0.001f, null, 0.9f, 0.999f, 1e-8f, 0f);
            for (var s = 0; s < shards; s++)
            {
                var values = FloatBuffer.Rent(perShard);
                values.Span.Fill(0.01f * (s + 1));
                refs[s].Ask<ShardReady>(new InitShard(s, [new ChunkInfo(0, s, 0, perShard)], values, adam), TimeSpan.FromMinutes(2)).Wait();
            }

            var memcpy = CopySeconds(perShard, shards);
            using var pinger = new Pinger(refs);
            var idle = pinger.LongestWait(TimeSpan.FromSeconds(2));
            var rows = new List<(double Wall, double Stall, double Copy, double Write, long Bytes)>();
            for (var c = 0; c <= reps; c++)
            {
                pinger.Reset();
                var started = Stopwatch.GetTimestamp();
                var done = refs.Select((r, s) => r.Ask<object>(new TakeCheckpoint(c + 1, ShardSnapshot.PersistenceId("bench", s)), TimeSpan.FromMinutes(10))).ToArray();
                Task.WaitAll(done);
                var wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
                var replies = done.Select(t => t.Result as ShardCheckpointed ?? throw new InvalidOperationException($"checkpoint failed: {t.Result}")).ToArray();
                if (c > 0)
                {
                    rows.Add((wall, pinger.Longest.TotalSeconds, replies.Max(r => r.CopySeconds), replies.Max(r => r.WriteSeconds), replies.Sum(r => r.Bytes)));
                }
            }

            static double Median(IEnumerable<double> xs) => xs.Order().ElementAt(xs.Count() / 2);
            var f = CultureInfo.InvariantCulture;
            Console.WriteLine();
            Console.WriteLine($"{"measure",-52}  {"median",10}  {"max",10}");
            Console.WriteLine($"{new string('-', 52)}  {new string('-', 10)}  {new string('-', 10)}");
            void Row(string name, IEnumerable<double> xs, string unit) => Console.WriteLine(string.Create(f, $"{name,-52}  {Median(xs),8:F3} {unit}  {xs.Max(),8:F3} {unit}"));
            Row("checkpoint, request to every shard confirmed", rows.Select(r => r.Wall), "s");
            Row("  shard copy of its state (serving paused)", rows.Select(r => r.Copy), "s");
            Row("  checksum + database write (serving goes on)", rows.Select(r => r.Write), "s");
            Row("longest unanswered ping during a checkpoint (stall)", rows.Select(r => r.Stall), "s");
            Row("longest unanswered ping without one (baseline)", [idle.TotalSeconds], "s");
            Row("Array.Copy of the whole state, one thread", [memcpy], "s");
            Console.WriteLine(string.Create(f, $"{"bytes written per checkpoint",-52}  {rows[0].Bytes / 1e9,8:F2} GB"));
            return 0;
        }
        finally
        {
            system.Terminate().Wait();
        }
    }

    /// <summary>One copy of every shard's values and two moments, as the shards' own snapshot copies do.</summary>
    private static double CopySeconds(int perShard, int shards)
    {
        var source = new float[perShard * 3L];
        var target = new float[perShard * 3L];
        Array.Copy(source, target, source.Length); // touch the pages first
        var started = Stopwatch.GetTimestamp();
        for (var s = 0; s < shards; s++)
        {
            Array.Copy(source, target, source.Length);
        }

        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>Pings every shard in turn with a payload-free pull and keeps the longest round trip since <see cref="Reset"/>.</summary>
    private sealed class Pinger : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private long _longestTicks;

        public Pinger(IActorRef[] shards)
        {
            _loop = Task.Run(async () =>
            {
                var versions = new long[shards.Length];
                for (var request = 0L; !_stop.IsCancellationRequested; request++)
                {
                    var s = (int)(request % shards.Length);
                    var started = Stopwatch.GetTimestamp();
                    var reply = await shards[s].Ask<Params>(new Pull(request, versions[s]), TimeSpan.FromMinutes(5));
                    versions[s] = reply.Version;
                    reply.Values?.Release();
                    var ticks = Stopwatch.GetTimestamp() - started;
                    if (ticks > Interlocked.Read(ref _longestTicks))
                    {
                        Interlocked.Exchange(ref _longestTicks, ticks);
                    }
                }
            });
        }

        public TimeSpan Longest => TimeSpan.FromSeconds((double)Interlocked.Read(ref _longestTicks) / Stopwatch.Frequency);

        public void Reset() => Interlocked.Exchange(ref _longestTicks, 0);

        public TimeSpan LongestWait(TimeSpan window)
        {
            Reset();
            Thread.Sleep(window);
            return Longest;
        }

        public void Dispose()
        {
            _stop.Cancel();
            _loop.Wait();
        }
    }
}
