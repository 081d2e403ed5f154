// FloatBuffer travels as one raw little-endian bin field (4 bytes a float, not one MessagePack value each)
// and returns its pooled array exactly once however often it is released.
using System.Buffers.Binary;
using Akka.TestKit.Xunit2;
using Dtrain.Protocol.Serialization;
using MessagePack;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.Protocol.Tests;

public sealed class FloatBufferTests() : TestKit(WireConfig.SingleProcess(serializeMessages: false))
{
    [Fact]
    public void FloatBuffer_is_written_as_one_raw_little_endian_bin()
    {
        // Arrange
        var values = Enumerable.Range(0, 1000).Select(i => (i * 0.37f) - 100.125f).ToArray();
        var buffer = FloatBuffer.CopyOf(values);

        // Act
        var bytes = MessagePackSerializer.Serialize(buffer, MessagePackSerializerOptions.Standard);

        // Assert: bin 16 header (0xc5, big-endian length 4000), then the floats themselves.
        Assert.Equal(3 + 4000, bytes.Length);
        Assert.Equal(0xc5, bytes[0]);
        Assert.Equal(4000, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(1)));
        for (var i = 0; i < values.Length; i++)
        {
            Assert.Equal(values[i], BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(3 + (4 * i))));
        }
    }

    [Fact]
    public void Push_of_a_thousand_floats_costs_four_thousand_bytes_and_a_small_header()
    {
        // Arrange
        var push = new Push(1, 2, 3, FloatBuffer.CopyOf(new float[1000].AsSpan()));
        var serializer = Sys.Serialization.FindSerializerFor(push);

        // Act
        var bytes = serializer.ToBinary(push);

        // Assert: per-element encoding would cost 5 bytes a float (0xca + 4), 5000 in all.
        Assert.InRange(bytes.Length, 4000, 4000 + 16);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(70_000)]
    public void FloatBuffer_round_trips_every_length(int length)
    {
        // Arrange: 70,000 floats need a bin 32 header.
        var values = Enumerable.Range(0, length).Select(i => MathF.Sin(i) * 1e3f).ToArray();
        var push = new Push(1, 2, 3, FloatBuffer.CopyOf(values));
        var serializer = Sys.Serialization.FindSerializerFor(push);

        // Act
        var copy = (Push)Sys.Serialization.Deserialize(serializer.ToBinary(push), serializer.Identifier, typeof(Push).FullName!);

        // Assert
        Assert.Equal(length, copy.Gradient.Length);
        Assert.Equal(values, copy.Gradient.Span.ToArray());
    }

    [Fact]
    public void FloatBuffer_rejects_a_bin_that_is_not_whole_floats()
    {
        // Arrange: a bin 8 of 6 bytes.
        byte[] bytes = [0xc4, 6, 1, 2, 3, 4, 5, 6];

        // Act
        var error = Assert.Throws<MessagePackSerializationException>(
            () => MessagePackSerializer.Deserialize<FloatBuffer>(bytes, MessagePackSerializerOptions.Standard));

        // Assert
        Assert.Contains("6 bytes", error.ToString());
    }

    [Fact]
    public void Release_is_idempotent_and_ends_access()
    {
        // Arrange
        var buffer = FloatBuffer.CopyOf([1f, 2f, 3f]);

        // Act
        buffer.Release();
        buffer.Release();

        // Assert
        Assert.Equal(3, buffer.Length);
        Assert.Throws<ObjectDisposedException>(() => buffer.Span.Length);
    }

    [Fact]
    public void Release_returns_the_array_to_the_pool_once()
    {
        // Arrange: ArrayPool hands out the most recently returned array of a size class first, so a double
        // return would give the same array to the next two renters.
        var buffer = FloatBuffer.Rent(4096);
        buffer.Release();
        buffer.Release();

        // Act
        var first = FloatBuffer.Rent(4096);
        var second = FloatBuffer.Rent(4096);
        first.Span.Fill(1f);
        second.Span.Fill(2f);

        // Assert
        Assert.All(first.Span.ToArray(), v => Assert.Equal(1f, v));
        first.Release();
        second.Release();
    }
}
