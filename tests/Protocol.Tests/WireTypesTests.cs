// WireTypes maps manifests to wire message types and back for both serializers: every wire message round-trips, and
// anything else (an unknown name, a type of another assembly, a Protocol type that is not a message) is refused in
// one line that names it.
using System.Text;
using Dtrain.Protocol.Persistence;
using Dtrain.Protocol.Serialization;
using Dtrain.Protocol.Transport;

namespace Dtrain.Protocol.Tests;

public sealed class WireTypesTests
{
    public static TheoryData<Type> Messages => new(typeof(IWireMessage).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IWireMessage).IsAssignableFrom(t)));

    [Theory]
    [MemberData(nameof(Messages))]
    public void WireTypes_resolves_the_manifest_of_every_wire_message_back_to_its_type(Type type)
    {
        // Act
        var manifest = WireTypes.ManifestOf(type);
        var resolved = WireTypes.Resolve(manifest);

        // Assert
        Assert.Equal(type.FullName, manifest);
        Assert.Same(type, resolved);
        Assert.Equal(Encoding.UTF8.GetBytes(manifest), WireTypes.Utf8ManifestOf(type));
    }

    [Fact]
    public void WireTypes_keeps_the_manifests_journals_and_peers_already_use()
    {
        // Assert: these names are stored in journals and sent by other nodes; a rename or a namespace move breaks them.
        Assert.Equal("Dtrain.Protocol.ParameterShardProtocol+Push", WireTypes.ManifestOf(typeof(ParameterShardProtocol.Push)));
        Assert.Equal("Dtrain.Protocol.Persistence.JobEvents+JobSubmitted", WireTypes.ManifestOf(typeof(JobEvents.JobSubmitted)));
        Assert.Equal("Dtrain.Protocol.Transport.BulkDeliveryFailed", WireTypes.ManifestOf(typeof(BulkDeliveryFailed)));
    }

    [Theory]
    [InlineData("Dtrain.Protocol.ParameterShardProtocol+NoSuchMessage")]
    [InlineData("System.IO.FileInfo")]
    [InlineData("Dtrain.Protocol.ChunkInfo")]
    [InlineData("Dtrain.Protocol.IWireMessage")]
    [InlineData("")]
    [InlineData("Dtrain.Protocol.ParameterShardProtocol+Push[]")]
    [InlineData("System.Collections.Generic.List`1[[System.IO.FileInfo, System.IO.FileSystem]]")]
    public void WireTypes_refuses_a_manifest_that_is_not_a_wire_message_in_one_line_naming_it(string manifest)
    {
        // Act
        var found = WireTypes.TryResolve(manifest, out var type);
        var error = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => WireTypes.Resolve(manifest));

        // Assert
        Assert.False(found);
        Assert.Null(type);
        Assert.Equal(WireTypes.Refusal(manifest), error.Message);
        Assert.Contains($"'{manifest}' is not a wire message", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData(typeof(ChunkInfo))]
    [InlineData(typeof(string))]
    [InlineData(typeof(JobEvents.IJobEvent))]
    public void WireTypes_refuses_the_manifest_of_a_type_that_is_not_a_wire_message(Type type)
    {
        // Act
        var error = Assert.Throws<ArgumentException>(() => WireTypes.ManifestOf(type));

        // Assert
        Assert.StartsWith(WireTypes.Refusal(type.FullName), error.Message);
        Assert.Throws<ArgumentException>(() => WireTypes.Utf8ManifestOf(type));
    }
}
