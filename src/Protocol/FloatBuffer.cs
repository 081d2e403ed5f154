// A pooled float payload that travels as one raw little-endian MessagePack bin field.
using System.Buffers;
using System.Runtime.InteropServices;
using MessagePack;
using MessagePack.Formatters;

namespace Dtrain.Protocol;

/// <summary>
/// Parameter or gradient floats in a message. The array comes from <see cref="ArrayPool{T}.Shared"/>;
/// the final consumer calls <see cref="Release"/> so the hot path recycles its megabytes instead of
/// allocating them every step. On the wire it is a single <c>bin</c> of raw little-endian floats.
/// </summary>
[MessagePackFormatter(typeof(FloatBufferFormatter))]
public sealed class FloatBuffer
{
    private readonly Action<float[]>? _giveBack;
    private float[]? _array;

    private FloatBuffer(float[] array, int length, Action<float[]>? giveBack = null)
    {
        _array = array;
        _giveBack = giveBack;
        Length = length;
    }

    /// <summary>Number of floats.</summary>
    public int Length { get; }

    /// <summary>The floats (invalid after <see cref="Release"/>).</summary>
    public Span<float> Span => (_array ?? throw new ObjectDisposedException(nameof(FloatBuffer))).AsSpan(0, Length);

    /// <summary>Takes a pooled buffer of <paramref name="length"/> floats (contents undefined).</summary>
    public static FloatBuffer Rent(int length) => new(ArrayPool<float>.Shared.Rent(Math.Max(length, 1)), length);

    /// <summary>
    /// Wraps an array its owner keeps, such as a page-locked buffer a GPU copies gradients into: the final
    /// consumer's <see cref="Release"/> hands it back through <paramref name="giveBack"/> instead of the pool.
    /// </summary>
    public static FloatBuffer Lend(float[] array, int length, Action<float[]> giveBack)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, array.Length);
        return new(array, length, giveBack);
    }

    /// <summary>A pooled copy of <paramref name="values"/>.</summary>
    public static FloatBuffer CopyOf(ReadOnlySpan<float> values)
    {
        var buffer = Rent(values.Length);
        values.CopyTo(buffer.Span);
        return buffer;
    }

    /// <summary>Returns the array to the pool (or its lender); the buffer must not be used afterwards. Safe to call twice.</summary>
    public void Release()
    {
        var array = Interlocked.Exchange(ref _array, null);
        if (array is null)
        {
            return;
        }

        if (_giveBack is { } giveBack)
        {
            giveBack(array);
        }
        else
        {
            ArrayPool<float>.Shared.Return(array);
        }
    }
}

/// <summary>Writes a <see cref="FloatBuffer"/> as one bin field of raw little-endian floats.</summary>
public sealed class FloatBufferFormatter : IMessagePackFormatter<FloatBuffer?>
{
    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, FloatBuffer? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        EnsureLittleEndian();
        writer.Write(MemoryMarshal.AsBytes(value.Span));
    }

    /// <inheritdoc/>
    public FloatBuffer? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        EnsureLittleEndian();
        var bytes = reader.ReadBytes() ?? throw new MessagePackSerializationException("float payload is not a bin field");
        if (bytes.Length % sizeof(float) != 0)
        {
            throw new MessagePackSerializationException($"float payload of {bytes.Length} bytes is not a whole number of floats");
        }

        var buffer = FloatBuffer.Rent((int)(bytes.Length / sizeof(float)));
        bytes.CopyTo(MemoryMarshal.AsBytes(buffer.Span));
        return buffer;
    }

    private static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("tensor payloads are raw little-endian floats; this host is big-endian");
        }
    }
}
