// Every wire message must be bound to the MessagePack serializer, carry stable keys and survive a round trip
// through Akka's serialization field by field; a new message without a binding, keys or a factory fails here.
using System.Reflection;
using Akka.Actor;
using Akka.Serialization;
using Akka.TestKit.Xunit2;
using Dtrain.Protocol.Serialization;
using MessagePack;
using static Dtrain.Protocol.CoordinatorProtocol;
using static Dtrain.Protocol.ParameterShardProtocol;
using static Dtrain.Protocol.WorkerProtocol;

namespace Dtrain.Protocol.Tests;

public sealed class SerializerTests() : TestKit(WireConfig.SingleProcess(serializeMessages: false))
{
    private static readonly ChunkInfo[] Chunks = [new(0, 0, 0, 3), new(1, 2, 40, 2, Group: 1)];

    private static readonly OptimizerSpec Adam = new("adam", 0.001f, 0.5f, 0.9f, 0.999f, 1e-8f, 0.01f);

    private static readonly ShardStats Stats = new(2, 17, 15, 1, 2, 30, 1.25, 4, 0.5);

    private static readonly EpochCompleted Epoch = new(
        3, 0.25, 0.97, 1234.5, 10.5, 31.5, 1400, 18, 19, new EvaluationFigures("regression", 500, 0.125, 0.5, 0.75, 5, 3.25, 2.5, 0.625, 0.0625), new EvaluationFigures("classification", 1000, 0.2, 0.97, 0.99, 5), true, "adversarial");

