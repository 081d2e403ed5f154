// A live one-line progress display (epoch, partitions, step, loss, examples/s, ETA, and per worker), redrawn in place on a terminal.
using System.Globalization;
using System.Text;
using static Dtrain.Protocol.CoordinatorProtocol;

namespace Dtrain.Cli;

/// <summary>
/// Shows the latest <see cref="TrainingProgress"/> on one terminal line; silent when output is redirected, unless
/// DTRAIN_PROGRESS=lines asks for one plain line per progress report (what a program following the job reads, such
/// as dtrain-bench faults to know the step at which it injected a fault).
/// </summary>
public sealed class ProgressLine(TextWriter output, bool enabled, bool lines = false)
{
    /// <summary>The progress display for the console: in place on a terminal, plain lines on request, else nothing.</summary>
    public static ProgressLine ForConsole() =>
        Console.IsOutputRedirected
            ? new ProgressLine(Console.Out, false, Environment.GetEnvironmentVariable("DTRAIN_PROGRESS") == "lines")
            : new ProgressLine(Console.Out, true);

    private readonly Lock _gate = new();
    private int _width;

    /// <summary>Most workers shown one by one; more are summed up so the line fits a terminal.</summary>
    private const int MaxWorkersShown = 4;
    private readonly SortedDictionary<int, (long Steps, double Loss, double Rate)> _workers = [];

    /// <summary>Redraws the line: the epoch's progress and ETA, then each worker's step, loss and examples/s.</summary>
    public void Show(TrainingProgress p)
    {
        if (lines)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"progress: epoch {p.Epoch} partition {p.PartitionsDone}/{p.Partitions} step {p.Steps} loss {p.TrainLoss:F4}"));
            return;
        }

        if (!enabled)
        {
            return;
        }

        lock (_gate)
        {
            if (p.WorkerId >= 0)
            {
                var steps = _workers.TryGetValue(p.WorkerId, out var w) ? w.Steps : 0;
                _workers[p.WorkerId] = (steps + p.WorkerSteps, p.WorkerLoss, p.WorkerExamplesPerSecond);
            }

            var text = new StringBuilder(string.Create(CultureInfo.InvariantCulture,
                $"  epoch {p.Epoch} partition {p.PartitionsDone}/{p.Partitions} step {p.Steps:N0} loss {p.TrainLoss:F4} {p.ExamplesPerSecond:N0} ex/s eta {p.EpochEtaSeconds:F0}s"));
            if (_workers.Count is > 1 and <= MaxWorkersShown)
            {
                foreach (var (id, (steps, loss, rate)) in _workers)
                {
                    text.Append(CultureInfo.InvariantCulture, $" | w{id} step {steps:N0} loss {loss:F4} {rate:N0} ex/s");
                }
            }

            var line = text.ToString();
            output.Write("\r" + line.PadRight(_width));
            _width = line.Length;
        }
    }

    /// <summary>Erases the line so the next permanent line starts clean.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            if (_width > 0)
            {
                output.Write("\r" + new string(' ', _width) + "\r");
                _width = 0;
            }
        }
    }
}
