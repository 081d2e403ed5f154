// Seeded fuzzing of .dtmodel files: a real trained model with its lengths, counts and bytes crafted and its CRC-64
// recomputed, so every case passes the checksum and reaches the parser. Each is loaded (as eval and predict load it)
// or refused in one line.
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using CsCheck;
using Dtrain.Cli;
using Dtrain.Protocol.Persistence;

namespace Dtrain.Fuzz.Tests;

public sealed class TrainedModelFuzzTests : IDisposable
{
    private const string Model = """
        {"inputs": [{"name": "x", "shape": [4]}, {"name": "y", "shape": [], "dtype": "int32"}],
         "nodes": [{"id": "fc", "op": "dense", "inputs": ["x"], "attrs": {"units": 3}},
                   {"id": "loss", "op": "softmax_cross_entropy", "inputs": ["fc", "y"]}],
         "loss": "loss"}
        """;

    /// <summary>Values a crafted length or count takes.</summary>
    private static readonly int[] AbsurdInts = [0, -1, 1, 3, 4, 15, 16, 255, 1 << 20, 1 << 30, int.MaxValue, int.MinValue];

    private readonly string _dir = Directory.CreateTempSubdirectory("dtrain-dtmodel-fuzz-").FullName;
    private readonly byte[] _valid;

    public TrainedModelFuzzTests()
    {
        var path = Path.Combine(_dir, "valid.dtmodel");
        new TrainedModel("tiny.json", Model, Enumerable.Range(0, 15).Select(i => i / 15f).ToArray(), new Dictionary<string, string> { ["job"] = "j", ["checkpoint"] = "3" }).Write(path);
        _valid = File.ReadAllBytes(path);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_unmutated_model_loads()
    {
        var path = Path.Combine(_dir, "valid.dtmodel");

        var (trained, model) = InferenceCommands.LoadTrained(path);

        Assert.Equal(15, model.ParameterCount);
        Assert.Equal("3", trained.Origin["checkpoint"]);
    }

    [Fact]
    public void Crafted_trained_models_with_a_valid_checksum_load_or_are_refused_in_one_line()
    {
        var body = _valid.Length - 8;
        Gen.Select(Gen.Int[0, 5], Gen.Int[0, body - 1], Gen.Int[0, AbsurdInts.Length - 1], Gen.Int).Sample(
            (kind, at, n, seed) =>
            {
                var bytes = Craft(kind, at, n, seed);
                var path = Path.Combine(_dir, "crafted.dtmodel");
                File.WriteAllBytes(path, bytes);
                RefusalCheck.AcceptedOrRefusedInOneLine(() => InferenceCommands.LoadTrained(path), () => $"mutation {kind} at {at}, value {AbsurdInts[n]}, seed {seed}");
            },
            seed: FuzzBudget.Seed,
            iter: FuzzBudget.Iterations,
            threads: 1);
    }

    /// <summary>The valid file with one crafted change, its CRC-64 recomputed over the new body.</summary>
    private byte[] Craft(int kind, int at, int n, int seed)
    {
        var body = _valid[..^8].ToList();
        var rng = new Random(seed);
        var fields = LengthOffsets();
        switch (kind)
        {
            case 0:
                // A length or count field (origin, model JSON, parameters) set to an absurd value.
                BinaryPrimitives.WriteInt32LittleEndian(Span(body, fields[rng.Next(fields.Length)]), AbsurdInts[n]);
                break;
            case 1:
                // Any four bytes set to an absurd value.
                BinaryPrimitives.WriteInt32LittleEndian(Span(body, Math.Min(at, body.Count - 4)), AbsurdInts[n]);
                break;
            case 2:
                for (var k = rng.Next(1, 8); k > 0; k--)
                {
                    body[rng.Next(body.Count)] ^= (byte)(1 << rng.Next(8));
                }

                break;
            case 3:
                body.RemoveRange(at, body.Count - at);
                break;
            case 4:
                body.InsertRange(at, Enumerable.Range(0, rng.Next(1, 64)).Select(_ => (byte)rng.Next(256)));
                break;
            default:
                // The model JSON replaced, lengths kept consistent: only its content is hostile.
                return Rebuild(Encoding.UTF8.GetBytes(HostileJson(rng)));
        }

        var crc = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(crc, Crc64.HashToUInt64(body.ToArray()));
        return [.. body, .. crc];
    }

    private byte[] Rebuild(byte[] json)
    {
        var path = Path.Combine(_dir, "rebuilt.dtmodel");
        new TrainedModel("tiny.json", Encoding.UTF8.GetString(json), new float[15], new Dictionary<string, string>()).Write(path);
        return File.ReadAllBytes(path);
    }

    private static string HostileJson(Random rng) => rng.Next(6) switch
    {
        0 => "",
        1 => "[]",
        2 => Model.Replace("\"units\": 3", "\"units\": 2000000000", StringComparison.Ordinal),
        3 => Model.Replace("\"units\": 3", "\"unitz\": 3", StringComparison.Ordinal),
        4 => Model.Replace("\"fc\"", "\"fc\\u001b[2J\"", StringComparison.Ordinal),
        _ => Model[..rng.Next(Model.Length)],
    };

    /// <summary>Offsets of the origin length, model JSON length and parameter count in the valid file.</summary>
    private int[] LengthOffsets()
    {
        var origin = 12;
        var json = origin + 4 + BinaryPrimitives.ReadInt32LittleEndian(_valid.AsSpan(origin));
        var count = json + 4 + BinaryPrimitives.ReadInt32LittleEndian(_valid.AsSpan(json));
        return [origin, json, count];
    }

    private static Span<byte> Span(List<byte> bytes, int at) => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes)[at..];
}
