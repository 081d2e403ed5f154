// Reads the "groups" and "program" sections of a model file (format v2); unknown fields are refused by name.
using System.Text.Json;

namespace Dtrain.Models.Graph;

/// <summary>Parses <c>"groups": [...]</c> and <c>"program": [...]</c>; structure only, references are checked by the compiler.</summary>
public static class ProgramParser
{
    private static readonly string[] KnownGroupFields =
    [
        "name", "params", "frozen", "optimizer", "lr", "momentum", "beta1", "beta2", "epsilon", "weight_decay", "alpha", "rho",
        "lr_schedule", "schedule",
    ];

    private static readonly string[] KnownPhaseFields = ["name", "epochs", "loss", "groups", "steps", "rule"];

    private static readonly string[] KnownStepFields = ["loss", "groups", "repeat"];

    /// <summary>The learning rules a phase may name.</summary>
    public static readonly string[] Rules = ["backprop", "cd", "hebbian", "perceptron"];

    /// <summary>
    /// The training section of a model with <paramref name="root"/>'s program: its epochs are the phases' sum (a
    /// <c>training.epochs</c> beside a program is an error, since each phase sets its own). Unchanged without a program.
    /// </summary>
    public static TrainingSettings WithProgramEpochs(TrainingSettings training, JsonElement root, string file)
    {
        if (!root.TryGetProperty("program", out var program))
        {
            return training;
        }

        if (root.TryGetProperty("training", out var t) && t.ValueKind == JsonValueKind.Object && t.TryGetProperty("epochs", out _))
        {
            throw new ModelFileException(file, null, "training.epochs does not apply to a model with a \"program\": each phase sets its \"epochs\"");
        }

        // Counted in 64 bits: phases of absurd lengths must be refused in one line, not overflow (epochs are numbered
        // from 1, so the last one, the total, must leave room for the number after it).
        var total = ParseProgram(program, file).Sum(p => (long)p.Epochs);
        if (total >= int.MaxValue)
        {
            throw new ModelFileException(file, null, $"the program's phases add up to {total:N0} epochs, more than the {int.MaxValue - 1:N0} a job may train");
        }

        return training with { Epochs = (int)total };
    }

    /// <summary>Parses the <c>"groups"</c> array.</summary>
    public static List<GroupSpec> ParseGroups(JsonElement groups, string file)
    {
        if (groups.ValueKind != JsonValueKind.Array)
        {
            throw new ModelFileException(file, null, "\"groups\" must be an array of {\"name\", \"params\", ...}");
        }

        var result = new List<GroupSpec>();
        var index = 0;
        foreach (var g in groups.EnumerateArray())
        {
            var name = Name(g, file, $"group #{index}");
            var where = $"group '{name}'";
            Unknown(g, KnownGroupFields, file, where);
            if (!g.TryGetProperty("params", out var ps) || ps.ValueKind != JsonValueKind.Array || ps.GetArrayLength() == 0
                || ps.EnumerateArray().Any(p => p.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(p.GetString())))
            {
                throw new ModelFileException(file, null, $"{where}: \"params\" must be a non-empty array of parameter names or node ids (globs * and ? allowed)");
            }

            if (g.TryGetProperty("schedule", out _) && g.TryGetProperty("lr_schedule", out _))
            {
                throw new ModelFileException(file, null, $"{where}: set \"schedule\" or \"lr_schedule\", not both");
            }

            var schedule = g.TryGetProperty("lr_schedule", out var s) || g.TryGetProperty("schedule", out s) ? TrainingParser.ParseSchedule(s, file) : null;
            var optimizer = new OptimizerOverride(
                Str(g, "optimizer", file, where),
                Num(g, "lr", file, where),
                Num(g, "momentum", file, where),
                Num(g, "beta1", file, where),
                Num(g, "beta2", file, where),
                Num(g, "epsilon", file, where),
                Num(g, "weight_decay", file, where),
                Num(g, "alpha", file, where),
                Num(g, "rho", file, where),
                schedule);
            var frozen = g.TryGetProperty("frozen", out var f)
                ? f.ValueKind is JsonValueKind.True or JsonValueKind.False ? f.GetBoolean() : throw new ModelFileException(file, null, $"{where}: \"frozen\" must be true or false, got {f.GetRawText()}")
                : false;
            result.Add(new GroupSpec(name, ps.EnumerateArray().Select(p => p.GetString()!).ToArray(), frozen, optimizer));
            index++;
        }

        return result;
    }

