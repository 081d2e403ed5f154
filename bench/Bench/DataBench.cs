// Benchmarks of training on the user's own files: the peak memory of one epoch on a data file 1x and 8x as large
// (bounded by the batch, not the data set), and examples/s of MNIST read as IDX, CSV and NPY after the first epoch.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Dtrain.Models.Data;

namespace Dtrain.Bench;

/// <summary><c>dtrain-bench data-memory</c> and <c>dtrain-bench data-formats</c>.</summary>
public static class DataBench
{
    private sealed record Options(string Work, string Model, int Scale, int Epochs, string? DataDir, bool Keep);

    private static Options Parse(string[] args, int defaultEpochs)
    {
        string? work = null, dataDir = null;
        var model = FindExample("mnist-mlp.json");
        var (scale, epochs, keep) = (8, defaultEpochs, false);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--work": work = Next(); break;
                case "--model": model = Next(); break;
                case "--scale": scale = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--epochs": epochs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--data-dir": dataDir = Next(); break;
                case "--keep": keep = true; break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        if (scale < 1 || epochs < 1)
        {
            throw new ArgumentException("--scale and --epochs must be at least 1");
        }

        return new Options(work ?? Path.Combine(Path.GetTempPath(), $"dtrain-data-bench-{Environment.ProcessId}"), model, scale, epochs, dataDir, keep);
    }

