// The optimizer updates as ILGPU kernels, one thread per parameter. Each is the scalar loop of the optimizer
// class it is named after, operation for operation, so the device and the parameter-server shards agree.
using ILGPU;
using ILGPU.Algorithms;

namespace Dtrain.Models.Backends.Ilgpu;

/// <summary>
/// The scalars of one optimizer update, worked out on the host once per step (Adam's in double) and passed by
/// value. <see cref="Rate"/> is the learning rate times this update's scale, or Adam's bias-corrected step size.
/// </summary>
internal readonly record struct OptimizerScalars(
    float Rate,
    float WeightDecay,
    float Beta1,
    float OneMinusBeta1,
    float Beta2,
    float OneMinusBeta2,
    float Epsilon,
    float Keep,
    float Bias2Sqrt);

internal static partial class IlgpuKernels
{
    /// <summary>Sgd: g' = g + wd w; w -= lr g'.</summary>
    public static void SgdStep(Index1D i, ArrayView<float> w, ArrayView<float> g, ArrayView<float> s0, ArrayView<float> s1, OptimizerScalars k)
    {
        var wi = w[i];
        var gi = g[i] + (k.WeightDecay * wi);
        w[i] = wi - (k.Rate * gi);
    }

    /// <summary>Momentum: g' = g + wd w; v = mu v + g'; w -= lr v. s0 is v.</summary>
    public static void MomentumStep(Index1D i, ArrayView<float> w, ArrayView<float> g, ArrayView<float> s0, ArrayView<float> s1, OptimizerScalars k)
    {
        var wi = w[i];
        var gi = g[i] + (k.WeightDecay * wi);
        var vi = (k.Beta1 * s0[i]) + gi;
        s0[i] = vi;
        w[i] = wi - (k.Rate * vi);
    }

    /// <summary>Nesterov: g' = g + wd w; v = mu v + g'; w -= lr (g' + mu v). s0 is v.</summary>
    public static void NesterovStep(Index1D i, ArrayView<float> w, ArrayView<float> g, ArrayView<float> s0, ArrayView<float> s1, OptimizerScalars k)
    {
        var wi = w[i];
        var gi = g[i] + (k.WeightDecay * wi);
        var vi = (k.Beta1 * s0[i]) + gi;
        s0[i] = vi;
        w[i] = wi - (k.Rate * (gi + (k.Beta1 * vi)));
    }

    /// <summary>Adagrad: g' = g + wd w; s += g'^2; w -= lr g' / (sqrt(s) + eps). s0 is s.</summary>
    public static void AdagradStep(Index1D i, ArrayView<float> w, ArrayView<float> g, ArrayView<float> s0, ArrayView<float> s1, OptimizerScalars k)
    {
        var wi = w[i];
        var gi = g[i] + (k.WeightDecay * wi);
        var si = s0[i] + (gi * gi);
        s0[i] = si;
        w[i] = wi - (k.Rate * (gi / (XMath.Sqrt(si) + k.Epsilon)));
    }

    /// <summary>RmsProp: g' = g + wd w; v = a v + (1 - a) g'^2; w -= lr g' / (sqrt(v) + eps). s0 is v.</summary>
    public static void RmsPropStep(Index1D i, ArrayView<float> w, ArrayView<float> g, ArrayView<float> s0, ArrayView<float> s1, OptimizerScalars k)
    {
        var wi = w[i];
        var gi = g[i] + (k.WeightDecay * wi);
        var vi = (k.Beta1 * s0[i]) + (k.OneMinusBeta1 * (gi * gi));
        s0[i] = vi;
        w[i] = wi - (k.Rate * (gi / (XMath.Sqrt(vi) + k.Epsilon)));
    }

    /// <summary>
    /// Adadelta: g' = g + wd w; v = rho v + (1 - rho) g'^2; d = sqrt(u + eps) / sqrt(v + eps) g';
    /// u = rho u + (1 - rho) d^2; w -= lr d. s0 is v, s1 is u.
    /// </summary>
    public static void AdadeltaStep(Index1D i, ArrayView<float> w, ArrayView<float> g, ArrayView<float> s0, ArrayView<float> s1, OptimizerScalars k)
    {
        var wi = w[i];
        var gi = g[i] + (k.WeightDecay * wi);
        var vi = (k.Beta1 * s0[i]) + (k.OneMinusBeta1 * (gi * gi));
        var ui = s1[i];
        var di = XMath.Sqrt(ui + k.Epsilon) / XMath.Sqrt(vi + k.Epsilon) * gi;
        s0[i] = vi;
        s1[i] = (k.Beta1 * ui) + (k.OneMinusBeta1 * (di * di));
        w[i] = wi - (k.Rate * di);
    }

    /// <summary>
    /// Adam and AdamW: w *= keep; g' = g + l2 w; m = b1 m + (1 - b1) g'; v = b2 v + (1 - b2) g'^2;
    /// w -= stepSize m / (sqrt(v) / sqrt(1 - b2^t) + eps). AdamW has keep = 1 - lr wd and l2 = 0, Adam keep = 1
    /// and l2 = wd (<see cref="OptimizerScalars.WeightDecay"/>). s0 is m, s1 is v.
    /// </summary>
    public static void AdamStep(Index1D i, ArrayView<float> w, ArrayView<float> g, ArrayView<float> s0, ArrayView<float> s1, OptimizerScalars k)
    {
        var wi = w[i] * k.Keep;
        var gi = g[i] + (k.WeightDecay * wi);
        var mi = (k.Beta1 * s0[i]) + (k.OneMinusBeta1 * gi);
        var vi = (k.Beta2 * s1[i]) + (k.OneMinusBeta2 * (gi * gi));
        s0[i] = mi;
        s1[i] = vi;
        var denominator = (XMath.Sqrt(vi) / k.Bias2Sqrt) + k.Epsilon;
        w[i] = wi - (k.Rate * (mi / denominator));
    }
}