    /// <summary>A representative instance of every wire message; each field differs from its default.</summary>
    private static readonly Dictionary<Type, Func<IActorRef, IActorRef, IWireMessage>> Factories = new()
    {
        [typeof(InitShard)] = (_, _) => new InitShard(2, Chunks, FloatBuffer.CopyOf([1f, -2.5f, 3e-7f, float.MaxValue, -0f]), Adam, 3, 0x5eed_0001, [Adam, Adam with { Frozen = true }]),
        [typeof(ShardReady)] = (_, _) => new ShardReady(2, 5, 0x5eed_0001),
        [typeof(InitShardRejected)] = (_, _) => new InitShardRejected(2, "carries 2 floats but its chunks hold 5", 0x5eed_0001),
        [typeof(Pull)] = (_, _) => new Pull(99, 7, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
        [typeof(Params)] = (_, _) => new Params(2, 99, 8, FloatBuffer.CopyOf([0.5f, float.Epsilon, -1f])),
        [typeof(SyncMembership)] = (_, _) => new SyncMembership(4, true),
        [typeof(AdmitWorkers)] = (_, _) => new AdmitWorkers([0, 3, 7]),
        [typeof(Push)] = (_, _) => new Push(3, 12, 6, FloatBuffer.CopyOf([0.25f, float.NegativeInfinity, 7f]), "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01", 0x5eed_0001, 0b101),
        [typeof(PushAck)] = (_, _) => new PushAck(2, 3, 12, 9, true),
        [typeof(PushRejected)] = (_, _) => new PushRejected(2, 3, 12, "carries 3 floats, shard owns 5"),
        [typeof(GetStats)] = (_, _) => new GetStats(41),
        [typeof(ShardStats)] = (_, _) => Stats,
        [typeof(JoinJob)] = (shard, coordinator) => new JoinJob(
            "job-1", 4, "model.json", """{"nodes": []}""", 64, 2, 3, [new ShardRoute(2, shard, Chunks, "10.0.0.2:4060", "ps-0", 0x5eed_0001)], coordinator, Data: """{"seed": 7}"""),
        [typeof(AssignPartition)] = (_, _) => new AssignPartition(2, 5, [9, 3, 7]),
        [typeof(RequestWork)] = (_, _) => new RequestWork(4),
        [typeof(PartitionDone)] = (_, _) => new PartitionDone(4, 2, 5, 3200, 25, 57.5, 3.25),
        [typeof(WorkerFailed)] = (_, _) => new WorkerFailed(4, "push rejected"),
        [typeof(TrainingProgress)] = (_, _) => new TrainingProgress(2, 3, 19, 500, 0.2, 40000.5, 1.25, 4, 0.3, 21000.5, 25),
        [typeof(EpochCompleted)] = (_, _) => Epoch,
        [typeof(JobCompleted)] = (_, _) => new JobCompleted(0.97, 0.98, 3, 1500.5, 42.5, 2, 3, [Epoch, Epoch with { Epoch = 4 }], [Stats], Models.Graph.TrainingMode.Sync, 4, 2, 7, 3, 25, true, "regression", 2, "val_rmse", 6, true, [new PhaseSummary("pretrain", 2, 950.5, 0.125), new PhaseSummary("adversarial", 1, 700.25, 0.5)]),
        [typeof(JobFailed)] = (_, _) => new JobFailed("a parameter shard could not start"),
        [typeof(ClusterProtocol.RegisterShard)] = (shard, _) => new ClusterProtocol.RegisterShard(shard, "akka.tcp://dtrain@10.0.0.2:4053", "10.0.0.2:4060", "ps-0"),
        [typeof(ClusterProtocol.RegisterWorker)] = (worker, _) => new ClusterProtocol.RegisterWorker(worker, "akka.tcp://dtrain@10.0.0.3:4053", "ilgpu cuda NVIDIA H100"),
        [typeof(ClusterProtocol.Registered)] = (actor, coordinator) => new ClusterProtocol.Registered(actor, coordinator),
        [typeof(ClusterProtocol.SubmitJob)] = (_, listener) => new ClusterProtocol.SubmitJob("mnist-mlp.json", """{"nodes": []}""", ["--epochs", "2"], listener, "5f2c"),
        [typeof(ClusterProtocol.JobAccepted)] = (_, coordinator) => new ClusterProtocol.JobAccepted("mnist-mlp-1", coordinator, "waiting for 2 shard(s)"),
        [typeof(ClusterProtocol.GetClusterStatus)] = (_, _) => new ClusterProtocol.GetClusterStatus(7),
        [typeof(ClusterProtocol.ClusterStatus)] = (_, _) => new ClusterProtocol.ClusterStatus(
            7,
            [new ClusterProtocol.MemberStatus("akka.tcp://dtrain@10.0.0.2:4053", ["ps", "worker"], "Up")],
            [new ClusterProtocol.ShardStatus(1, "akka.tcp://dtrain@10.0.0.2:4053", 267909, 40, 39, 0.75, 3)],
            [new ClusterProtocol.WorkerStatus(0, "akka.tcp://dtrain@10.0.0.3:4053", 5, 125, 20000.5, "cpu avx512 x2")],
            new ClusterProtocol.JobStatus("mnist-mlp-1", "training", 2, 3, 4, 19)),
        [typeof(Transport.BulkDeliveryFailed)] = (_, _) => new Transport.BulkDeliveryFailed("127.0.0.1:5000", "ps-9", "Push", "no target 'ps-9'"),
        [typeof(TakeCheckpoint)] = (_, _) => new TakeCheckpoint(7, "dtrain/mnist-mlp-1/shard-2"),
        [typeof(ShardCheckpointed)] = (_, _) => new ShardCheckpointed(2, 7, 1234, 6_429_872, 0.0031, 0.25),
        [typeof(ShardCheckpointFailed)] = (_, _) => new ShardCheckpointFailed(2, 7, "Failed to connect to 127.0.0.1:5432"),
        [typeof(RestoreShard)] = (_, _) => new RestoreShard(2, Chunks, Adam, 3, 7, "dtrain/mnist-mlp-1/shard-2", 0x5eed_0001, [Adam with { Frozen = true }, Adam]),
        [typeof(JobNotice)] = (_, _) => new JobNotice("checkpoint 7 cannot be used", true),
        [typeof(Persistence.JobEvents.JobSubmitted)] = (_, _) => new Persistence.JobEvents.JobSubmitted("mnist-mlp-1", "mnist-mlp.json", """{"nodes": []}""", ["--epochs", "2"], """{"format": "csv"}"""),
        [typeof(Persistence.JobEvents.PartitionTrained)] = (_, _) => new Persistence.JobEvents.PartitionTrained(2, 5, 1, 25),
        [typeof(Persistence.JobEvents.MemberSeen)] = (_, _) => new Persistence.JobEvents.MemberSeen("worker", 1, "akka.tcp://dtrain@10.0.0.3:4053"),
        [typeof(Persistence.JobEvents.CheckpointCompleted)] = (_, _) => new Persistence.JobEvents.CheckpointCompleted(
            new Persistence.JobEvents.CheckpointRecord(7, 2, [0, 3, 4], 1234, 12.5, 96000, 42.25, 75, [Epoch], 2, 6_429_872, new DateTime(2026, 11, 24, 3, 0, 0, DateTimeKind.Utc))),
        [typeof(Persistence.JobEvents.CheckpointsDropped)] = (_, _) => new Persistence.JobEvents.CheckpointsDropped([3, 4]),
        [typeof(Persistence.JobEvents.JobResumed)] = (_, _) => new Persistence.JobEvents.JobResumed(7, 25, "dtrain resume"),
        [typeof(Persistence.JobEvents.JobEnded)] = (_, _) => new Persistence.JobEvents.JobEnded("completed", "test accuracy 97.79 %"),
        [typeof(Persistence.JobEvents.ClusterJobStarted)] = (_, listener) => new Persistence.JobEvents.ClusterJobStarted("mnist-mlp-20261124-030705-1", 1, "mnist-mlp.json", """{"nodes": []}""", ["--workers", "2"], listener, "5f2c", """{"format": "csv"}"""),
        [typeof(Persistence.JobEvents.ClusterJobEnded)] = (_, _) => new Persistence.JobEvents.ClusterJobEnded("mnist-mlp-20261124-030705-1", "completed"),
    };

    public static TheoryData<Type> WireTypes => new(WireMessageTypes());

    [Fact]
    public void Protocol_assembly_has_wire_messages()
    {
        // Guards the reflection below: an empty list would make every other test here pass vacuously.
        Assert.Contains(typeof(Push), WireMessageTypes());
        Assert.Contains(typeof(JobCompleted), WireMessageTypes());
    }

    [Theory]
    [MemberData(nameof(WireTypes))]
    public void Wire_message_is_bound_to_the_MessagePack_serializer(Type type)
    {
        // Act
        var serializer = Sys.Serialization.FindSerializerForType(type);

        // Assert
        Assert.IsType<MessagePackAkkaSerializer>(serializer);
        Assert.Equal(MessagePackAkkaSerializer.Id, serializer.Identifier);
    }

    [Theory]
    [MemberData(nameof(WireTypes))]
    public void Wire_message_has_stable_integer_keys(Type type) => AssertStableKeys(type);

    [Fact]
    public void Nested_wire_records_have_stable_integer_keys()
    {
        // ChunkInfo, OptimizerSpec, ShardRoute travel inside messages and need the same discipline.
        var nested = typeof(IWireMessage).Assembly.GetTypes()
            .Where(t => t.GetCustomAttribute<MessagePackObjectAttribute>() is not null && !typeof(IWireMessage).IsAssignableFrom(t))
            .ToList();

        Assert.Contains(typeof(ChunkInfo), nested);
        Assert.Contains(typeof(ShardRoute), nested);
        foreach (var type in nested)
        {
            AssertStableKeys(type);
        }
    }

    [Theory]
    [MemberData(nameof(WireTypes))]
    public void Wire_message_survives_a_round_trip_field_by_field(Type type)
    {
        // Arrange
        Assert.True(Factories.TryGetValue(type, out var factory), $"{type.FullName} has no factory in SerializerTests.Factories; add one");
        var shard = CreateTestProbe("shard").Ref;
        var message = factory(shard, TestActor);
        Assert.IsType(type, message);

        // Act
        var copy = RoundTrip(message);

        // Assert
        AssertSameFields(message, copy, type.Name);
    }

    [Fact]
    public void Missing_payload_and_actor_survive_a_round_trip()
    {
        // Arrange: Params.Values is null when the puller's copy is current; a route may name no actor yet.
        var unchanged = new Params(1, 2, 3, null);
        var join = new JoinJob("j", 0, "m", "{}", 1, 1, 1, [], ActorRefs.Nobody);

        // Act
        var unchangedCopy = (Params)RoundTrip(unchanged);
        var joinCopy = (JoinJob)RoundTrip(join);

        // Assert
        Assert.Equal(unchanged, unchangedCopy);
        Assert.True(joinCopy.Coordinator.IsNobody());
        Assert.Empty(joinCopy.Shards);
    }

    [Fact]
    public void Serializer_refuses_an_object_that_is_not_a_wire_message()
    {
        // Arrange
        var serializer = new MessagePackAkkaSerializer((ExtendedActorSystem)Sys);

        // Act
        var error = Assert.Throws<ArgumentException>(() => serializer.ToBinary(new ChunkInfo(0, 0, 0, 1)));

        // Assert
        Assert.Contains("IWireMessage", error.Message);
    }

    [Theory]
    [InlineData("System.IO.FileInfo")]
    [InlineData("Dtrain.Protocol.ChunkInfo")]
    [InlineData("Dtrain.Protocol.ParameterShardProtocol+NoSuchMessage")]
    public void Serializer_refuses_a_manifest_that_is_not_a_wire_message(string manifest)
    {
        // Arrange: the manifest comes off the network, so it must never instantiate an arbitrary type.
        var serializer = new MessagePackAkkaSerializer((ExtendedActorSystem)Sys);

        // Act
        var error = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary([0x90], manifest));

        // Assert
        Assert.Contains(manifest, error.Message);
    }

