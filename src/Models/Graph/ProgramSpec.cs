// The "groups" and "program" sections of a model file as written (model format v2), before they are checked.
using Dtrain.Models.Optimizers;

namespace Dtrain.Models.Graph;

/// <summary>
/// A named set of parameters as written: <paramref name="Params"/> are parameter names or node ids with <c>*</c> and
/// <c>?</c> globs; <paramref name="Optimizer"/> holds only the optimizer fields the group sets itself.
/// </summary>
public sealed record GroupSpec(string Name, string[] Params, bool Frozen, OptimizerOverride Optimizer);

/// <summary>One sub-step of a phase as written: the loss node(s) it minimises, the groups it updates, its repeat count.</summary>
/// <param name="Loss">Loss node ids; their gradients are summed.</param>
/// <param name="Groups">Group names it updates; null: every group that is not frozen.</param>
/// <param name="Repeat">Minibatches it takes in a row before the next sub-step.</param>
public sealed record StepSpec(string[] Loss, string[]? Groups, int Repeat);

/// <summary>One phase of a training program as written.</summary>
/// <param name="Name">The phase's name (tables, errors, the run summary).</param>
/// <param name="Epochs">Passes over the training set it takes.</param>
/// <param name="Steps">Its sub-steps, taken in turn; a phase with a plain <c>loss</c> has exactly one.</param>
/// <param name="Rule">The learning rule: backprop, cd, hebbian or perceptron.</param>
public sealed record PhaseSpec(string Name, int Epochs, IReadOnlyList<StepSpec> Steps, string Rule);

/// <summary>
/// The optimizer fields a group sets; null fields take the training section's value (after command-line overrides),
/// so a group that sets nothing trains exactly like the training section says.
/// </summary>
public sealed record OptimizerOverride(
    string? Type = null,
    float? LearningRate = null,
    float? Momentum = null,
    float? Beta1 = null,
    float? Beta2 = null,
    float? Epsilon = null,
    float? WeightDecay = null,
    float? Alpha = null,
    float? Rho = null,
    LearningRateSchedule? Schedule = null)
{
    /// <summary>Nothing set: the training section's optimizer.</summary>
    public static readonly OptimizerOverride None = new();

    /// <summary>
    /// <paramref name="training"/> with this group's fields in place: every field the group leaves out is the
    /// training section's (a field its optimizer type does not use is ignored, as in the training section).
    /// </summary>
    public OptimizerSettings Over(OptimizerSettings training) => new(
        Type ?? training.Type,
        LearningRate ?? training.LearningRate,
        Momentum ?? training.Momentum,
        Beta1 ?? training.Beta1,
        Beta2 ?? training.Beta2,
        Epsilon ?? training.Epsilon,
        WeightDecay ?? training.WeightDecay,
        Alpha ?? training.Alpha,
        Rho ?? training.Rho,
        Schedule ?? training.Schedule);
}
