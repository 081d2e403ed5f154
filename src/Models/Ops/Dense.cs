// dense: a fully connected layer, y = f(x W + b) with an optional activation f, and its gradients.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends;
using Dtrain.Models.Graph;
using Dtrain.Models.Initializers;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>
/// y = f(x W + b). Attributes: <c>units</c> (required), <c>weight_init</c> (default glorot_uniform),
/// <c>bias_init</c> (default zeros), <c>use_bias</c> (default true), <c>activation</c> (relu, sigmoid, tanh;
/// default none). The activation is the same as a following relu/sigmoid/tanh node, fused: a device backend
/// applies it in the GEMM's store, one launch instead of three, and backward needs only y.
/// </summary>
public sealed class Dense : Op
{
    /// <inheritdoc/>
    public override string Name => "dense";

    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs)
    {
        ExpectBatchedRank(attrs, inputs, 0, 1, "input");
        var inFeatures = inputs[0].Dims[0];
        var units = attrs.RequiredPositiveInt("units");
        var weightInit = attrs.OptionalInitializer("weight_init", new Initializer(InitKind.GlorotUniform));
        var useBias = attrs.OptionalBool("use_bias", true);
        var biasInit = attrs.OptionalInitializer("bias_init", Initializer.Zeros);
        var parameters = new List<ParameterSpec> { new("weight", [inFeatures, units], weightInit, inFeatures, units) };
        if (useBias)
        {
            parameters.Add(new("bias", [units], biasInit, inFeatures, units));
        }

        var activation = attrs.OptionalActivation("activation");

        // Backward turns dy into dz = dy f'(z) (from y) in a workspace before the products.
        return new OpSignature(new TensorType([units], true), parameters, new Config(activation),
            activation is null ? null : [new WorkspaceSpec(PerExample: units)]);
    }

    /// <inheritdoc/>
    public override void Forward(OpRun run)
    {
        // x: (B, K)  W: (K, N)  b: (N)  y: (B, N)
        var (b, k, n) = (run.Batch, run.InputType(0).Dims[0], run.OutputType.Dims[0]);
        var bias = run.ParameterCount > 1 ? run.Parameter(1) : (Tensor?)null;
        run.Backend.DenseForward(run.Input(0), run.Parameter(0), bias, ((Config)run.Config!).Activation, run.Output, b, k, n);
    }

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        // dy: (B, N)  dW = x^T dy: (K, N)  db = sum_rows dy: (N)  dx = dy W^T: (B, K)
        var (b, k, n) = (run.Batch, run.InputType(0).Dims[0], run.OutputType.Dims[0]);
        var dy = run.OutputGradient;
        if (((Config)run.Config!).Activation is { } f)
        {
            // dz: (B, N) = dy f'(z), with f' from y (ReLU: y > 0 exactly where z > 0).
            var dz = run.Workspace(0);
            run.Backend.ActivateBackward(f, run.Output, run.Output, dy, dz, accumulate: false);
            dy = dz;
        }

        var accumulate = run.AccumulateParameterGradients;
        run.Backend.Gemm(true, false, k, n, b, 1f, run.Input(0), dy, accumulate ? 1f : 0f, run.ParameterGradient(0));
        if (run.ParameterCount > 1)
        {
            run.Backend.SumRows(dy, run.ParameterGradient(1), b, n, accumulate);
        }

        if (run.InputGradient(0, out var inputAccumulates) is { } dx)
        {
            run.Backend.Gemm(false, true, b, k, n, 1f, dy, run.Parameter(0), inputAccumulates ? 1f : 0f, dx);
        }
    }

    private sealed record Config(Activation? Activation);
}