    private static List<Type> WireMessageTypes() =>
        typeof(IWireMessage).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IWireMessage).IsAssignableFrom(t))
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .ToList();

    private object RoundTrip(object message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        var manifest = Assert.IsAssignableFrom<SerializerWithStringManifest>(serializer).Manifest(message);
        var bytes = serializer.ToBinary(message);
        return Sys.Serialization.Deserialize(bytes, serializer.Identifier, manifest);
    }

    private static void AssertStableKeys(Type type)
    {
        var contract = type.GetCustomAttribute<MessagePackObjectAttribute>();
        Assert.True(contract is not null, $"{type.FullName} lacks [MessagePackObject]");
        Assert.False(contract.KeyAsPropertyName, $"{type.FullName} must use integer keys, not property names");

        var keys = new Dictionary<int, string>();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var key = property.GetCustomAttribute<KeyAttribute>()?.IntKey;
            Assert.True(key is not null, $"{type.FullName}.{property.Name} lacks an integer [Key]");
            Assert.True(keys.TryAdd(key.Value, property.Name), $"{type.FullName}.{property.Name} reuses key {key} of {keys.GetValueOrDefault(key.Value)}");
        }

        Assert.NotEmpty(keys);
    }

    /// <summary>Compares two object graphs: payloads by their floats, actors by path, records property by property.</summary>
    private static void AssertSameFields(object? expected, object? actual, string path)
    {
        switch (expected)
        {
            case null:
                Assert.True(actual is null, $"{path}: expected null, got {actual}");
                return;
            case FloatBuffer buffer:
                Assert.Equal(buffer.Span.ToArray(), Assert.IsType<FloatBuffer>(actual).Span.ToArray());
                return;
            case IActorRef actor:
                Assert.Equal(actor.Path, Assert.IsAssignableFrom<IActorRef>(actual).Path);
                return;
            case string or ValueType:
                Assert.True(Equals(expected, actual), $"{path}: expected {expected}, got {actual}");
                return;
            case Array array:
                var actualArray = Assert.IsAssignableFrom<Array>(actual);
                Assert.True(array.Length == actualArray.Length, $"{path}: expected {array.Length} elements, got {actualArray.Length}");
                for (var i = 0; i < array.Length; i++)
                {
                    AssertSameFields(array.GetValue(i), actualArray.GetValue(i), $"{path}[{i}]");
                }

                return;
        }

        Assert.IsType(expected.GetType(), actual);
        foreach (var property in expected.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            AssertSameFields(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}");
        }
    }
}
