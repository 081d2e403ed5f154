// dtrain-bench overlap: training throughput of one real worker actor against real shard actors in this process,
// with each shard's push sent as soon as backward has finished its part (overlap) and after the whole backward.
using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Dtrain.Models.Backends;
using Dtrain.Models.Data;
using Dtrain.Models.Graph;
using Dtrain.Models.Optimizers;
using Dtrain.ParameterServer;
using Dtrain.Protocol;
using Dtrain.Protocol.Serialization;
using static Dtrain.Protocol.CoordinatorProtocol;
using static Dtrain.Protocol.ParameterShardProtocol;
using static Dtrain.Protocol.WorkerProtocol;

namespace Dtrain.Bench;

/// <summary>
/// For each model: K shards (Adam) and one worker on random data; repetitions alternate overlap on and off, each a
/// warm-up partition then a timed one, and the table reports median examples/s of each and their ratio.
/// </summary>
public static class OverlapBench
{
    public static int Run(string[] args)
    {
        var models = new[] { "examples/mnist-mlp.json", "examples/mnist-lenet5.json" };
        var (shards, batch, steps, reps, device, threads) = (2, 128, 40, 5, "cpu", Environment.ProcessorCount);
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i - 1])
            {
                case "--models": models = value.Split(','); break;
                case "--shards": shards = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--batch": batch = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--steps": steps = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--reps": reps = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--device": device = value; break;
                case "--threads": threads = int.Parse(value, CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown option {args[i - 1]}");
            }
        }

        var selection = DeviceSelection.Parse(device, threads);
        Console.WriteLine($"overlap bench: 1 worker on {selection.Name}, {shards} shard(s) with adam in this process, batch {batch}, {steps} steps per timed partition, median of {reps}");
        Console.WriteLine();
        Console.WriteLine($"{"model",-24}  {"overlap ex/s",12}  {"after-backward ex/s",19}  {"ratio",6}");
        Console.WriteLine($"{new string('-', 24)}  {new string('-', 12)}  {new string('-', 19)}  {new string('-', 6)}");
        foreach (var file in models)
        {
            var model = ModelCompiler.Compile(ModelParser.Parse(File.ReadAllText(file), file));
            var (on, off) = Measure(model, file, selection, shards, batch, steps, reps);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileNameWithoutExtension(file),-24}  {on,12:N0}  {off,19:N0}  {on / off,6:F2}"));
        }

        return 0;
    }

    private static (double On, double Off) Measure(CompiledModel model, string file, DeviceSelection device, int shards, int batch, int steps, int reps)
    {
        var system = ActorSystem.Create("overlap-bench", WireConfig.SingleProcess(false));
        try
        {
            var placement = ChunkPlacement.Plan(model, model.Spec.Training.ChunkSize, shards);
            var initial = model.InitialParameters(1);
            var adam = OptimizerSpec.From(new OptimizerSettings("adam", 0.001f));
            var routes = new ShardRoute[shards];
            for (var s = 0; s < shards; s++)
            {
                var shard = system.ActorOf(ParameterShard.Props(), $"ps-{s}");
                var values = FloatBuffer.Rent(ChunkPlacement.Floats(placement[s]));
                var at = 0;
                foreach (var c in placement[s])
                {
                    initial.AsSpan(c.Offset, c.Length).CopyTo(values.Span[at..]);
                    at += c.Length;
                }

                shard.Ask<ShardReady>(new InitShard(s, placement[s], values, adam), TimeSpan.FromMinutes(1)).Wait();
                routes[s] = new ShardRoute(s, shard, placement[s]);
            }

            var examples = steps * batch;
            var worker = system.ActorOf(Dtrain.Worker.Worker.Props(RandomData(model, examples), device.Create));
            var driver = system.ActorOf(Props.Create(() => new Driver(worker)));
            var (on, off) = (new List<double>(), new List<double>());
            for (var r = 0; r < reps; r++)
            {
                foreach (var overlap in new[] { true, false })
                {
                    var join = new JoinJob(file, 0, file, File.ReadAllText(file), batch, 1, 1, routes, driver, OverlapPush: overlap);
                    driver.Ask<Ready>(join, TimeSpan.FromMinutes(2)).Wait();
                    driver.Ask<PartitionDone>(new Assign(Enumerable.Range(0, Math.Min(examples, 4 * batch)).ToArray()), TimeSpan.FromMinutes(10)).Wait();
                    var started = Stopwatch.GetTimestamp();
                    driver.Ask<PartitionDone>(new Assign(Enumerable.Range(0, examples).ToArray()), TimeSpan.FromMinutes(10)).Wait();
                    (overlap ? on : off).Add(examples / Stopwatch.GetElapsedTime(started).TotalSeconds);
                }
            }

            return (Median(on), Median(off));
        }
        finally
        {
            system.Terminate().Wait();
        }
    }

    private static double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);

    /// <summary>Uniform random features and labels: the timing does not depend on what the data says.</summary>
    private static Dataset RandomData(CompiledModel model, int count)
    {
        var rng = new Random(7);
        var classes = model.Values[model.OutputValue].Type.Size;
        var features = new float[count * model.FeatureSize];
        for (var i = 0; i < features.Length; i++)
        {
            features[i] = (float)rng.NextDouble();
        }

        return new Dataset("random", [model.FeatureSize], classes, features, Enumerable.Range(0, count).Select(_ => rng.Next(classes)).ToArray());
    }

    private sealed record Assign(int[] Indices);

    private sealed record Ready;

    /// <summary>The coordinator's part: joins the worker to the job and hands it one partition at a time.</summary>
    private sealed class Driver : ReceiveActor
    {
        private IActorRef? _waiting;
        private int _partition;

        public Driver(IActorRef worker)
        {
            Receive<JoinJob>(join =>
            {
                _waiting = Sender;
                worker.Tell(join);
            });
            Receive<RequestWork>(_ => _waiting?.Tell(new Ready()));
            Receive<Assign>(a =>
            {
                _waiting = Sender;
                worker.Tell(new AssignPartition(1, _partition++, a.Indices));
            });
            Receive<PartitionDone>(done => _waiting?.Tell(done));
            Receive<WorkerFailed>(failed => _waiting?.Tell(new Status.Failure(new InvalidOperationException(failed.Reason))));
        }
    }
}
