// Every wire message goes through the MessagePack serializer, has stable keys, and survives a round trip.
using System.Reflection;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Dtrain.Protocol.Serialization;
using MessagePack;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.Protocol.Tests;

public sealed class SerializerTests : TestKit
{
    public SerializerTests()
        : base(WireConfig.SingleProcess(serializeMessages: true))
    {
    }

    public static TheoryData<string> MessageTypes => new(WireMessages.Types.Select(t => t.FullName!));

    [Fact]
    public void Every_wire_message_type_has_a_sample_so_none_goes_untested()
    {
        var samples = WireMessages.Samples(TestActor);

        var missing = WireMessages.Types.Where(t => !samples.ContainsKey(t)).Select(t => t.FullName).ToList();

        Assert.True(missing.Count == 0, $"add samples for: {string.Join(", ", missing)}");
        Assert.True(WireMessages.Types.Count >= 18);
    }

    [Theory]
    [MemberData(nameof(MessageTypes))]
    public void Akka_chooses_the_MessagePack_serializer_for_every_wire_message(string typeName)
    {
        var type = WireMessages.Types.Single(t => t.FullName == typeName);

        var serializer = Sys.Serialization.FindSerializerForType(type);

        Assert.IsType<MessagePackAkkaSerializer>(serializer);
        Assert.Equal(MessagePackAkkaSerializer.Id, serializer.Identifier);
    }

    [Theory]
    [MemberData(nameof(MessageTypes))]
    public void Every_wire_message_has_stable_integer_keys(string typeName)
    {
        var type = WireMessages.Types.Single(t => t.FullName == typeName);

        Assert.NotNull(type.GetCustomAttribute<MessagePackObjectAttribute>());
        var keys = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.Name != "EqualityContract")
            .Select(p => (p.Name, Key: p.GetCustomAttribute<KeyAttribute>()?.IntKey))
            .ToList();
        Assert.All(keys, k => Assert.True(k.Key is not null, $"{type.Name}.{k.Name} has no [Key(n)]"));
        Assert.Equal(Enumerable.Range(0, keys.Count), keys.Select(k => k.Key!.Value).Order());
    }

    [Theory]
    [MemberData(nameof(MessageTypes))]
    public void Every_wire_message_survives_a_round_trip_through_the_serializer(string typeName)
    {
        var type = WireMessages.Types.Single(t => t.FullName == typeName);
        var sample = WireMessages.Samples(TestActor)[type];
        var serializer = (MessagePackAkkaSerializer)Sys.Serialization.FindSerializerFor(sample);

        var bytes = serializer.ToBinary(sample);
        var back = serializer.FromBinary(bytes, serializer.Manifest(sample));

        Assert.IsType(type, back);
        Assert.Equal(Describe(sample), Describe(back));
    }

    [Fact]
    public void A_float_payload_travels_as_raw_bytes_not_one_element_at_a_time()
    {
        var values = Enumerable.Range(0, 1000).Select(i => i * 0.001f).ToArray();
        var push = new Push(1, 1, 0, FloatBuffer.CopyOf(values));
        var serializer = (MessagePackAkkaSerializer)Sys.Serialization.FindSerializerFor(push);

        var bytes = serializer.ToBinary(push);

        // 4000 payload bytes behind a 3-byte bin16 header, plus a few bytes for the other fields.
        Assert.InRange(bytes.Length, 4000, 4020);
        var raw = System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        Assert.True(bytes.AsSpan().IndexOf(raw) >= 0, "the floats must appear verbatim, little-endian, in the message");
    }

    [Fact]
    public void An_unknown_manifest_is_refused_with_its_name()
    {
        var serializer = (MessagePackAkkaSerializer)Sys.Serialization.FindSerializerForType(typeof(Pull));

        var error = Assert.ThrowsAny<Exception>(() => serializer.FromBinary([0x90], "System.IO.FileInfo"));

        Assert.Contains("System.IO.FileInfo", error.Message);
    }

    [Fact]
    public void Releasing_a_float_buffer_twice_is_harmless()
    {
        var buffer = FloatBuffer.CopyOf([1f, 2f]);

        buffer.Release();
        buffer.Release();

        Assert.Throws<ObjectDisposedException>(() => buffer.Span.ToArray());
    }

    /// <summary>A structural description: floats by value, actor refs by path, arrays element by element.</summary>
    private static string Describe(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        FloatBuffer f => "[" + string.Join(",", f.Span.ToArray().Select(x => BitConverter.SingleToInt32Bits(x))) + "]",
        IActorRef a => a.Path.ToString(),
        System.Collections.IEnumerable e => "[" + string.Join(",", e.Cast<object?>().Select(Describe)) + "]",
        _ when value.GetType().Namespace?.StartsWith("Dtrain", StringComparison.Ordinal) == true =>
            value.GetType().Name + "{" + string.Join(",", value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.Name != "EqualityContract" && p.GetIndexParameters().Length == 0 && p.Name != "Span")
                .Select(p => $"{p.Name}={Describe(p.GetValue(value))}")) + "}",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
