// rbm: a restricted Boltzmann machine trained by contrastive divergence (CD-k) as a loss, so a training phase with
// rule "cd" runs it through the ordinary push-and-apply path; its W, bv and bh are parameter nodes a DBN's
// fine-tuning layers can share.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>
/// Inputs: visible units v (B, V) in [0, 1], weights W (V, H), visible bias bv (V), hidden bias bh (H). Attribute
/// <c>k</c>: Gibbs steps (default 1). Forward: h0 = sigmoid(v W + bh); a binary sample of h0; then k times
/// v_i = sigmoid(h W^T + bv) and h_i = sigmoid(v_i W + bh) as probabilities, sampling h between steps. Output: the
/// scalar reconstruction error mean((v - v_k)^2). Backward (Hinton's practical guide, probabilities throughout):
/// dW = -(v^T h0 - v_k^T h_k) / B, dbv = -mean_b(v - v_k), dbh = -mean_b(h0 - h_k): the CD-k update negated, not
/// the derivative of the output. No gradient to v. Samples come from <see cref="OpRun.StepSeed"/> as dropout's do.
/// </summary>
public sealed class Rbm : Op
{
    /// <summary>Largest k: CD-k is used with k from 1 to a few dozen; far beyond, a step would run for hours.</summary>
    public const int MaxGibbsSteps = 1000;

    /// <inheritdoc/>
    public override string Name => "rbm";

    /// <inheritdoc/>
    public override int Arity => 4;

    /// <inheritdoc/>
    public override bool IsLoss => true;

    /// <summary>
    /// The seed of the hidden sample drawn before Gibbs step <paramref name="draw"/> + 1 (the first is the node's
    /// step seed itself, as a <c>bernoulli</c> node would draw).
    /// </summary>
    internal static ulong SampleSeed(ulong stepSeed, int draw) => stepSeed ^ ((ulong)draw * 0x9E3779B97F4A7C15UL);

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs)
    {
        ExpectBatchedRank(attrs, inputs, 0, 1, "visible units (input 0)");
        var v = inputs[0].Dims[0];
        if (inputs[1].Batched || inputs[1].Rank != 2 || inputs[1].Dims[0] != v)
        {
            throw attrs.Error($"weights (input 1) must be ({v}, hidden) for visible units {inputs[0]}, got {inputs[1]}");
        }

        var h = inputs[1].Dims[1];
        if (!inputs[2].SameShape(new TensorType([v], false)))
        {
            throw attrs.Error($"visible bias (input 2) must be ({v}), got {inputs[2]}");
        }

        if (!inputs[3].SameShape(new TensorType([h], false)))
        {
            throw attrs.Error($"hidden bias (input 3) must be ({h}), got {inputs[3]}");
        }

        var k = attrs.OptionalPositiveInt("k", 1);
        if (k > MaxGibbsSteps)
        {
            // Each step of training runs k Gibbs steps: an absurd k would hang the job instead of failing it.
            throw attrs.Error($"k (Gibbs steps of CD-k) must be at most {MaxGibbsSteps:N0}, got {k:N0}");
        }

        // h0, the hidden sample, v_k, h_k.
        return new OpSignature(TensorType.Scalar, [], new Config(v, h, k), [new WorkspaceSpec(h), new WorkspaceSpec(h), new WorkspaceSpec(v), new WorkspaceSpec(h)]);
    }

    /// <inheritdoc/>
    public override void Forward(OpRun run)
    {
        // v: (B, V)  W: (V, H)  bv: (V)  bh: (H)  h0, sample, hk: (B, H)  vk: (B, V)  loss: ()
        var (nv, nh, k) = (Config)run.Config!;
        var (be, b, seed) = (run.Backend, run.Batch, run.StepSeed);
        var (v, w, bv, bh) = (run.Input(0), run.Input(1), run.Input(2), run.Input(3));
        var (h0, sample, vk, hk) = (run.Workspace(0), run.Workspace(1), run.Workspace(2), run.Workspace(3));
        be.DenseForward(v, w, bh, Activation.Sigmoid, h0, b, nv, nh);
        be.Bernoulli(h0, sample, SampleSeed(seed, 0));
        for (var step = 1; step <= k; step++)
        {
            // Visible probabilities from the hidden sample, then hidden probabilities from them.
            be.Gemm(false, true, b, nv, nh, 1f, sample, w, 0f, vk);
            be.AddBias(vk, bv, b, nv);
            be.Activate(Activation.Sigmoid, vk, vk);
            be.DenseForward(vk, w, bh, Activation.Sigmoid, hk, b, nv, nh);
            if (step < k)
            {
                be.Bernoulli(hk, sample, SampleSeed(seed, step));
            }
        }

        be.MeanSquaredError(vk, v, b * nv, run.Output, null, false);
    }

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        // Positive statistics from the data (v, h0) minus negative ones from the chain (v_k, h_k), each over B.
        var (nv, nh, _) = (Config)run.Config!;
        var (be, b) = (run.Backend, run.Batch);
        var (v, h0, vk, hk) = (run.Input(0), run.Workspace(0), run.Workspace(2), run.Workspace(3));
        var scale = 1f / b;
        if (run.InputGradient(1, out var accumulate) is { } dw)
        {
            be.Gemm(true, false, nv, nh, b, -scale, v, h0, accumulate ? 1f : 0f, dw);
            be.Gemm(true, false, nv, nh, b, scale, vk, hk, 1f, dw);
        }

        if (run.InputGradient(2, out accumulate) is { } dbv)
        {
            be.ReduceAxis(v, dbv, 1, b, nv, -scale, accumulate);
            be.ReduceAxis(vk, dbv, 1, b, nv, scale, accumulate: true);
        }

        if (run.InputGradient(3, out accumulate) is { } dbh)
        {
            be.ReduceAxis(h0, dbh, 1, b, nh, -scale, accumulate);
            be.ReduceAxis(hk, dbh, 1, b, nh, scale, accumulate: true);
        }
    }

    private sealed record Config(int Visible, int Hidden, int K);
}
