// A child process a telemetry test runs beside its checks (dtrain, Prometheus), stopped by its own id at the end.
using System.Diagnostics;
using System.Text;

namespace Dtrain.Cli.Tests.Telemetry;

/// <summary>Starts a program with captured output; disposing kills it (and only it) if it still runs.</summary>
public sealed class BackgroundProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private BackgroundProcess(string program, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Everything the process printed so far.</summary>
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

    /// <summary>True once the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Starts <paramref name="program"/>.</summary>
    public static BackgroundProcess Start(string program, params string[] args) => new(program, args);

    /// <summary>Starts the dtrain built next to the tests.</summary>
    public static BackgroundProcess Dtrain(params string[] args) =>
        new("dotnet", [Path.Combine(AppContext.BaseDirectory, "dtrain.dll"), .. args]);

    /// <summary>Waits for the process to end; false on timeout.</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            return false;
        }

        _process.WaitForExit(); // drains the asynchronous output readers
        return true;
    }

    /// <summary>The exit code (after <see cref="WaitForExit"/>).</summary>
    public int ExitCode => _process.ExitCode;

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
