// In a cluster node's actor system (remote transport, cluster provider) every wire message still goes
// through MessagePack, and actor refs inside messages come back as remote-addressable refs.
using Akka.Actor;
using Akka.Serialization;
using Dtrain.Cli;
using Dtrain.Cli.Cluster;
using Dtrain.Protocol;
using Dtrain.Protocol.Serialization;
using static Dtrain.Protocol.ClusterProtocol;

namespace Dtrain.Cluster.Tests;

public sealed class ClusterSerializationTests : IAsyncLifetime
{
    private ActorSystem _system = null!;

    public static TheoryData<Type> WireTypes => new(typeof(IWireMessage).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IWireMessage).IsAssignableFrom(t)));

    public Task InitializeAsync()
    {
        var options = NodeOptions.Read(CommandLine.Parse(["--port", "0", "--roles", "ps"]));
        _system = ActorSystem.Create("dtrain", options.NodeConfig("WARNING"));
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _system.Terminate();

    [Theory]
    [MemberData(nameof(WireTypes))]
    public void Cluster_node_binds_every_wire_message_to_MessagePack(Type type)
    {
        // Act
        var serializer = _system.Serialization.FindSerializerForType(type);

        // Assert
        Assert.IsType<MessagePackAkkaSerializer>(serializer);
    }

    [Fact]
    public void Registration_round_trips_with_a_remote_actor_path()
    {
        // Arrange
        var shard = _system.ActorOf(Props.Empty, "ps-0");
        var message = new RegisterShard(shard, "akka.tcp://dtrain@127.0.0.1:1", "127.0.0.1:2", "ps-0");
        var serializer = (SerializerWithStringManifest)_system.Serialization.FindSerializerFor(message);

        // Act
        var bytes = serializer.ToBinary(message);
        var copy = (RegisterShard)_system.Serialization.Deserialize(bytes, serializer.Identifier, serializer.Manifest(message));

        // Assert
        Assert.Equal(shard.Path, copy.Shard.Path);
        Assert.Equal(message with { Shard = copy.Shard }, copy);
    }
}
