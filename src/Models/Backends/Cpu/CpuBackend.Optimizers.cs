// The optimizer update on the CPU backend: the optimizer's own SIMD loop over the tensors' host memory.
using Dtrain.Models.Optimizers;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public void OptimizerStep(IOptimizer optimizer, Tensor parameters, Tensor gradient, Tensor s0, Tensor s1, long step, float learningRateScale)
    {
        ArgumentNullException.ThrowIfNull(optimizer);

        // A slot the optimizer does not use may be default(Tensor), which has no buffer to view: pass it empty.
        // Apply checks the used slots' lengths and the step itself.
        optimizer.Apply(
            Span(parameters),
            Span(gradient),
            StateSpan(s0, optimizer.StateSlots >= 1),
            StateSpan(s1, optimizer.StateSlots >= 2),
            step,
            learningRateScale);
    }

    private static Span<float> StateSpan(Tensor slot, bool used) => used && slot.Buffer is not null ? Span(slot) : [];
}
