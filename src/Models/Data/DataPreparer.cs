// Turns a job's data section into example sources: picks the format, learns the schema from the training rows only,
// splits off validation rows by the seed, and encodes every split into cache files reused by later runs.
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Dtrain.Models.Data;

/// <summary>The data a job trains on, with the schema that encoded it.</summary>
/// <param name="Schema">How raw rows became features and targets (learned from the training split).</param>
/// <param name="Train">The training examples.</param>
/// <param name="Validation">The validation examples (the seeded split, or the validation file); null when none.</param>
/// <param name="Test">The test examples; null when none was given.</param>
public sealed record PreparedData(DataSchema Schema, ExampleSource Train, ExampleSource? Validation, ExampleSource? Test) : IDisposable
{
    /// <summary>Closes the cache files the sources read.</summary>
    public void Dispose()
    {
        foreach (var source in new[] { Train, Validation, Test }.OfType<IDisposable>().Distinct())
        {
            source.Dispose();
        }
    }
}

/// <summary>Prepares a job's data: format dispatch, the seeded validation split, the schema and the encoded cache.</summary>
public static class DataPreparer
{
    /// <summary>Bumped when the cache layout or the keying changes, so old caches are not matched.</summary>
    private const string KeyVersion = "dtrain-data-cache-1";

    /// <summary>
    /// Learns the schema from <c>spec.Train</c> minus the seeded validation split, encodes train/validation/test into
    /// the cache (<c>$DTRAIN_CACHE/data</c>, else <c>~/.cache/dtrain/data</c>), reusing a cache whose key (files, sizes,
    /// mtimes, spec, seed, schema) matches. <c>spec.IsBuiltInMnist</c>: the MNIST download (or
    /// <paramref name="dataDir"/>) as today, in memory, with class names "0".."9".
    /// </summary>
    public static PreparedData Prepare(DataSpec spec, int seed, string? dataDir, TextWriter log) =>
        Prepare(spec, seed, dataDir, log, DataFormats.For, CacheRoot());

    /// <summary>Reads a file with a schema already learned (eval, predict, a cluster worker given the job's schema).</summary>
    public static ExampleSource Encode(string path, string? format, DataSchema schema, TextWriter log) =>
        Encode(path, format, schema, log, DataFormats.For, CacheRoot());

    /// <summary>
    /// Reads a job's training files with its schema, as a cluster worker does: all their rows (validation rows
    /// included), taken from the path as training takes it (an MNIST folder means its train pair, not its t10k pair).
    /// </summary>
    public static ExampleSource EncodeTraining(string path, string? format, DataSchema schema, TextWriter log) =>
        Encode(path, format, schema, log, DataFormats.For, CacheRoot(), test: false);

    /// <summary>The folder encoded caches live in: <c>$DTRAIN_CACHE/data</c>, else beside the MNIST cache (<c>~/.cache/dtrain/data</c>).</summary>
    public static string CacheRoot() => Path.Combine(Path.GetDirectoryName(Mnist.CacheFolder())!, "data");

    /// <summary>The class names of the built-in MNIST: the digits.</summary>
    public static IReadOnlyList<string> MnistClassNames { get; } = Enumerable.Range(0, Mnist.Classes).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();

