// A trained model in one file: the model file's JSON (the DAG), its parameters, where they came from, and a
// CRC-64 over all of it. dtrain export writes it; eval and predict read it with no cluster running.
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Dtrain.Protocol.Persistence;

/// <summary>
/// A self-contained trained model. <see cref="Parameters"/> is the flat parameter vector in the layout the model's
/// compiler gives it (the one every worker and shard uses).
/// </summary>
/// <param name="ModelFile">Name of the model file it was trained from.</param>
/// <param name="ModelJson">That file's text.</param>
/// <param name="Parameters">The trained parameters.</param>
/// <param name="Origin">Where they came from: job, checkpoint, epoch, step, test accuracy.</param>
public sealed record TrainedModel(string ModelFile, string ModelJson, float[] Parameters, IReadOnlyDictionary<string, string> Origin)
{
    private const int Format = 1;
    private static readonly byte[] Magic = "DTRNMODL"u8.ToArray();

    /// <summary>Writes the model to <paramref name="path"/> (replacing it only once the whole file is written).</summary>
    public void Write(string path)
    {
        var origin = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { model_file = ModelFile, origin = Origin }));
        var json = Encoding.UTF8.GetBytes(ModelJson);
        var floats = MemoryMarshal.AsBytes(Parameters.AsSpan());
        var bytes = new byte[8 + 4 + 4 + origin.Length + 4 + json.Length + 4 + floats.Length + 8];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        var at = 8;
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], Format);
        at += 4;
        foreach (var part in new[] { origin, json })
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[at..], part.Length);
            part.CopyTo(span[(at + 4)..]);
            at += 4 + part.Length;
        }

        BinaryPrimitives.WriteInt32LittleEndian(span[at..], Parameters.Length);
        floats.CopyTo(span[(at + 4)..]);
        BinaryPrimitives.WriteUInt64LittleEndian(span[^8..], Crc64.HashToUInt64(span[..^8]));
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads a model written by <see cref="Write"/>; a clear error naming the file when it is not one, or is damaged.</summary>
    public static TrainedModel Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new Models.DtrainException($"{path}: cannot read the trained model: {e.Message}");
        }

        var span = bytes.AsSpan();
        if (bytes.Length < 32 || !span[..8].SequenceEqual(Magic))
        {
            throw new Models.DtrainException($"{path}: not a dtrain trained model (write one with dtrain export)");
        }

        if (BinaryPrimitives.ReadUInt64LittleEndian(span[^8..]) != Crc64.HashToUInt64(span[..^8]))
        {
            throw new Models.DtrainException($"{path}: the file is damaged (its checksum does not match its {bytes.Length:N0} bytes)");
        }

        var format = BinaryPrimitives.ReadInt32LittleEndian(span[8..]);
        if (format != Format)
        {
            throw new Models.DtrainException($"{path}: model format {format}; this dtrain reads format {Format}");
        }

        var at = 12;
        string Text()
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at));
            var text = Encoding.UTF8.GetString(bytes, at + 4, length);
            at += 4 + length;
            return text;
        }

        var origin = JsonDocument.Parse(Text()).RootElement;
        var json = Text();
        var count = BinaryPrimitives.ReadInt32LittleEndian(span[at..]);
        var parameters = MemoryMarshal.Cast<byte, float>(span.Slice(at + 4, count * 4)).ToArray();
        var fields = origin.GetProperty("origin").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");
        return new TrainedModel(origin.GetProperty("model_file").GetString() ?? "", json, parameters, fields);
    }
}
