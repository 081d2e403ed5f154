// The run summary's per-phase figures of a training program, from the epoch history: each phase's training rate and
// its last train loss (the issue asks for examples per second per phase).
using Dtrain.Models.Graph;
using static Dtrain.Protocol.CoordinatorProtocol;

namespace Dtrain.Coordinator;

/// <summary>Folds a job's epoch reports into one <see cref="PhaseSummary"/> per phase.</summary>
internal static class PhaseSummaries
{
    /// <summary>
    /// The phases of <paramref name="program"/> that trained an epoch in <paramref name="history"/>, in order; null for a
    /// model without a program. A phase's rate is its examples over its training seconds, not a mean of epoch rates.
    /// </summary>
    public static PhaseSummary[]? Of(TrainingProgram program, IReadOnlyList<EpochCompleted> history)
    {
        if (!program.Written)
        {
            return null;
        }

        var result = new List<PhaseSummary>();
        foreach (var phase in program.Phases)
        {
            var epochs = history.Where(h => h.Epoch >= phase.FirstEpoch && h.Epoch <= phase.LastEpoch).ToList();
            if (epochs.Count == 0)
            {
                continue;
            }

            var seconds = epochs.Sum(h => h.TrainSeconds);
            var examples = epochs.Sum(h => h.ExamplesPerSecond * h.TrainSeconds);
            result.Add(new PhaseSummary(phase.Name, epochs.Count, seconds > 0 ? examples / seconds : 0, epochs[^1].TrainLoss));
        }

        return [.. result];
    }
}