    /// <summary>As <see cref="Prepare(DataSpec, int, string?, TextWriter)"/>, with the format lookup and cache folder given (tests).</summary>
    internal static PreparedData Prepare(DataSpec spec, int seed, string? dataDir, TextWriter log, Func<string, string?, IDataFormat> formatFor, string cacheRoot)
    {
        if (spec.FirstProblem() is { } problem)
        {
            throw new DtrainException(problem);
        }

        if (spec.Task != LearningTask.Unsupervised && spec.Limit == 0)
        {
            return PrepareAll(spec, seed, dataDir, log, formatFor, cacheRoot);
        }

        // The rows are read (and cached) as the data's own task would read them, then viewed: the first `limit`
        // training rows, and every split scored as unsupervised.
        var unsupervised = spec.Task == LearningTask.Unsupervised;
        var read = PrepareAll(spec with { Task = unsupervised ? null : spec.Task, Limit = 0 }, seed, dataDir, log, formatFor, cacheRoot);
        var train = spec.Limit > 0 ? new FirstExamples(read.Train, spec.Limit) : read.Train;
        if (spec.Limit > 0)
        {
            log.WriteLine($"data: training on the first {train.Count:N0} of {read.Train.Count:N0} examples (limit {spec.Limit:N0})");
        }

        return unsupervised
            ? new PreparedData(read.Schema, new UnsupervisedExamples(train), View(read.Validation), View(read.Test))
            : read with { Train = train };

        static ExampleSource? View(ExampleSource? set) => set is null ? null : new UnsupervisedExamples(set);
    }

    /// <summary>The training rows as read, before a <see cref="DataSpec.Limit"/> and the unsupervised view (what a cluster worker reads).</summary>
    public static ExampleSource AllRows(ExampleSource train) => train switch
    {
        UnsupervisedExamples u => AllRows(u.Data),
        FirstExamples f => AllRows(f.All),
        _ => train,
    };

    private static PreparedData PrepareAll(DataSpec spec, int seed, string? dataDir, TextWriter log, Func<string, string?, IDataFormat> formatFor, string cacheRoot)
    {
        if (spec.IsBuiltInMnist)
        {
            return PrepareMnist(spec, seed, dataDir, log);
        }

        var trainPath = spec.Train!;
        var format = formatFor(trainPath, spec.Format);
        var files = format.Expand(trainPath, test: false);
        var split = spec.Validation is null ? spec.ValidationSplit : 0;
        var inTraining = ValidationSplit.TrainingRows(seed, split);
        var name = Path.GetFileName(trainPath.TrimEnd('/', Path.DirectorySeparatorChar));

        // The schema depends on the files, the spec and (through the split) the seed; it is learned once per key.
        var specKey = Key("prepare", format.Name, FileStamps(files), SpecText(spec), split > 0 ? seed.ToString(CultureInfo.InvariantCulture) : "", split.ToString("R", CultureInfo.InvariantCulture));
        var schemaPath = Path.Combine(cacheRoot, specKey + ".schema.json");
        var schema = ReadSchema(schemaPath);
        var learned = schema is null;
        if (schema is null)
        {
            schema = format.Learn(files, spec, inTraining);
            WriteAtomically(schemaPath, schema.ToJson());
        }

        var key = Key("split", specKey, schema.ToJson());
        var trainCache = Path.Combine(cacheRoot, key + ".train.bin");
        var validationCache = split > 0 ? Path.Combine(cacheRoot, key + ".validation.bin") : null;
        var trainProblem = CacheProblem(trainCache, schema);
        var validationProblem = validationCache is null ? null : CacheProblem(validationCache, schema);
        if (trainProblem is null && validationProblem is null)
        {
            log.WriteLine($"data: {name}: reusing the encoded cache in {cacheRoot}{(learned ? "" : " (schema too)")}");
        }
        else
        {
            if (File.Exists(trainCache) && trainProblem is not null)
            {
                log.WriteLine($"data: the encoded cache {trainCache} is damaged ({trainProblem}); rebuilding it");
            }
            else if (validationCache is not null && File.Exists(validationCache) && validationProblem is not null)
            {
                log.WriteLine($"data: the encoded cache {validationCache} is damaged ({validationProblem}); rebuilding it");
            }

            log.WriteLine($"data: encoding {name} ({format.Name}, {files.Count} file(s)) into {cacheRoot}");
            using var trainSink = new CacheFileSink(trainCache, schema, Progress(log, name));
            using var validationSink = validationCache is null ? null : new CacheFileSink(validationCache, schema);
            format.Encode(files, schema, validationSink is null ? trainSink : new SplitSink(inTraining, trainSink, validationSink));
            trainSink.Complete();
            validationSink?.Complete();
        }

        var train = Open(trainCache, name, schema);
        if (train.Count == 0)
        {
            throw new DtrainException($"{trainPath}: no training examples{(split > 0 ? $" are left after the validation split of {split}" : "")}");
        }

        ExampleSource? validation = null;
        if (validationCache is not null)
        {
            validation = Open(validationCache, $"{name} (validation split)", schema);
            if (validation.Count == 0)
            {
                log.WriteLine($"data: {name}: the validation split of {split} holds no rows of {train.Count}; training without validation");
                ((IDisposable)validation).Dispose();
                validation = null;
            }
        }
        else if (spec.Validation is not null)
        {
            validation = Encode(spec.Validation, spec.Format, schema, log, formatFor, cacheRoot);
        }

        var test = spec.Test is null ? null : Encode(spec.Test, spec.Format, schema, log, formatFor, cacheRoot);
        log.WriteLine($"data: {name}: {schema.Task.Name()}, {train.Count:N0} training examples of [{string.Join(", ", schema.FeatureShape)}]"
            + (schema.Task == LearningTask.Classification ? $", {schema.Classes} classes" : schema.Task == LearningTask.Regression ? $", {schema.TargetWidth} target(s)" : "")
            + (validation is null ? "" : $", {validation.Count:N0} validation")
            + (test is null ? "" : $", {test.Count:N0} test"));
        return new PreparedData(schema, train, validation, test);
    }

