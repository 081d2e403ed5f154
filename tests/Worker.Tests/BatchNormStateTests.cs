// Model state through the parameter server: a worker training a batch-norm model pushes its running statistics
// as values, and the shard stores them (while it still applies the optimizer to the trainable parameters).
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Dtrain.Models.Backends.Cpu;
using Dtrain.Models.Graph;
using Dtrain.Models.Optimizers;
using Dtrain.ParameterServer;
using Dtrain.Protocol;
using Dtrain.Protocol.Serialization;
using static Dtrain.Protocol.CoordinatorProtocol;
using static Dtrain.Protocol.ParameterShardProtocol;
using static Dtrain.Protocol.WorkerProtocol;

namespace Dtrain.Worker.Tests;

public sealed class BatchNormStateTests : TestKit
{
    private const string ModelJson = """
        {"name":"tiny-bn","inputs":[{"name":"x","shape":[4]},{"name":"y","shape":[],"dtype":"int32"}],
         "nodes":[{"id":"fc1","op":"dense","inputs":["x"],"attrs":{"units":8,"weight_init":"he_uniform"}},
                  {"id":"bn","op":"batch_norm","inputs":["fc1"]},
                  {"id":"h","op":"relu","inputs":["bn"]},
                  {"id":"drop","op":"dropout","inputs":["h"],"attrs":{"rate":0.2}},
                  {"id":"out","op":"dense","inputs":["drop"],"attrs":{"units":3}},
                  {"id":"loss","op":"softmax_cross_entropy","inputs":["out","y"]}],
         "loss":"loss"}
        """;

    public BatchNormStateTests()
        : base(WireConfig.SingleProcess(serializeMessages: true))
    {
    }

    [Fact]
    public void Shard_holds_the_running_statistics_a_worker_pushed_after_training()
    {
        var model = ModelCompiler.Compile(ModelParser.Parse(ModelJson, "tiny-bn.json"));
        var chunks = ChunkPlacement.Plan(model, chunkSize: 16, shards: 1)[0];
        var initial = model.InitialParameters(7);
        var shard = Sys.ActorOf(ParameterShard.Props());
        shard.Tell(new InitShard(0, chunks, FloatBuffer.CopyOf(initial), OptimizerSpec.From(new OptimizerSettings("sgd", 0.1f))));
        ExpectMsg<ShardReady>();
        var coordinator = CreateTestProbe();
        var worker = Sys.ActorOf(Worker.Props(TinyJob.Data(64, 1), () => new CpuBackend(1)));

        worker.Tell(new JoinJob("tiny-bn", 0, "tiny-bn.json", ModelJson, 8, 1, 1, [new ShardRoute(0, shard, chunks)], coordinator.Ref), coordinator.Ref);
        coordinator.ExpectMsg<RequestWork>();
        worker.Tell(new AssignPartition(1, 0, Enumerable.Range(0, 64).ToArray()), coordinator.Ref);
        coordinator.ExpectMsg<PartitionDone>(TimeSpan.FromSeconds(10));
        shard.Tell(new Pull(1, -1));
        var pulled = ExpectMsg<Params>();
        var flat = new float[model.ParameterCount];
        ChunkPlacement.Scatter(pulled.Values!.Span, chunks, flat);

        // Features lie in [0, 2) and the dense layer is not centred, so the batch means are far from the initial 0,
        // and the variances from the initial 1; an optimizer step applied to them instead would leave them near.
        var mean = Slice(model, flat, "bn.running_mean");
        var variance = Slice(model, flat, "bn.running_var");
        Assert.All(mean, v => Assert.True(float.IsFinite(v)));
        Assert.Contains(mean, v => Math.Abs(v) > 0.05f);
        Assert.All(variance, v => Assert.True(v > 0f && float.IsFinite(v), $"running variance {v}"));
        Assert.Contains(variance, v => Math.Abs(v - 1f) > 0.05f);
        Assert.NotEqual(Slice(model, initial, "fc1.weight"), Slice(model, flat, "fc1.weight"));
    }

    private static float[] Slice(CompiledModel model, float[] flat, string name)
    {
        var p = model.Parameters.Single(p => p.Name == name);
        return flat.AsSpan(p.Offset, p.Size).ToArray();
    }
}
