// A compiled training program: which group each parameter belongs to, each group's optimizer and frozen flag, and
// the phases with their sub-steps (loss values and group masks). Plain data the worker, shards and coordinator read.
using Dtrain.Models.Optimizers;

namespace Dtrain.Models.Graph;

/// <summary>A compiled parameter group; index 0 is always <c>default</c>, the parameters no named group takes.</summary>
/// <param name="Name">The group's name.</param>
/// <param name="Parameters">Indices of its parameters in <see cref="CompiledModel.Parameters"/>.</param>
/// <param name="Frozen">Never updated: the shards ignore gradients pushed for it.</param>
/// <param name="Optimizer">The optimizer fields it sets over the training section's.</param>
public sealed record ParameterGroup(string Name, int[] Parameters, bool Frozen, OptimizerOverride Optimizer);

/// <summary>A compiled sub-step: its loss values (summed), the groups it updates as a bit mask, and its repeat count.</summary>
public sealed record SubStep(int[] Losses, ulong GroupMask, int Repeat);

/// <summary>A compiled phase: global epochs <see cref="FirstEpoch"/> to <see cref="LastEpoch"/> (1-based).</summary>
public sealed record TrainingPhase(int Index, string Name, int FirstEpoch, int Epochs, string Rule, IReadOnlyList<SubStep> Steps)
{
    /// <summary>The last global epoch of the phase.</summary>
    public int LastEpoch => FirstEpoch + Epochs - 1;

    /// <summary>Minibatches of one turn through the sub-steps (the sum of their repeats); summed once, as every step asks.</summary>
    public int Cycle { get; } = Steps.Sum(s => s.Repeat);

    /// <summary>
    /// The sub-step of minibatch <paramref name="step"/> of the phase (counted from 0): the sub-steps are taken in turn,
    /// each <see cref="SubStep.Repeat"/> times.
    /// </summary>
    public SubStep StepAt(long step)
    {
        if (Steps.Count == 1)
        {
            return Steps[0];
        }

        var at = (int)(((step % Cycle) + Cycle) % Cycle);
        for (var i = 0; i < Steps.Count; i++)
        {
            var s = Steps[i];
            if (at < s.Repeat)
            {
                return s;
            }

            at -= s.Repeat;
        }

        throw new InvalidOperationException("unreachable: the cycle is the sum of the repeats");
    }
}

/// <summary>
/// Groups and phases of a model. A v1 file (no <c>"groups"</c>, no <c>"program"</c>) compiles into one group
/// <c>default</c> holding every parameter and one phase over the model's loss, which trains exactly as before.
/// </summary>
public sealed class TrainingProgram
{
    /// <summary>Most groups a model may have: a push names its groups as bits of one 64-bit mask.</summary>
    public const int MaxGroups = 64;

    /// <summary>The mask of a push that updates every group (what a push without a mask means on the wire).</summary>
    public const ulong AllGroups = 0;

    private readonly int[] _groupOf;

    /// <summary>Builds the program; <paramref name="groupOf"/>[p] is parameter p's group.</summary>
    public TrainingProgram(IReadOnlyList<ParameterGroup> groups, int[] groupOf, IReadOnlyList<TrainingPhase> phases, bool written)
    {
        Groups = groups;
        _groupOf = groupOf;
        Phases = phases;
        Written = written;
    }

    /// <summary>The groups; index is the group id on the wire (<c>ChunkInfo.Group</c>, push masks).</summary>
    public IReadOnlyList<ParameterGroup> Groups { get; }

    /// <summary>The phases in order.</summary>
    public IReadOnlyList<TrainingPhase> Phases { get; }

    /// <summary>True when the model file has a <c>"program"</c>: the job's epochs are then the phases'.</summary>
    public bool Written { get; }

    /// <summary>True when the model has more than the one implicit group (its shards need a per-group optimizer table).</summary>
    public bool HasGroups => Groups.Count > 1 || Groups[0].Frozen;

    /// <summary>Epochs over all phases.</summary>
    public int TotalEpochs => Phases.Sum(p => p.Epochs);

    /// <summary>The group of parameter <paramref name="parameter"/>.</summary>
    public int GroupOf(int parameter) => _groupOf[parameter];

    /// <summary>
    /// The phase of global epoch <paramref name="epoch"/> (1-based). An epoch past the program (a v1 job trains as many
    /// epochs as it is told) stays in the last phase.
    /// </summary>
    public TrainingPhase PhaseAt(int epoch)
    {
        // An index loop: every training step asks, and an interface's enumerator would allocate each time.
        for (var i = 0; i < Phases.Count; i++)
        {
            if (epoch <= Phases[i].LastEpoch)
            {
                return Phases[i];
            }
        }

        return Phases[^1];
    }

    /// <summary>Group <paramref name="group"/>'s optimizer: its own fields over <paramref name="training"/>.</summary>
    public OptimizerSettings OptimizerOf(int group, OptimizerSettings training) => Groups[group].Optimizer.Over(training);

    /// <summary>Whether a push with <paramref name="mask"/> updates group <paramref name="group"/> (frozen groups never are).</summary>
    public static bool Updates(ulong mask, int group) => mask == AllGroups || (mask & (1UL << group)) != 0;
}