    /// <summary>As <see cref="Encode(string, string?, DataSchema, TextWriter)"/>, with the format lookup and cache folder given (tests).</summary>
    internal static ExampleSource Encode(string path, string? formatName, DataSchema schema, TextWriter log, Func<string, string?, IDataFormat> formatFor, string cacheRoot, bool test = true)
    {
        var format = formatFor(path, formatName);
        var files = format.Expand(path, test);
        var name = Path.GetFileName(path.TrimEnd('/', Path.DirectorySeparatorChar));
        var cache = Path.Combine(cacheRoot, Key("encode", format.Name, FileStamps(files), schema.ToJson()) + ".bin");
        var problem = CacheProblem(cache, schema);
        if (problem is null)
        {
            log.WriteLine($"data: {name}: reusing the encoded cache in {cacheRoot}");
        }
        else
        {
            if (File.Exists(cache))
            {
                log.WriteLine($"data: the encoded cache {cache} is damaged ({problem}); rebuilding it");
            }

            log.WriteLine($"data: encoding {name} ({format.Name}, {files.Count} file(s)) into {cacheRoot}");
            using var sink = new CacheFileSink(cache, schema, Progress(log, name));
            format.Encode(files, schema, sink);
            sink.Complete();
        }

        return Open(cache, name, schema);
    }

    /// <summary>
    /// The built-in MNIST, in memory as before; a validation split (when asked for) is taken out of the 60,000
    /// training images by the same seeded rule as for files.
    /// </summary>
    private static PreparedData PrepareMnist(DataSpec spec, int seed, string? dataDir, TextWriter log)
    {
        var (train, test) = Mnist.Load(Mnist.Ensure(dataDir, log));
        var schema = DataSchema.Mnist with { FeatureShape = (int[])train.FeatureShape.Clone(), ClassNames = MnistClassNames };
        var (kept, held) = (train, (Dataset?)null);
        if (spec.ValidationSplit > 0)
        {
            (kept, held) = SplitInMemory(train, seed, spec.ValidationSplit);
        }

        if (spec.Task == LearningTask.Reconstruction)
        {
            // An autoencoder on MNIST: the images are their own targets, the digits' labels go unused.
            schema = schema with { Task = LearningTask.Reconstruction, TargetWidth = train.FeatureSize, ClassNames = null };
            (kept, held, test) = (AsReconstruction(kept)!, AsReconstruction(held), AsReconstruction(test)!);
        }

        return new PreparedData(schema, kept, held, test);
    }