    /// <summary>Parses the <c>"program"</c> array.</summary>
    public static List<PhaseSpec> ParseProgram(JsonElement program, string file)
    {
        if (program.ValueKind != JsonValueKind.Array || program.GetArrayLength() == 0)
        {
            throw new ModelFileException(file, null, "\"program\" must be a non-empty array of phases {\"name\", \"epochs\", \"loss\" or \"steps\", ...}");
        }

        var result = new List<PhaseSpec>();
        var index = 0;
        foreach (var p in program.EnumerateArray())
        {
            var name = Name(p, file, $"program phase #{index}");
            var where = $"program phase '{name}'";
            Unknown(p, KnownPhaseFields, file, where);
            var epochs = p.TryGetProperty("epochs", out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var n) && n > 0
                ? n
                : throw new ModelFileException(file, null, $"{where}: \"epochs\" must be a positive integer{(e.ValueKind == JsonValueKind.Undefined ? "" : $", got {e.GetRawText()}")}");
            var rule = Str(p, "rule", file, where) ?? "backprop";
            if (!Rules.Contains(rule))
            {
                throw new ModelFileException(file, null, $"{where}: rule '{rule}' is not known; known: {string.Join(", ", Rules)}");
            }

            var hasLoss = p.TryGetProperty("loss", out var loss);
            var hasSteps = p.TryGetProperty("steps", out var steps);
            List<StepSpec> parsed;
            if (hasLoss && hasSteps)
            {
                throw new ModelFileException(file, null, $"{where}: has both \"loss\" and \"steps\"; give a loss (with its groups) or sub-steps, not both");
            }
            else if (hasSteps)
            {
                if (p.TryGetProperty("groups", out _))
                {
                    throw new ModelFileException(file, null, $"{where}: \"groups\" belongs in each of its \"steps\"");
                }

                if (steps.ValueKind != JsonValueKind.Array || steps.GetArrayLength() == 0)
                {
                    throw new ModelFileException(file, null, $"{where}: \"steps\" must be a non-empty array of {{\"loss\", \"groups\", \"repeat\"}}");
                }

                parsed = steps.EnumerateArray().Select((s, i) => Step(s, file, $"{where} step {i + 1}")).ToList();
                if (parsed.Sum(s => (long)s.Repeat) > int.MaxValue)
                {
                    // A turn through the sub-steps is counted in 32 bits (TrainingPhase.Cycle).
                    throw new ModelFileException(file, null, $"{where}: its steps' repeats add up to {parsed.Sum(s => (long)s.Repeat):N0}, more than {int.MaxValue:N0}");
                }
            }
            else if (hasLoss)
            {
                parsed = [new StepSpec(Losses(loss, file, where), Groups(p, file, where), 1)];
            }
            else
            {
                throw new ModelFileException(file, null, $"{where}: needs a \"loss\" (a node id or an array of them) or \"steps\"");
            }

            result.Add(new PhaseSpec(name, epochs, parsed, rule));
            index++;
        }

        return result;
    }

    private static StepSpec Step(JsonElement s, string file, string where)
    {
        if (s.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFileException(file, null, $"{where}: must be an object {{\"loss\", \"groups\", \"repeat\"}}");
        }

        Unknown(s, KnownStepFields, file, where);
        if (!s.TryGetProperty("loss", out var loss))
        {
            throw new ModelFileException(file, null, $"{where}: needs a \"loss\"");
        }

        var repeat = !s.TryGetProperty("repeat", out var r) ? 1
            : r.ValueKind == JsonValueKind.Number && r.TryGetInt32(out var n) && n > 0 ? n
            : throw new ModelFileException(file, null, $"{where}: \"repeat\" must be a positive integer, got {r.GetRawText()}");
        return new StepSpec(Losses(loss, file, where), Groups(s, file, where), repeat);
    }

    private static string[] Losses(JsonElement loss, string file, string where) => loss.ValueKind switch
    {
        JsonValueKind.String when !string.IsNullOrWhiteSpace(loss.GetString()) => [loss.GetString()!],
        JsonValueKind.Array when loss.GetArrayLength() > 0 && loss.EnumerateArray().All(l => l.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(l.GetString()))
            => loss.EnumerateArray().Select(l => l.GetString()!).ToArray(),
        _ => throw new ModelFileException(file, null, $"{where}: \"loss\" must be a node id or a non-empty array of node ids, got {loss.GetRawText()}"),
    };

    private static string[]? Groups(JsonElement obj, string file, string where) =>
        !obj.TryGetProperty("groups", out var g) ? null
        : g.ValueKind == JsonValueKind.Array && g.GetArrayLength() > 0 && g.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(x.GetString()))
            ? g.EnumerateArray().Select(x => x.GetString()!).ToArray()
            : throw new ModelFileException(file, null, $"{where}: \"groups\" must be a non-empty array of group names, got {g.GetRawText()}");

    private static string Name(JsonElement obj, string file, string what)
    {
        if (obj.ValueKind != JsonValueKind.Object || !obj.TryGetProperty("name", out var v) || v.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(v.GetString()))
        {
            throw new ModelFileException(file, null, $"{what} needs a non-empty string \"name\"");
        }

        var text = v.GetString()!;
        return Printable.FirstHostile(text) is var at and >= 0
            ? throw new ModelFileException(file, null, $"{what}: \"name\" has a control character at position {at + 1}; names must be printable")
            : text;
    }

    private static void Unknown(JsonElement obj, string[] known, string file, string where)
    {
        foreach (var p in obj.EnumerateObject())
        {
            if (!known.Contains(p.Name))
            {
                throw new ModelFileException(file, null, $"{where}: unknown field \"{p.Name}\"; known: {string.Join(", ", known)}");
            }
        }
    }

    private static string? Str(JsonElement t, string name, string file, string where) =>
        !t.TryGetProperty(name, out var v) ? null
        : v.ValueKind == JsonValueKind.String ? v.GetString()
        : throw new ModelFileException(file, null, $"{where}: \"{name}\" must be a string, got {v.GetRawText()}");

    private static float? Num(JsonElement t, string name, string file, string where) =>
        !t.TryGetProperty(name, out var v) ? null
        : v.ValueKind == JsonValueKind.Number ? v.GetSingle()
        : throw new ModelFileException(file, null, $"{where}: \"{name}\" must be a number, got {v.GetRawText()}");
}
