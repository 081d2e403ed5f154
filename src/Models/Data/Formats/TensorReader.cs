// Reads a dense array (NPY, NPZ member, IDX) one example at a time from a stream: the first axis is the example
// axis, the rest is one example. Only one example's bytes are held, so memory does not grow with the file.
using System.Buffers.Binary;
using System.IO.Compression;

namespace Dtrain.Models.Data.Formats;

/// <summary>The element types dense array files hold.</summary>
public enum TensorElement
{
    /// <summary>Unsigned byte.</summary>
    UInt8,

    /// <summary>Signed byte.</summary>
    Int8,

    /// <summary>16-bit integer.</summary>
    Int16,

    /// <summary>32-bit integer.</summary>
    Int32,

    /// <summary>64-bit integer.</summary>
    Int64,

    /// <summary>32-bit float.</summary>
    Float32,

    /// <summary>64-bit float.</summary>
    Float64,
}

/// <summary>
/// Streams the examples of one array. Features read as floats (unsigned bytes divided by 255, as MNIST and
/// PyTorch's ToTensor scale them, when asked); labels read as doubles so integer class ids are checked exactly.
/// </summary>
public sealed class TensorReader : IDisposable
{
    /// <summary>Opens an array file for reading, decompressing it on the fly when its name ends in <c>.gz</c>.</summary>
    public static Stream OpenFile(string path)
    {
        Stream stream;
        try
        {
            stream = File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DtrainException($"{path}: cannot be read: {e.Message}", e);
        }

        return path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
            ? new BufferedStream(new GZipStream(stream, CompressionMode.Decompress), 1 << 16)
            : stream;
    }

    private readonly Stream _stream;
    private readonly bool _bigEndian;
    private readonly byte[] _buffer;
    private long _next;

    /// <summary>The most values one example may have (16M: 64 MB of floats, far past any model input), so a lying header cannot ask for gigabytes.</summary>
    public const int MaxExampleSize = 1 << 24;

    /// <summary>Wraps <paramref name="stream"/>, positioned at the first data byte.</summary>
    /// <param name="stream">The data; disposed with the reader.</param>
    /// <param name="path">The file (and member) named in errors.</param>
    /// <param name="element">The element type.</param>
    /// <param name="bigEndian">Whether multi-byte elements are big-endian (IDX) rather than little-endian (NPY).</param>
    /// <param name="shape">The whole array's shape; the first axis counts examples.</param>
    public TensorReader(Stream stream, string path, TensorElement element, bool bigEndian, long[] shape)
    {
        _stream = stream;
        Path = path;
        Element = element;
        _bigEndian = bigEndian;
        if (shape.Length == 0)
        {
            throw new DtrainException($"{path}: the array is a scalar; it needs a first axis that counts examples");
        }

        Count = shape[0];
        long exampleSize = 1;
        foreach (var d in shape[1..])
        {
            exampleSize *= d;
            if (d <= 0 || d > MaxExampleSize || exampleSize > MaxExampleSize)
            {
                throw new DtrainException($"{path}: an example of shape [{string.Join(", ", shape[1..])}] is empty or has more than {MaxExampleSize} values");
            }
        }

        ExampleShape = shape[1..].Select(d => (int)d).ToArray();
        ExampleSize = (int)exampleSize;
        int exampleBytes = ExampleSize * ElementSize(element);
        if (Count < 0 || Count > long.MaxValue / exampleBytes)
        {
            throw new DtrainException($"{path}: the array's shape ({string.Join(", ", shape)}) is too large");
        }

        DataBytes = Count * exampleBytes;

        // A plain file's length is known, so a header that does not describe the body is refused before reading it.
        if (stream.CanSeek)
        {
            long follow = stream.Length - stream.Position;
            if (follow < DataBytes)
            {
                throw new DtrainException($"{path}: the body is truncated: shape ({string.Join(", ", shape)}) of {Name(element)} needs {DataBytes} bytes but only {follow} follow the header");
            }

            if (follow > DataBytes)
            {
                throw new DtrainException($"{path}: {follow - DataBytes} bytes follow the {DataBytes} that shape ({string.Join(", ", shape)}) of {Name(element)} declares");
            }
        }

        // Allocated only once the header has been checked against the file, so a lying header costs nothing.
        _buffer = new byte[exampleBytes];
    }

    /// <summary>The file (and member) named in errors.</summary>
    public string Path { get; }

