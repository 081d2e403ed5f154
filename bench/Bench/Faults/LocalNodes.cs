// The processes of one local cluster the fault bench starts (as deploy/local/start-cluster.sh does), each tracked by
// its PID so the bench signals, kills and cleans up only what it started itself.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Dtrain.Bench.Faults;

/// <summary>One dtrain process the bench started: its role, its cluster endpoint, and what it printed (also to a log file).</summary>
public sealed partial class LocalNode : IDisposable
{
    private readonly StringBuilder _output = new();
    private readonly StreamWriter _log;
    private bool _closed;

    internal LocalNode(string name, string role, string endpoint, Process process, string logPath)
    {
        (Name, Role, Endpoint, Process) = (name, role, endpoint, process);
        _log = new StreamWriter(logPath, append: true) { AutoFlush = true };
    }

    /// <summary>Label in progress lines and log file names: <c>ps-1</c>, <c>submit</c>.</summary>
    public string Name { get; }

    /// <summary>The role it runs (<c>worker</c>, <c>ps</c>, <c>coordinator</c>), or the command.</summary>
    public string Role { get; }

    /// <summary>host:port of its cluster transport; empty for a client command.</summary>
    public string Endpoint { get; }

    /// <summary>The OS process.</summary>
    public Process Process { get; }

    /// <summary>Whether it is frozen by <see cref="Pause"/>.</summary>
    public bool Paused { get; private set; }

    /// <summary>Whether the process has ended.</summary>
    public bool Exited
    {
        get
        {
            try
            {
                return Process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    /// <summary>Everything printed so far, stdout and stderr interleaved.</summary>
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
            if (!_closed)
            {
                _log.WriteLine(line);
            }
        }
    }

    /// <summary>Waits until the output contains <paramref name="text"/>; false on timeout or exit.</summary>
    public bool WaitFor(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (Output.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }

            if (Exited)
            {
                Thread.Sleep(200); // the last lines may still be on their way
                return Output.Contains(text, StringComparison.Ordinal);
            }

            Thread.Sleep(100);
        }

        return false;
    }

    /// <summary>SIGKILL: the process ends at once, as in a crash.</summary>
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

        Paused = false;
    }

    /// <summary>SIGSTOP: the process freezes (no heartbeats, no replies) until <see cref="Resume"/>.</summary>
    public void Pause()
    {
        Signal(OperatingSystem.IsMacOS() ? 17 : 19);
        Paused = true;
    }

    /// <summary>SIGCONT: a paused process runs on.</summary>
    public void Resume()
    {
        Signal(OperatingSystem.IsMacOS() ? 19 : 18);
        Paused = false;
    }

    private void Signal(int signal)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            throw new PlatformNotSupportedException("pausing a process needs SIGSTOP/SIGCONT (Linux or macOS)");
        }

        if (!Exited && SendSignal(Process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"signal {signal} to {Name} (pid {Process.Id}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);

    /// <inheritdoc/>
    public void Dispose()
    {
        Kill();
        Process.Dispose();
        lock (_output)
        {
            _closed = true; // lines still on their way after the kill go to Output only
            _log.Dispose();
        }
    }
}

/// <summary>
/// Starts dtrain nodes on free loopback ports into one cluster and kills every process it started on Dispose. All of
/// them get the same random cluster secret (DTRAIN_SECRET) in their environment.
/// </summary>
public sealed class LocalNodes : IDisposable
{
    /// <summary>Every set not yet disposed, so Ctrl-C or SIGTERM to the bench still kills what it started.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<LocalNodes, bool> Open = new();

    private readonly List<LocalNode> _started = [];
    private readonly string _dtrainDll, _dataDir, _stateDir, _logDir;

    /// <summary>A cluster whose nodes keep their journal and checkpoints in <paramref name="stateDir"/> and log to <paramref name="logDir"/>.</summary>
    public LocalNodes(string dtrainDll, string dataDir, string stateDir, string logDir)
    {
        (_dtrainDll, _dataDir, _stateDir, _logDir) = (dtrainDll, dataDir, stateDir, logDir);
        Open[this] = true;
    }

    /// <summary>Set once the bench is being stopped: from then on no process starts.</summary>
    private static volatile bool _stopping;

    /// <summary>Kills the processes of every set still open and refuses new ones (the bench is being stopped).</summary>
    public static void DisposeAll()
    {
        _stopping = true;
        foreach (var set in Open.Keys)
        {
            set.Dispose();
        }
    }
    private readonly Dictionary<string, int> _counts = [];

    /// <summary>The secret every process of this cluster shares (32 hex characters).</summary>
    public string Secret { get; } = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    /// <summary>Nodes (not client commands) still running, oldest first.</summary>
    public IEnumerable<LocalNode> LiveNodes
    {
        get
        {
            lock (_started)
            {
                return _started.Where(n => n.Endpoint.Length > 0 && !n.Exited).ToArray();
            }
        }
    }

    /// <summary>
    /// Starts a node with <paramref name="role"/> joining through <paramref name="seeds"/> (none: it seeds the cluster).
    /// </summary>
    public LocalNode StartNode(string role, IReadOnlyList<string> seeds, params string[] extra) =>
        StartNode(role, FreePort().ToString(CultureInfo.InvariantCulture), seeds, extra);

    /// <summary>
    /// Starts a node in the place of <paramref name="old"/>, which ended: same role, same address (as a restarted pod
    /// behind a stable name gets), so the seed list every node was given stays valid.
    /// </summary>
    public LocalNode RestartNode(LocalNode old, IReadOnlyList<string> seeds, params string[] extra) =>
        StartNode(old.Role, old.Endpoint[(old.Endpoint.LastIndexOf(':') + 1)..], seeds, extra);

    private LocalNode StartNode(string role, string port, IReadOnlyList<string> seeds, string[] extra)
    {
        List<string> args = ["node", "--roles", role, "--host", "127.0.0.1", "--port", port, "--data-dir", _dataDir, "--state-dir", _stateDir];
        if (seeds.Count > 0)
        {
            args.AddRange(["--seeds", string.Join(',', seeds)]);
        }

        args.AddRange(extra);
        return Start(NextName(role), role, $"127.0.0.1:{port}", args);
    }

    /// <summary>Starts a client command (submit, status) with the cluster's secret.</summary>
    public LocalNode StartCommand(string name, IEnumerable<string> args) => Start(name, name, "", args);

    private string NextName(string role)
    {
        lock (_counts)
        {
            var n = _counts.GetValueOrDefault(role);
            _counts[role] = n + 1;
            return $"{role}-{n}";
        }
    }

    private LocalNode Start(string name, string role, string endpoint, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(_dtrainDll);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["DTRAIN_SECRET"] = Secret;
        start.Environment["DTRAIN_PROGRESS"] = "lines"; // submit prints each progress report: the step at a fault
        var process = new Process { StartInfo = start };
        var node = new LocalNode(name, role, endpoint, process, Path.Combine(_logDir, $"{name}.log"));
        process.OutputDataReceived += (_, e) => node.Append(e.Data);
        process.ErrorDataReceived += (_, e) => node.Append(e.Data);
        lock (_started)
        {
            if (_stopping)
            {
                throw new OperationCanceledException("the bench is stopping");
            }

            process.Start();
            _started.Add(node);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    /// <summary>A TCP port free on loopback now.</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Kills every process started, paused ones included (SIGKILL ends a stopped process too).</summary>
    public void Dispose()
    {
        Open.TryRemove(this, out _);
        LocalNode[] all;
        lock (_started)
        {
            all = [.. _started];
        }

        foreach (var node in all)
        {
            node.Dispose();
        }
    }
}
