// Bounds on what one job may ask of the machines before anything starts: shard and worker counts, the batch, the
// model's name (it becomes a folder and a persistence id). Past these a run would hang, overflow or write elsewhere.
using System.Text.RegularExpressions;
using Dtrain.Models;
using Dtrain.Models.Graph;

namespace Dtrain.Cli;

/// <summary>Checks of a job's scale and name, each failing with one line naming the flag or field.</summary>
public static partial class JobScale
{
    /// <summary>Most parameter shards a job may have: each is an actor with its own snapshot and bulk session per worker.</summary>
    public const int MaxShards = 1024;

    /// <summary>Most worker actors one process runs: each holds a model replica and a thread of its own.</summary>
    public const int MaxWorkersPerProcess = 256;

    /// <summary>Largest minibatch: past it activations outgrow memory long before a step ends.</summary>
    public const int MaxBatch = 65536;

    /// <summary>Longest model name: it is the stem of the job's folder and id.</summary>
    public const int MaxNameLength = 64;

    /// <summary>
    /// Checks the settings of a job over <paramref name="model"/>: shards no more than the model has parameter chunks
    /// (a shard with none would serve nothing) nor <see cref="MaxShards"/>, workers no more than
    /// <see cref="MaxWorkersPerProcess"/> when they all run in this process (<paramref name="oneProcess"/>), and a batch
    /// whose largest activation still fits one array. <paramref name="source"/> prefixes the error.
    /// </summary>
    public static void Check(CompiledModel model, TrainingSettings settings, string source, bool oneProcess)
    {
        var program = model.Program;
        if (program.Written && settings.Epochs != program.TotalEpochs)
        {
            throw new DtrainException($"{source}: --epochs does not apply to {model.Spec.File}, which has a training program: its epochs are per phase ({string.Join(", ", program.Phases.Select(p => $"{p.Name} {p.Epochs}"))}; {program.TotalEpochs} in all)");
        }

        if (program.Written && settings.PushEvery > 1 && program.Phases.FirstOrDefault(p => p.Steps.Count > 1) is { } alternating)
        {
            throw new DtrainException($"{source}: training.n_push (--n-push) is {settings.PushEvery}, but phase '{alternating.Name}' of {model.Spec.File} alternates sub-steps, each of which pushes its own groups: use n_push 1");
        }

        if (settings.PsShards > MaxShards)
        {
            throw new DtrainException($"{source}: training.ps_shards (--ps-shards) is {settings.PsShards:N0}; dtrain runs at most {MaxShards:N0} shards");
        }

        var chunks = model.Parameters.Sum(p => (p.Size + (long)settings.ChunkSize - 1) / settings.ChunkSize);
        if (chunks > 0 && settings.PsShards > chunks)
        {
            throw new DtrainException($"{source}: training.ps_shards (--ps-shards) is {settings.PsShards:N0} but {model.Spec.Name} has only {chunks:N0} parameter chunk(s) of up to {settings.ChunkSize:N0} floats; a shard would hold nothing");
        }

        if (oneProcess && settings.Workers > MaxWorkersPerProcess)
        {
            throw new DtrainException($"{source}: training.workers (--workers) is {settings.Workers:N0}; one process runs at most {MaxWorkersPerProcess} workers (use a cluster for more)");
        }

        if (settings.Batch > MaxBatch)
        {
            throw new DtrainException($"{source}: training.batch (--batch) is {settings.Batch:N0}; at most {MaxBatch:N0}");
        }

        var widest = model.Values.Max(v => (long)v.Type.Size);
        if (widest * settings.Batch > Array.MaxLength)
        {
            throw new DtrainException($"{source}: training.batch (--batch) {settings.Batch:N0} times the largest value's {widest:N0} floats per example is more than one array holds ({Array.MaxLength:N0}); use a smaller batch");
        }
    }

    /// <summary>
    /// A model name is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit: it names the job's
    /// folder under the runs folder, so a path (<c>../../x</c>, <c>/etc</c>) or an over-long name is refused before
    /// any file is written.
    /// </summary>
    public static void CheckName(string name, string file)
    {
        if (name.Length is 0 or > MaxNameLength || !NamePattern().IsMatch(name))
        {
            var shown = name.Length > MaxNameLength ? $"a {name.Length:N0}-character name" : $"'{Printable.Of(name)}'";
            throw new DtrainException($"{file}: the model's name is {shown}; it must be 1-{MaxNameLength} letters, digits, '.', '_' or '-', starting with a letter or digit (set \"name\" in the model file)");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex NamePattern();
}
