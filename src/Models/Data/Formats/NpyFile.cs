// Opens NumPy .npy arrays: the magic "\x93NUMPY", a version, a header length and a tiny Python-literal dict
// ({'descr': '<f4', 'fortran_order': False, 'shape': (60000, 28, 28), }), then the raw C-order data.
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Dtrain.Models.Data.Formats;

/// <summary>Parses NPY headers by hand (they are a fixed, small literal) and opens the data as a <see cref="TensorReader"/>.</summary>
public static partial class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Opens a <c>.npy</c> file (gzip-compressed when it ends in <c>.gz</c>).</summary>
    public static TensorReader Open(string path)
    {
        var stream = TensorReader.OpenFile(path);

        return Open(stream, path);
    }

    /// <summary>Reads the header from <paramref name="stream"/> (disposed on error) and returns a reader at the first data byte.</summary>
    public static TensorReader Open(Stream stream, string path)
    {
        try
        {
            var (element, shape) = ReadHeader(stream, path);
            return new TensorReader(stream, path, element, bigEndian: false, shape);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static (TensorElement Element, long[] Shape) ReadHeader(Stream stream, string path)
    {
        Span<byte> prefix = stackalloc byte[10];
        int got;
        try
        {
            got = stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw new DtrainException($"{path}: not valid gzip data: {e.Message}", e);
        }

        if (got < 8 || !prefix[..6].SequenceEqual(Magic))
        {
            throw new DtrainException($"{path}: not an NPY file (it does not start with \\x93NUMPY)");
        }

        int major = prefix[6];
        if (major is < 1 or > 3)
        {
            throw new DtrainException($"{path}: NPY format version {major}.{prefix[7]} is not supported (1.0 to 3.0 are)");
        }

        // Version 1 has a 2-byte header length; versions 2 and 3 a 4-byte one (the header may then be UTF-8).
        long headerLength;
        if (major == 1)
        {
            headerLength = got < 10 ? -1 : BinaryPrimitives.ReadUInt16LittleEndian(prefix[8..]);
        }
        else
        {
            Span<byte> rest = stackalloc byte[2];
            headerLength = got < 10 || stream.ReadAtLeast(rest, 2, throwOnEndOfStream: false) < 2
                ? -1
                : BinaryPrimitives.ReadUInt32LittleEndian([prefix[8], prefix[9], rest[0], rest[1]]);
        }

        if (headerLength is < 0 or > 1 << 20)
        {
            throw new DtrainException($"{path}: the NPY header is truncated or claims {headerLength} bytes");
        }

        var header = new byte[headerLength];
        if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length)
        {
            throw new DtrainException($"{path}: the NPY header is truncated");
        }

        return Parse(Encoding.UTF8.GetString(header), path);
    }

    /// <summary>Parses the header dict: <c>descr</c>, <c>fortran_order</c> and <c>shape</c>.</summary>
    public static (TensorElement Element, long[] Shape) Parse(string header, string path)
    {
        var descr = DescrPattern().Match(header);
        var order = OrderPattern().Match(header);
        var shape = ShapePattern().Match(header);
        if (!descr.Success || !order.Success || !shape.Success)
        {
            throw new DtrainException($"{path}: the NPY header is not a dict of descr, fortran_order and shape: {Printable.Escape(header.Trim())}");
        }

        if (order.Groups[1].Value == "True")
        {
            throw new DtrainException($"{path}: the array is in Fortran order; write it in C order (numpy.ascontiguousarray) and save again");
        }

        var d = descr.Groups[1].Value;
        if (d.Length >= 2 && d[0] == '>' && d[1..] is not ("u1" or "i1" or "b1"))
        {
            throw new DtrainException($"{path}: dtype '{d}' is big-endian; save it as little-endian (array.astype('<{d[1..]}'))");
        }

        TensorElement element = (d.Length > 1 && d[0] is '<' or '|' or '=' or '>' ? d[1..] : d) switch
        {
            "u1" => TensorElement.UInt8,
            "i1" => TensorElement.Int8,
            "i2" => TensorElement.Int16,
            "i4" => TensorElement.Int32,
            "i8" => TensorElement.Int64,
            "f4" => TensorElement.Float32,
            "f8" => TensorElement.Float64,
            _ => throw new DtrainException($"{path}: dtype '{Printable.Escape(d)}' is not supported; supported: float32, float64, int8, int16, int32, int64, uint8"),
        };

        var dims = shape.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var parsed = new long[dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            var text = dims[i].TrimEnd('L');
            if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out parsed[i]))
            {
                throw new DtrainException($"{path}: the NPY shape ({Printable.Escape(shape.Groups[1].Value)}) is not a tuple of sizes");
            }
        }

        return (element, parsed);
    }

    [GeneratedRegex(@"['""]descr['""]\s*:\s*['""]([^'""]*)['""]")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"['""]fortran_order['""]\s*:\s*(True|False)")]
    private static partial Regex OrderPattern();

    [GeneratedRegex(@"['""]shape['""]\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
