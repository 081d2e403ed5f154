// The optimizer update on the device: the rule's scalars are worked out on the host, then one elementwise
// kernel updates parameters and state where they live.
using Dtrain.Models.Optimizers;
using Dtrain.Models.Tensors;
using ILGPU;

namespace Dtrain.Models.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc/>
    public void OptimizerStep(IOptimizer optimizer, Tensor parameters, Tensor gradient, Tensor s0, Tensor s1, long step, float learningRateScale)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        var slots = optimizer.StateSlots;
        ChunkArguments.Check(optimizer.Name, slots, parameters.Length, gradient.Length, s0.Length, s1.Length, step);
        var rule = optimizer.Rule;
        Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, OptimizerScalars> kernel = rule.Kind switch
        {
            UpdateKind.Sgd => IlgpuKernels.SgdStep,
            UpdateKind.Momentum => IlgpuKernels.MomentumStep,
            UpdateKind.Nesterov => IlgpuKernels.NesterovStep,
            UpdateKind.Adagrad => IlgpuKernels.AdagradStep,
            UpdateKind.RmsProp => IlgpuKernels.RmsPropStep,
            UpdateKind.Adadelta => IlgpuKernels.AdadeltaStep,
            UpdateKind.Adam or UpdateKind.AdamW => IlgpuKernels.AdamStep,
            _ => throw new ArgumentOutOfRangeException(nameof(optimizer), rule.Kind, $"{optimizer.Name}: no device kernel for update rule {rule.Kind}"),
        };

        // Unused slots get the placeholder view: the kernel of a rule never reads a slot past its StateSlots.
        Run(parameters.Length, kernel, V(parameters), V(gradient), slots >= 1 ? V(s0) : _dummy.View, slots >= 2 ? V(s1) : _dummy.View, Scalars(rule, step, learningRateScale));
    }

    /// <summary>The kernel's scalars, rounded exactly as the optimizer classes round them on the host.</summary>
    private static OptimizerScalars Scalars(UpdateRule rule, long step, float learningRateScale)
    {
        var (b1, b2) = (rule.Beta1, rule.Beta2);
        if (rule.Kind is UpdateKind.Adam or UpdateKind.AdamW)
        {
            // Adam folds the learning rate into its bias-corrected step size, computed in double; WeightDecay
            // carries the L2 coefficient (0 for AdamW, whose decay is Keep).
            var (stepSize, bias2Sqrt, keep, l2) = Adam.StepScalars(rule, step, learningRateScale);
            return new OptimizerScalars(stepSize, l2, b1, 1f - b1, b2, 1f - b2, rule.Epsilon, keep, bias2Sqrt);
        }

        // The other classes scale the learning rate in float.
        return new OptimizerScalars(rule.LearningRate * learningRateScale, rule.WeightDecay, b1, 1f - b1, b2, 1f - b2, rule.Epsilon, Keep: 1f, Bias2Sqrt: 1f);
    }
}
