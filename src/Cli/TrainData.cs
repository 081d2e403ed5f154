// The data flags of train and resume (--train --test --validation --validation-split --label --task --format --limit) over the
// model file's training.data, and the model's "auto" shapes resolved once the data's schema is known.
using Dtrain.Models;
using Dtrain.Models.Data;
using Dtrain.Models.Graph;

namespace Dtrain.Cli;

/// <summary>Where a job's data comes from on the command line, and the model text fitted to it.</summary>
public static class TrainData
{
    /// <summary>The data flags, each overriding one field of <c>training.data</c>; journaled so a resumed job reads the same data.</summary>
    internal static readonly string[] Flags = ["--train", "--test", "--validation", "--validation-split", "--label", "--task", "--format", "--limit"];

    /// <summary>The flags whose value is a path: journaled as absolute paths, so a resume from another folder finds the files.</summary>
    internal static readonly string[] PathFlags = ["--train", "--test", "--validation"];

    /// <summary>
    /// The model file's data section with relative paths taken from the model file's folder (as a job file's model
    /// path is taken from the job file's), then the data flags over it (their paths from the working folder).
    /// </summary>
    public static DataSpec Apply(DataSpec file, string modelFile, CommandLine cl)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(modelFile))!;
        var spec = file with
        {
            Train = Anchor(file.Train, folder),
            Test = Anchor(file.Test, folder),
            Validation = Anchor(file.Validation, folder),
        };
        var split = cl.Float("--validation-split");
        var validation = cl.String("--validation");
        if (split is not null && validation is not null)
        {
            throw new UsageException("give --validation-split or --validation, not both");
        }

        var task = cl.String("--task");
        return spec with
        {
            Train = Absolute(cl.String("--train")) ?? spec.Train,
            Test = Absolute(cl.String("--test")) ?? spec.Test,

            // Either flag replaces the file's choice of validation data, whichever kind it was.
            Validation = validation is not null ? Path.GetFullPath(validation) : split is not null ? null : spec.Validation,
            ValidationSplit = split ?? (validation is not null ? 0 : spec.ValidationSplit),
            Label = cl.String("--label") ?? spec.Label,
            Task = task is null ? spec.Task : LearningTasks.Parse(task) ?? throw new UsageException($"--task expects one of {string.Join(", ", LearningTasks.Names)}, got '{task}'"),
            Format = cl.String("--format") ?? spec.Format,
            Limit = cl.Int("--limit") ?? spec.Limit,
        };
    }

    /// <summary>Makes the value of a path flag absolute in journaled arguments (<c>--train x</c> or <c>--train=x</c>).</summary>
    internal static string JournaledValue(string flag, string value) =>
        PathFlags.Contains(flag) && value.Length > 0 ? Path.GetFullPath(value) : value;

    /// <summary>
    /// Prepares the data of <paramref name="settings"/>: the built-in MNIST (from <paramref name="dataDir"/> or the
    /// cache) or the user's files through the encoded cache. Progress and cache lines go to the console.
    /// </summary>
    public static PreparedData Prepare(TrainingSettings settings, string? dataDir) =>
        DataPreparer.Prepare(settings.Data, settings.Seed, dataDir, Console.Out);

    /// <summary>
    /// The model text fitted to <paramref name="schema"/> ("auto" replaced), compiled. A model without "auto" is
    /// compiled as written.
    /// </summary>
    public static (string Text, CompiledModel Model) Fit(string text, string file, DataSchema schema)
    {
        var resolved = AutoShapes.Resolve(text, file, schema);
        return (resolved, ModelCompiler.Compile(ModelParser.Parse(resolved, file)));
    }

    private static string? Anchor(string? path, string folder) =>
        path is null || Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(folder, path));

    private static string? Absolute(string? path) => path is null ? null : Path.GetFullPath(path);
}
