// The optimizer update as a backend kernel, so a device that holds the parameters and gradients can train
// locally without sending either to the host.
using Dtrain.Models.Optimizers;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends;

public partial interface IBackend
{
    /// <summary>
    /// One update of <paramref name="parameters"/> in place by <paramref name="optimizer"/>'s rule: the same
    /// formula, state layout and argument checks as <see cref="IOptimizer.Apply"/>, run where the tensors live.
    /// A state slot the optimizer does not use (slot index at or past <see cref="IOptimizer.StateSlots"/>) is
    /// neither checked nor touched, so it may be any tensor, <c>default</c> included; a used slot must be as long
    /// as the parameters and start at zero before the first step.
    /// </summary>
    /// <param name="optimizer">The rule and its hyperparameters (<see cref="IOptimizer.Rule"/>).</param>
    /// <param name="parameters">The parameters, updated in place.</param>
    /// <param name="gradient">The gradient, as long as <paramref name="parameters"/>.</param>
    /// <param name="s0">The first state slot (velocity, first moment, mean square), updated in place.</param>
    /// <param name="s1">The second state slot (Adam's second moment, AdaDelta's mean square update), updated in place.</param>
    /// <param name="step">The 1-based number of this update (Adam's bias correction).</param>
    /// <param name="learningRateScale">Factor on the configured learning rate for this update; 1 without a schedule.</param>
    /// <exception cref="ArgumentException">A tensor's length differs from the parameters', or the step is below 1.</exception>
    void OptimizerStep(IOptimizer optimizer, Tensor parameters, Tensor gradient, Tensor s0, Tensor s1, long step, float learningRateScale);
}
