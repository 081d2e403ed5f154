// A trained model in one file: the model file's JSON (the DAG), the data schema training applied, its parameters,
// where they came from, and a CRC-64 over all of it. dtrain export writes it; eval and predict read it with no cluster running.
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Dtrain.Models.Data;

namespace Dtrain.Protocol.Persistence;

/// <summary>
/// A self-contained trained model. <see cref="Parameters"/> is the flat parameter vector in the layout the model's
/// compiler gives it (the one every worker and shard uses).
/// </summary>
/// <param name="ModelFile">Name of the model file it was trained from.</param>
/// <param name="ModelJson">That file's text.</param>
/// <param name="Parameters">The trained parameters.</param>
/// <param name="Origin">Where they came from: job, checkpoint, epoch, step, test accuracy.</param>
/// <param name="StoredSchema">How raw data became the model's inputs in training; null in a file written before schemas travelled (MNIST's).</param>
public sealed record TrainedModel(string ModelFile, string ModelJson, float[] Parameters, IReadOnlyDictionary<string, string> Origin, DataSchema? StoredSchema = null)
{
    // Format 2 adds the data schema part after the model JSON; format 1 files (no schema) are still read, as MNIST models.
    private const int Format = 2;
    private const int FirstFormat = 1;

    /// <summary>The schema eval and predict apply to raw inputs: the stored one, or MNIST's for a file that has none.</summary>
    public DataSchema Schema => StoredSchema ?? DataSchema.Mnist;
    private static readonly byte[] Magic = "DTRNMODL"u8.ToArray();

    // Throws on bytes that are not UTF-8 instead of replacing them, so a damaged part is named, not half-read.
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Writes the model to <paramref name="path"/> (replacing it only once the whole file is written).</summary>
    public void Write(string path)
    {
        var origin = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { model_file = ModelFile, origin = Origin }));
        var json = Encoding.UTF8.GetBytes(ModelJson);
        var schema = Encoding.UTF8.GetBytes(StoredSchema?.ToJson() ?? "");
        var floats = MemoryMarshal.AsBytes(Parameters.AsSpan());
        var bytes = new byte[8 + 4 + 4 + origin.Length + 4 + json.Length + 4 + schema.Length + 4 + floats.Length + 8];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        var at = 8;
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], Format);
        at += 4;
        foreach (var part in new[] { origin, json, schema })
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
            // Largest file Write makes for the largest model allowed, with room for its JSON: nothing larger is read into memory.
            var length = new FileInfo(path).Length;
            if (length > (Models.Graph.ModelLimits.MaxTotalParameters * 4) + (256L << 20))
            {
                throw new Models.DtrainException($"{path}: {length:N0} bytes, larger than any trained model dtrain writes");
            }

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
        if (format is < FirstFormat or > Format)
        {
            throw new Models.DtrainException($"{path}: model format {format}; this dtrain reads formats {FirstFormat} to {Format}");
        }

        // The CRC proves the bytes are the ones written, not that a writer wrote them sensibly: a crafted file may carry
        // a valid CRC over lengths that overrun the file or JSON that is not what Write makes. Every length and field
        // is checked against what is there before it is used.
        var body = span[..^8];
        var at = 12;
        var originText = Part(path, body, ref at, "origin");
        var json = Part(path, body, ref at, "model JSON");
        var schemaText = format >= 2 ? Part(path, body, ref at, "data schema") : "";
        if (body.Length - at < 4)
        {
            throw Damaged(path, "parameter count", $"it needs 4 bytes at offset {at}, but {body.Length - at} remain");
        }

        var count = BinaryPrimitives.ReadInt32LittleEndian(body[at..]);
        var remaining = body.Length - at - 4;
        if (count < 0 || (long)count * 4 != remaining)
        {
            throw Damaged(path, "parameters", $"the file declares {count:N0} floats, but {remaining:N0} bytes ({remaining / 4:N0} floats) remain before the checksum");
        }

        var parameters = MemoryMarshal.Cast<byte, float>(body.Slice(at + 4, count * 4)).ToArray();
        var (modelFile, fields) = ParseOrigin(path, originText);
        var schema = schemaText.Length > 0 ? DataSchema.FromJson(schemaText, $"{path}: the trained model's data schema") : null;
        return new TrainedModel(modelFile, json, parameters, fields, schema);
    }

    /// <summary>One length-prefixed UTF-8 part at <paramref name="at"/>: its length must lie inside the file.</summary>
    private static string Part(string path, ReadOnlySpan<byte> body, ref int at, string what)
    {
        if (body.Length - at < 4)
        {
            throw Damaged(path, what, $"its length needs 4 bytes at offset {at}, but {body.Length - at} remain");
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(body[at..]);
        if (length < 0 || length > body.Length - at - 4)
        {
            throw Damaged(path, what, $"its length {length:N0} at offset {at} does not fit the {body.Length - at - 4:N0} bytes that remain");
        }

        string text;
        try
        {
            text = Strict.GetString(body.Slice(at + 4, length));
        }
        catch (DecoderFallbackException)
        {
            throw Damaged(path, what, "it is not valid UTF-8 text");
        }

        at += 4 + length;
        return text;
    }

    /// <summary>The origin part: <c>{"model_file": "...", "origin": {"key": "value", ...}}</c>, as Write makes it.</summary>
    private static (string ModelFile, Dictionary<string, string> Fields) ParseOrigin(string path, string text)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw Damaged(path, "origin", $"it is not valid JSON ({e.Message.Split(" Path:")[0]})");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("model_file", out var file) || file.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("origin", out var origin) || origin.ValueKind != JsonValueKind.Object)
            {
                throw Damaged(path, "origin", "it must be an object with a string \"model_file\" and an object \"origin\"");
            }

            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var field in origin.EnumerateObject())
            {
                if (field.Value.ValueKind != JsonValueKind.String)
                {
                    throw Damaged(path, "origin", $"field '{field.Name}' must be a string, got {field.Value.ValueKind.ToString().ToLowerInvariant()}");
                }

                fields[field.Name] = field.Value.GetString()!;
            }

            // eval and predict print these in their header line: an escape sequence in them would drive the terminal.
            if (fields.SelectMany(f => new[] { f.Key, f.Value }).Prepend(file.GetString()!).FirstOrDefault(t => Models.Printable.FirstHostile(t) >= 0) is { } hostile)
            {
                throw Damaged(path, "origin", $"'{hostile}' holds a control character");
            }

            return (file.GetString()!, fields);
        }
    }

    private static Models.DtrainException Damaged(string path, string part, string problem) =>
        new($"{path}: the trained model's {part} is malformed: {problem}");
}
