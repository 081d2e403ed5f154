// Seeded fuzzing of model files: the shipped examples mutated in their JSON tree (absurd sizes, typos in attribute
// names, hostile strings, removed or repeated nodes) and in their bytes. Each must compile or be refused in one line.
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Dtrain.Models.Graph;

namespace Dtrain.Fuzz.Tests;

public sealed class ModelFileFuzzTests
{
    private static readonly string[] Bases = LoadBases();

    /// <summary>Numbers a hostile file puts where a size goes: zero, negatives, int edges, past float, fractions.</summary>
    private static readonly JsonNode?[] AbsurdNumbers =
    [
        0, -1, 1, 2_000_000_000, 3_000_000, 100_000, int.MaxValue, int.MinValue, 4_294_967_296L, long.MaxValue,
        JsonValue.Create(1e40), JsonValue.Create(1.5), JsonValue.Create(-0.0), 16_777_217,
    ];

    /// <summary>Values of the wrong kind or of hostile content.</summary>
    private static readonly Func<JsonNode?>[] HostileValues =
    [
        () => null, () => new JsonArray(), () => new JsonObject(), () => true, () => "",
        () => "fc\u001b[31m", () => "\u202eevil", () => new string('x', 100_000), () => "NaN",
        () => new JsonArray(100_000, 100_000), () => new JsonArray(1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
    ];

    [Fact]
    public void Mutated_model_files_compile_or_are_refused_in_one_line()
    {
        var cases = Gen.Select(Gen.Int[0, Bases.Length - 1], Gen.Int[0, 8], Gen.Int);
        cases.Sample(
            (b, kind, seed) =>
            {
                var text = Mutate(Bases[b], kind, seed);
                RefusalCheck.AcceptedOrRefusedInOneLine(
                    () =>
                    {
                        var model = ModelCompiler.Compile(ModelParser.Parse(text, "fuzz.json"));
                        Assert.True(model.ParameterCount >= 0);
                        ModelLimits.BatchProblem(model, 128, training: true);
                    },
                    () => $"base {b}, mutation {kind}, seed {seed}");
            },
            seed: FuzzBudget.Seed,
            iter: FuzzBudget.Iterations,
            threads: 1);
    }

    [Fact]
    public void Model_files_of_absurd_sizes_are_refused_in_one_line()
    {
        // Every size attribute of every example set to each absurd number in turn.
        Gen.Select(Gen.Int[0, Bases.Length - 1], Gen.Int[0, AbsurdNumbers.Length - 1], Gen.Int).Sample(
            (b, n, seed) =>
            {
                var root = JsonNode.Parse(Bases[b])!;
                var numbers = Walk(root).Where(v => v.Node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && v.Parent is JsonObject).ToList();
                var (_, parent, key) = numbers[(int)((uint)seed % (uint)numbers.Count)];
                ((JsonObject)parent!)[(string)key] = AbsurdNumbers[n]?.DeepClone();
                var text = root.ToJsonString();
                RefusalCheck.AcceptedOrRefusedInOneLine(() => ModelCompiler.Compile(ModelParser.Parse(text, "fuzz.json")), () => $"base {b}: {key} = {AbsurdNumbers[n]}");
            },
            seed: FuzzBudget.Seed,
            iter: FuzzBudget.Iterations,
            threads: 1);
    }

    /// <summary>One mutation of kind <paramref name="kind"/>, drawn by <paramref name="seed"/>, of a model file's text.</summary>
    private static string Mutate(string text, int kind, int seed)
    {
        var rng = new Random(seed);
        if (kind == 8)
        {
            // Bytes: flips, insertions and deletions anywhere, the JSON's syntax included.
            var bytes = Encoding.UTF8.GetBytes(text).ToList();
            for (var k = rng.Next(1, 6); k > 0 && bytes.Count > 0; k--)
            {
                var at = rng.Next(bytes.Count);
                switch (rng.Next(3))
                {
                    case 0: bytes[at] ^= (byte)(1 << rng.Next(8)); break;
                    case 1: bytes.Insert(at, (byte)rng.Next(256)); break;
                    default: bytes.RemoveAt(at); break;
                }
            }

            return Encoding.UTF8.GetString([.. bytes]);
        }

        var root = JsonNode.Parse(text)!;
        var all = Walk(root).ToList();
        var (node, parent, key) = all[rng.Next(all.Count)];
        switch (kind)
        {
            case 0:
                Replace(parent, key, AbsurdNumbers[rng.Next(AbsurdNumbers.Length)]?.DeepClone());
                break;
            case 1:
                Replace(parent, key, HostileValues[rng.Next(HostileValues.Length)]());
                break;
            case 2 when parent is JsonObject o:
                // A typo in a key: one letter changed, dropped or added.
                var name = (string)key;
                var typo = name.Length > 1 && rng.Next(2) == 0 ? name.Remove(rng.Next(name.Length), 1) : name + (char)('a' + rng.Next(26));
                var value = o[name];
                o.Remove(name);
                o[typo] = value;
                break;
            case 3:
                var attrs = all.Where(a => a.Key is "attrs" && a.Node is JsonObject).Select(a => (JsonObject)a.Node!).ToList();
                if (attrs.Count > 0)
                {
                    attrs[rng.Next(attrs.Count)]["unitz"] = 7;
                }

                break;
            case 4 when parent is JsonObject o:
                o.Remove((string)key);
                break;
            case 4 when parent is JsonArray a:
                a.RemoveAt((int)key);
                break;
            case 5 when parent is JsonArray a:
                a.Insert((int)key, node?.DeepClone());
                break;
            case 6:
                // An id or input renamed to another id: duplicates, dangling references, cycles.
                var strings = all.Where(s => s.Node is JsonValue v && v.GetValueKind() == JsonValueKind.String).ToList();
                var (_, p1, k1) = strings[rng.Next(strings.Count)];
                Replace(p1, k1, strings[rng.Next(strings.Count)].Node!.DeepClone());
                break;
            case 7:
                var nodes = root["nodes"] as JsonArray;
                if (nodes is { Count: > 0 })
                {
                    // Many copies of the graph's last layers: a large graph, ids repeated.
                    var last = nodes[^1]!;
                    for (var i = rng.Next(1, 2000); i > 0; i--)
                    {
                        nodes.Add(last.DeepClone());
                    }
                }

                break;
        }

        return root.ToJsonString();
    }

    private static void Replace(JsonNode? parent, object key, JsonNode? value)
    {
        switch (parent)
        {
            case JsonObject o:
                o[(string)key] = value;
                break;
            case JsonArray a:
                a[(int)key] = value;
                break;
        }
    }

    /// <summary>Every value below the root with its parent and its key (a property name or an array index).</summary>
    private static IEnumerable<(JsonNode? Node, JsonNode? Parent, object Key)> Walk(JsonNode root)
    {
        var stack = new Stack<JsonNode>([root]);
        while (stack.Count > 0)
        {
            var current = stack.Pop();
            if (current is JsonObject o)
            {
                foreach (var (name, child) in o.ToList())
                {
                    yield return (child, o, name);
                    if (child is not null)
                    {
                        stack.Push(child);
                    }
                }
            }
            else if (current is JsonArray a)
            {
                for (var i = 0; i < a.Count; i++)
                {
                    yield return (a[i], a, i);
                    if (a[i] is { } child)
                    {
                        stack.Push(child);
                    }
                }
            }
        }
    }

    /// <summary>The model files in examples/ (job files, which name a model, are left out).</summary>
    private static string[] LoadBases()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var examples = Path.Combine(dir.FullName, "examples");
            if (Directory.Exists(examples) && File.Exists(Path.Combine(examples, "mnist-mlp.json")))
            {
                return Directory.GetFiles(examples, "*.json").Order(StringComparer.Ordinal)
                    .Select(File.ReadAllText).Where(t => t.Contains("\"nodes\"", StringComparison.Ordinal)).ToArray();
            }
        }

        throw new DirectoryNotFoundException($"examples/ not found above {AppContext.BaseDirectory}");
    }
}