    /// <summary>
    /// Writes MNIST's training set as NPY (uint8 images, int64 labels) once and replicated <c>--scale</c> times, trains
    /// one epoch of the model on each in a child <c>dtrain</c>, and prints both peak RSS figures.
    /// </summary>
    public static int Memory(string[] args)
    {
        var o = Parse(args, defaultEpochs: 1);
        var (train, _) = Mnist.Load(Mnist.Ensure(o.DataDir, Console.Out));
        Directory.CreateDirectory(o.Work);
        try
        {
            var rows = new List<(string Name, long Examples, long Bytes, Run Run)>();
            foreach (var times in new[] { 1, o.Scale })
            {
                var folder = Path.Combine(o.Work, $"x{times}");
                Directory.CreateDirectory(folder);
                var x = Path.Combine(folder, "x_train.npy");
                WriteNpy(x, Path.Combine(folder, "y_train.npy"), train, times);
                var cache = Path.Combine(o.Work, "cache");
                var run = Train(o, cache, ["--train", x]);
                rows.Add(($"{times}x", (long)train.Count * times, new FileInfo(x).Length, run));
            }

            Console.WriteLine();
            Console.WriteLine($"one epoch of {Path.GetFileName(o.Model)} on MNIST as NPY (uint8), replicated; the encoded cache read by position");
            Console.WriteLine($"| data | examples | file MB | peak RSS MB (encode + train) | peak RSS MB (cache reused) | examples/s |");
            Console.WriteLine($"|------|---------:|--------:|----------------------------:|---------------------------:|-----------:|");
            foreach (var (name, examples, bytes, run) in rows)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {examples:N0} | {bytes / 1e6:F0} | {run.FirstPeakMb:F0} | {run.PeakMb:F0} | {run.ExamplesPerSecond:N0} |"));
            }

            var ratio = rows[^1].Run.PeakMb / rows[0].Run.PeakMb;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak RSS {o.Scale}x / 1x (cache reused): {ratio:F2} (goal: at most 1.25)"));
            return ratio <= 1.25 ? 0 : 1;
        }
        finally
        {
            if (!o.Keep)
            {
                Directory.Delete(o.Work, recursive: true);
            }
        }
    }

    /// <summary>
    /// Trains the model on MNIST read four ways (the built-in IDX path in memory, IDX, CSV and NPY files through the
    /// encoded cache) and prints examples/s of the epochs after the first, side by side.
    /// </summary>
    public static int Formats(string[] args)
    {
        var o = Parse(args, defaultEpochs: 3);
        var folder = Mnist.Ensure(o.DataDir, Console.Out);
        var (train, test) = Mnist.Load(folder);
        Directory.CreateDirectory(o.Work);
        try
        {
            var cache = Path.Combine(o.Work, "cache");
            WriteNpy(Path.Combine(o.Work, "x_train.npy"), Path.Combine(o.Work, "y_train.npy"), train, 1);
            WriteNpy(Path.Combine(o.Work, "x_test.npy"), Path.Combine(o.Work, "y_test.npy"), test, 1);
            WriteCsv(Path.Combine(o.Work, "train.csv"), train);
            WriteCsv(Path.Combine(o.Work, "test.csv"), test);
            var cases = new (string Name, string[] Args)[]
            {
                ("idx (built-in, in memory)", ["--data-dir", folder]),
                ("idx (--train, cache)", ["--train", folder, "--format", "idx", "--test", folder]),
                ("csv (--train, cache)", ["--train", Path.Combine(o.Work, "train.csv"), "--test", Path.Combine(o.Work, "test.csv"), "--label", "label"]),
                ("npy (--train, cache)", ["--train", Path.Combine(o.Work, "x_train.npy"), "--test", Path.Combine(o.Work, "x_test.npy")]),
            };
            var results = cases.Select(c => (c.Name, Run: Train(o, cache, c.Args))).ToList();
            Console.WriteLine();
            Console.WriteLine($"{Path.GetFileName(o.Model)}, {o.Epochs} epochs; examples/s of epochs 2..{o.Epochs} (the first pays for encoding and warm-up)");
            Console.WriteLine("| MNIST read as | examples/s | vs built-in IDX | first run: prepare s | test accuracy |");
            Console.WriteLine("|---------------|-----------:|----------------:|---------------------:|--------------:|");
            var baseline = results[0].Run.ExamplesPerSecond;
            foreach (var (name, run) in results)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {run.ExamplesPerSecond:N0} | {run.ExamplesPerSecond / baseline:P0} | {run.FirstPrepareSeconds:F1} | {run.TestAccuracy:P2} |"));
            }

            var (memory, file) = GatherMicroseconds(train, Path.Combine(o.Work, "gather.bin"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"gather of a shuffled batch of 128 (one epoch): in memory {memory:F0} us, from the encoded cache {file:F0} us"));
            return 0;
        }
        finally
        {
            if (!o.Keep)
            {
                Directory.Delete(o.Work, recursive: true);
            }
        }
    }

    /// <summary>Microseconds per gather of a shuffled batch of 128 over one epoch: from memory, and from the same examples in a cache file.</summary>
    private static (double Memory, double File) GatherMicroseconds(Dataset set, string path)
    {
        var schema = new DataSchema { Format = "mnist", Task = LearningTask.Classification, FeatureShape = set.FeatureShape, TargetWidth = 1, ClassNames = DataPreparer.MnistClassNames };
        using (var sink = new CacheFileSink(path, schema))
        {
            for (var i = 0; i < set.Count; i++)
            {
                sink.Write(set.Features.AsSpan(i * set.FeatureSize, set.FeatureSize), [set.Labels[i]]);
            }

            sink.Complete();
        }

        using var cache = new CacheFileSource(path, "gather");
        var order = Enumerable.Range(0, set.Count).ToArray();
        new Random(1).Shuffle(order);
        var features = new float[128 * set.FeatureSize];
        var labels = new float[128];
        double Time(ExampleSource source)
        {
            var watch = Stopwatch.StartNew();
            var batches = 0;
            for (var start = 0; start + 128 <= order.Length; start += 128, batches++)
            {
                source.Gather(order.AsSpan(start, 128), features, labels);
            }

            return watch.Elapsed.TotalMicroseconds / batches;
        }

        Time(cache); // the page cache warm, as after a first epoch
        return (Time(set), Time(cache));
    }

    /// <summary>A data set measured twice: the first run encodes the cache, the second reuses it.</summary>
    private sealed record Run(double FirstPeakMb, double PeakMb, double ExamplesPerSecond, double FirstPrepareSeconds, double TestAccuracy);

    private static Run Train(Options o, string cache, string[] data)
    {
        var first = Child(o, cache, data);
        var second = Child(o, cache, data);
        return new Run(first.PeakMb, second.PeakMb, second.ExamplesPerSecond, first.PrepareSeconds, second.TestAccuracy);
    }

    private static (double PeakMb, double ExamplesPerSecond, double PrepareSeconds, double TestAccuracy) Child(Options o, string cache, string[] data)
    {
        var summary = Path.Combine(o.Work, "summary.json");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["DTRAIN_CACHE"] = cache;
        foreach (var arg in (string[])[Path.Combine(AppContext.BaseDirectory, "dtrain.dll"), "train", o.Model, .. data, "--epochs", o.Epochs.ToString(CultureInfo.InvariantCulture), "--no-checkpoint", "--summary", summary])
        {
            start.ArgumentList.Add(arg);
        }

        Console.Error.WriteLine($"dtrain-bench: dtrain train {Path.GetFileName(o.Model)} {string.Join(' ', data)}");
        var started = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var output = new StringBuilder();
        double? prepared = null;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
                if (prepared is null && e.Data.StartsWith("dtrain: ", StringComparison.Ordinal) && e.Data.Contains(" parameters) on ", StringComparison.Ordinal))
                {
                    prepared = started.Elapsed.TotalSeconds;
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // VmHWM is the kernel's high-water mark of resident memory: read until the process ends, the last is its peak.
        long peakKb = 0;
        while (!process.WaitForExit(100))
        {
            peakKb = Math.Max(peakKb, HighWaterKb(process.Id));
        }

        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dtrain failed ({process.ExitCode}):\n{output}");
        }

        using var json = JsonDocument.Parse(File.ReadAllText(summary));
        var history = json.RootElement.GetProperty("history").EnumerateArray().ToList();
        var later = history.Count > 1 ? history.Skip(1).ToList() : history;
        var examples = later.Sum(e => e.GetProperty("examples_per_second").GetDouble() * e.GetProperty("train_seconds").GetDouble());
        var seconds = later.Sum(e => e.GetProperty("train_seconds").GetDouble());
        var accuracy = json.RootElement.TryGetProperty("test_accuracy", out var a) ? a.GetDouble() : double.NaN;
        return (peakKb / 1024.0, examples / seconds, prepared ?? 0, accuracy);
    }

    private static long HighWaterKb(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
            // The process ended between the wait and the read.
        }

        return 0;
    }

    /// <summary>Writes the set's images as uint8 (N, 28, 28)-shaped NPY, <paramref name="times"/> copies, and its labels as int64.</summary>
    private static void WriteNpy(string images, string labels, Dataset set, int times)
    {
        var n = (long)set.Count * times;
        var side = (int)Math.Round(Math.Sqrt(set.FeatureSize));
        using (var w = new BinaryWriter(new BufferedStream(File.Create(images), 1 << 20)))
        {
            WriteNpyHeader(w, "|u1", $"({n}, {side}, {side})");
            var row = new byte[set.FeatureSize];
            for (var t = 0; t < times; t++)
            {
                for (var i = 0; i < set.Count; i++)
                {
                    for (var j = 0; j < row.Length; j++)
                    {
                        row[j] = (byte)MathF.Round(set.Features[(i * set.FeatureSize) + j] * 255f);
                    }

                    w.Write(row);
                }
            }
        }

        using var l = new BinaryWriter(new BufferedStream(File.Create(labels), 1 << 20));
        WriteNpyHeader(l, "<i8", $"({n},)");
        for (var t = 0; t < times; t++)
        {
            foreach (var label in set.Labels)
            {
                l.Write((long)label);
            }
        }
    }

    private static void WriteNpyHeader(BinaryWriter w, string descr, string shape)
    {
        var header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        header = header.PadRight(((10 + header.Length + 1 + 63) / 64 * 64) - 10 - 1) + "\n";
        w.Write([0x93, .. "NUMPY"u8, 1, 0]);
        w.Write((ushort)header.Length);
        w.Write(Encoding.ASCII.GetBytes(header));
    }

    /// <summary>Writes the set as CSV: a header, 784 pixel columns (0-255) and the label last.</summary>
    private static void WriteCsv(string path, Dataset set)
    {
        using var w = new StreamWriter(path, false, Encoding.ASCII, 1 << 20);
        w.WriteLine(string.Join(',', Enumerable.Range(0, set.FeatureSize).Select(j => $"p{j}")) + ",label");
        var line = new StringBuilder();
        for (var i = 0; i < set.Count; i++)
        {
            line.Clear();
            for (var j = 0; j < set.FeatureSize; j++)
            {
                line.Append((int)MathF.Round(set.Features[(i * set.FeatureSize) + j] * 255f)).Append(',');
            }

            line.Append(set.Labels[i]);
            w.WriteLine(line);
        }
    }

    private static string FindExample(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "examples", name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return Path.Combine("examples", name);
    }
}