    /// <summary>The element type.</summary>
    public TensorElement Element { get; }

    /// <summary>The number of examples (the first axis).</summary>
    public long Count { get; }

    /// <summary>One example's shape (the array's shape less the first axis); empty for a one-axis array.</summary>
    public int[] ExampleShape { get; }

    /// <summary>Values per example.</summary>
    public int ExampleSize { get; }

    /// <summary>Bytes of data the shape declares.</summary>
    public long DataBytes { get; }

    /// <summary>Whether the elements are integers (labels of integers mean classification).</summary>
    public bool IsInteger => Element is not (TensorElement.Float32 or TensorElement.Float64);

    /// <summary>How the type is shown to users, as NumPy names it: <c>uint8[28,28]</c>.</summary>
    public string Describe() => $"{Name(Element)}[{string.Join(",", ExampleShape)}]";

    /// <summary>NumPy's name for an element type.</summary>
    public static string Name(TensorElement element) => element.ToString().ToLowerInvariant();

    /// <summary>Bytes per element.</summary>
    public static int ElementSize(TensorElement element) => element switch
    {
        TensorElement.UInt8 or TensorElement.Int8 => 1,
        TensorElement.Int16 => 2,
        TensorElement.Int32 or TensorElement.Float32 => 4,
        _ => 8,
    };

    /// <summary>Reads the next example as floats; unsigned bytes become <c>b / 255f</c> when <paramref name="scaleBytes"/> is set.</summary>
    public void ReadFloats(Span<float> values, bool scaleBytes)
    {
        var bytes = Fill();
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = Element switch
            {
                // Dividing (not multiplying by 1/255) gives the bit-identical values MNIST's loader and ToTensor give.
                TensorElement.UInt8 => scaleBytes ? bytes[i] / 255f : bytes[i],
                TensorElement.Float32 => _bigEndian ? BinaryPrimitives.ReadSingleBigEndian(bytes[(4 * i)..]) : BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]),
                _ => (float)Value(bytes, i),
            };
        }
    }

    /// <summary>Reads the next example as doubles (labels and targets).</summary>
    public void ReadDoubles(Span<double> values)
    {
        var bytes = Fill();
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = Value(bytes, i);
        }
    }

    /// <summary>After the last example: refuses data past what the header declares (a compressed stream's length is unknown up front).</summary>
    public void CheckEnd()
    {
        if (!_stream.CanSeek && _stream.ReadByte() >= 0)
        {
            throw new DtrainException($"{Path}: data follows the {DataBytes} bytes its header declares");
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _stream.Dispose();

    private ReadOnlySpan<byte> Fill()
    {
        int read;
        try
        {
            read = _stream.ReadAtLeast(_buffer, _buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw new DtrainException($"{Path}: example {_next}: the compressed data is corrupt: {e.Message}", e);
        }

        if (read < _buffer.Length)
        {
            throw new DtrainException($"{Path}: the body is truncated: it ends inside example {_next} of {Count}");
        }

        _next++;
        return _buffer;
    }

    private double Value(ReadOnlySpan<byte> bytes, int i) => (Element, _bigEndian) switch
    {
        (TensorElement.UInt8, _) => bytes[i],
        (TensorElement.Int8, _) => (sbyte)bytes[i],
        (TensorElement.Int16, false) => BinaryPrimitives.ReadInt16LittleEndian(bytes[(2 * i)..]),
        (TensorElement.Int16, true) => BinaryPrimitives.ReadInt16BigEndian(bytes[(2 * i)..]),
        (TensorElement.Int32, false) => BinaryPrimitives.ReadInt32LittleEndian(bytes[(4 * i)..]),
        (TensorElement.Int32, true) => BinaryPrimitives.ReadInt32BigEndian(bytes[(4 * i)..]),
        (TensorElement.Int64, false) => BinaryPrimitives.ReadInt64LittleEndian(bytes[(8 * i)..]),
        (TensorElement.Int64, true) => BinaryPrimitives.ReadInt64BigEndian(bytes[(8 * i)..]),
        (TensorElement.Float32, false) => BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]),
        (TensorElement.Float32, true) => BinaryPrimitives.ReadSingleBigEndian(bytes[(4 * i)..]),
        (TensorElement.Float64, false) => BinaryPrimitives.ReadDoubleLittleEndian(bytes[(8 * i)..]),
        _ => BinaryPrimitives.ReadDoubleBigEndian(bytes[(8 * i)..]),
    };
}
