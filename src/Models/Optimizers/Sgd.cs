// Plain stochastic gradient descent, w -= lr * (g + wd * w), as PyTorch's SGD with momentum 0.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Dtrain.Models.Optimizers;

/// <summary>Plain SGD with optional L2 weight decay: <c>w -= lr * (g + weightDecay * w)</c>. Keeps no state.</summary>
public sealed class Sgd : IOptimizer
{
    private readonly float _learningRate;
    private readonly float _weightDecay;

    /// <summary>Creates the optimizer; <see cref="Optimizers.Create"/> validates the settings first.</summary>
    public Sgd(float learningRate, float weightDecay = 0f)
    {
        _learningRate = learningRate;
        _weightDecay = weightDecay;
    }

    /// <inheritdoc />
    public string Name => "sgd";

    /// <inheritdoc />
    public int StateSlots => 0;

    /// <inheritdoc />
    public UpdateRule Rule => new(UpdateKind.Sgd, _learningRate, _weightDecay);

    /// <inheritdoc />
    public void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, Span<float> s0, Span<float> s1, long step, float learningRateScale = 1f)
    {
        ChunkArguments.Check(Name, StateSlots, parameters.Length, gradient.Length, s0.Length, s1.Length, step);
        int n = parameters.Length;
        ref float w = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradient);
        float lr = _learningRate * learningRateScale, wd = _weightDecay;
        int i = 0;

        // Widest vectors first, then one narrower pass for what is left, then scalars. Each lane does the
        // same unfused multiply/add as the scalar tail, so a value does not depend on where a chunk starts.
        if (Vector512.IsHardwareAccelerated)
        {
            var vlr = Vector512.Create(lr);
            var vwd = Vector512.Create(wd);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var wi = Vector512.LoadUnsafe(ref w, (nuint)i);
                var gi = Vector512.LoadUnsafe(ref g, (nuint)i) + vwd * wi;
                (wi - vlr * gi).StoreUnsafe(ref w, (nuint)i);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var vlr = Vector256.Create(lr);
            var vwd = Vector256.Create(wd);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var wi = Vector256.LoadUnsafe(ref w, (nuint)i);
                var gi = Vector256.LoadUnsafe(ref g, (nuint)i) + vwd * wi;
                (wi - vlr * gi).StoreUnsafe(ref w, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            ref float wi = ref Unsafe.Add(ref w, i);
            float gi = Unsafe.Add(ref g, i) + wd * wi;
            wi -= lr * gi;
        }
    }
}
