// A live one-line progress display (epoch, partitions, step, loss, examples/s, ETA), redrawn in place on a terminal.
using System.Globalization;
using static Dtrain.Protocol.CoordinatorProtocol;

namespace Dtrain.Cli;

/// <summary>Shows the latest <see cref="TrainingProgress"/> on one terminal line; silent when output is redirected.</summary>
public sealed class ProgressLine(TextWriter output, bool enabled)
{
    private readonly Lock _gate = new();
    private int _width;

    /// <summary>Redraws the line.</summary>
    public void Show(TrainingProgress p)
    {
        if (!enabled)
        {
            return;
        }

        var text = string.Create(CultureInfo.InvariantCulture,
            $"  epoch {p.Epoch} partition {p.PartitionsDone}/{p.Partitions} step {p.Steps:N0} loss {p.TrainLoss:F4} {p.ExamplesPerSecond:N0} ex/s eta {p.EpochEtaSeconds:F0}s");
        lock (_gate)
        {
            output.Write("\r" + text.PadRight(_width));
            _width = text.Length;
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
