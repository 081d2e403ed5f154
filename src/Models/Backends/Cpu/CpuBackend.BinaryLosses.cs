// Binary cross-entropy on logits for the CPU backend, in the overflow-free form.
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public void BinaryCrossEntropyWithLogits(Tensor logits, Tensor targets, int count, Tensor loss, Tensor? dlogits, bool accumulateLogits, Tensor? dtargets, bool accumulateTargets)
    {
        // logits, targets, dlogits, dtargets: (count)  loss: ()
        var z = Span(logits)[..count];
        var y = Span(targets)[..count];
        var dz = dlogits is { } a ? Span(a)[..count] : default;
        var dy = dtargets is { } b ? Span(b)[..count] : default;
        var scale = 1f / count;
        double total = 0;
        for (var i = 0; i < count; i++)
        {
            var (zi, yi) = (z[i], y[i]);
            if (!(yi >= 0f && yi <= 1f))
            {
                throw new DtrainException($"binary cross-entropy target {yi} at element {i} of the batch is outside [0, 1]");
            }

            // -[y log s(z) + (1 - y) log(1 - s(z))] = max(z, 0) - z y + log(1 + e^-|z|): e^-|z| <= 1 never overflows.
            var e = MathF.Exp(-MathF.Abs(zi));
            total += MathF.Max(zi, 0f) - (zi * yi) + MathF.Log(1f + e);
            if (dlogits is not null)
            {
                // sigmoid(z) from the same e^-|z|: 1 / (1 + e) for z >= 0, e / (1 + e) below.
                var sigmoid = zi >= 0f ? 1f / (1f + e) : e / (1f + e);
                var g = (sigmoid - yi) * scale;
                dz[i] = accumulateLogits ? dz[i] + g : g;
            }

            if (dtargets is not null)
            {
                var g = -zi * scale;
                dy[i] = accumulateTargets ? dy[i] + g : g;
            }
        }

        Span(loss)[0] = (float)(total / count);
    }
}