    private static Dataset? AsReconstruction(Dataset? set) =>
        set is null ? null : new(set.Name, set.FeatureShape, LearningTask.Reconstruction, 0, set.Features, [], 0);

    /// <summary>Splits an in-memory classification set by <see cref="ValidationSplit.IsValidation"/>.</summary>
    internal static (Dataset Train, Dataset Validation) SplitInMemory(Dataset set, int seed, double fraction)
    {
        var trainRows = new List<int>();
        var validationRows = new List<int>();
        for (var i = 0; i < set.Count; i++)
        {
            (ValidationSplit.IsValidation(i, seed, fraction) ? validationRows : trainRows).Add(i);
        }

        return (Select(set, trainRows, set.Name), Select(set, validationRows, set.Name + "-validation"));
    }

    private static Dataset Select(Dataset set, List<int> rows, string name)
    {
        var features = new float[rows.Count * set.FeatureSize];
        var labels = new int[rows.Count];
        for (var r = 0; r < rows.Count; r++)
        {
            set.Features.AsSpan(rows[r] * set.FeatureSize, set.FeatureSize).CopyTo(features.AsSpan(r * set.FeatureSize));
            labels[r] = set.Labels[rows[r]];
        }

        return new Dataset(name, (int[])set.FeatureShape.Clone(), set.Classes, features, labels);
    }

    private static CacheFileSource Open(string path, string name, DataSchema schema)
    {
        var source = new CacheFileSource(path, name);
        if (source.Task != schema.Task)
        {
            source.Dispose();
            throw new DtrainException($"{path}: the encoded cache holds {source.Task.Name()} data but the schema says {schema.Task.Name()}; delete it to rebuild");
        }

        return source;
    }

    /// <summary>Why the cache at <paramref name="path"/> cannot serve <paramref name="schema"/>; null when it can.</summary>
    internal static string? CacheProblem(string path, DataSchema schema)
    {
        var (header, problem) = EncodedCache.ReadHeader(path);
        if (header is null)
        {
            return problem;
        }

        var storedTargets = schema.Task == LearningTask.Reconstruction ? 0 : schema.TargetWidth;
        return header.Task != schema.Task || !header.FeatureShape.SequenceEqual(schema.FeatureShape) || header.StoredTargets != storedTargets || header.Classes != schema.Classes
            ? "its shapes do not match the schema"
            : null;
    }

    private static DataSchema? ReadSchema(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return DataSchema.FromJson(File.ReadAllText(path), path);
        }
        catch (Exception e) when (e is DtrainException or IOException or UnauthorizedAccessException)
        {
            return null; // a damaged schema is learned again
        }
    }

    private static void WriteAtomically(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }

    private static Action<long> Progress(TextWriter log, string name) =>
        rows => log.WriteLine($"data: encoding {name}: {rows:N0} rows so far");

    /// <summary>Each file's absolute path, size and modification time: a change to any re-encodes.</summary>
    private static string FileStamps(IReadOnlyList<string> files) => string.Join(
        "\n",
        files.Select(f =>
        {
            var info = new FileInfo(f);
            return string.Create(CultureInfo.InvariantCulture, $"{info.FullName}\t{info.Length}\t{info.LastWriteTimeUtc.Ticks}");
        }));

    /// <summary>The fields of the spec that change how rows are encoded (not where test or validation data is).</summary>
    private static string SpecText(DataSpec s) => JsonSerializer.Serialize(new object?[]
    {
        s.Format, s.Label, s.Task?.Name(), s.Exclude, s.Normalize, s.Missing, s.Header, s.Resize, s.Color,
    });

    private static string Key(params string[] parts)
    {
        var text = KeyVersion + "\0" + string.Join("\0", parts);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];
    }
}
