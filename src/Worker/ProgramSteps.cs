// Which sub-step of the training program a worker's next minibatch takes: the phase comes from the partition's epoch,
// the sub-step from the worker's steps in that phase (async, ssp) or from the round it computes from (sync).
using Dtrain.Models.Graph;

namespace Dtrain.Worker;

/// <summary>
/// A worker's place in the program. Asynchronous workers each take the sub-steps in turn over their own steps; in
/// synchronous mode every worker of a round must push the same groups, so the round (the version pulled) decides.
/// </summary>
internal sealed class ProgramSteps(TrainingProgram program, bool byRound)
{
    private int _phase = -1;
    private long _steps;

    /// <summary>The phase of the last step.</summary>
    public TrainingPhase? Phase { get; private set; }

    /// <summary>
    /// The sub-step of the next minibatch of a partition of <paramref name="epoch"/>; <paramref name="round"/> is the
    /// version the step computes from (read in synchronous mode only). Counts the step.
    /// </summary>
    public SubStep Next(int epoch, long round)
    {
        var phase = program.PhaseAt(epoch);
        if (phase.Index != _phase)
        {
            (_phase, _steps) = (phase.Index, 0);
        }

        Phase = phase;
        return phase.StepAt(byRound ? round : _steps++);
    }
}
