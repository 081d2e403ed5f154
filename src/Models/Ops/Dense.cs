// dense: a fully connected layer, y = x W + b, with its gradients.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Graph;
using Dtrain.Models.Initializers;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>
/// y = x W + b. Attributes: <c>units</c> (required), <c>weight_init</c> (default glorot_uniform),
/// <c>bias_init</c> (default zeros), <c>use_bias</c> (default true).
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
        var parameters = new List<ParameterSpec> { new("weight", [inFeatures, units], weightInit, inFeatures, units) };
        if (useBias)
        {
            parameters.Add(new("bias", [units], attrs.OptionalInitializer("bias_init", Initializer.Zeros), inFeatures, units));
        }

        return new OpSignature(new TensorType([units], true), parameters);
    }

    /// <inheritdoc/>
    public override void Forward(OpRun run)
    {
        // x: (B, K)  W: (K, N)  b: (N)  y: (B, N)
        var (b, k, n) = (run.Batch, run.InputType(0).Dims[0], run.OutputType.Dims[0]);
        run.Backend.Gemm(false, false, b, n, k, 1f, run.Input(0), run.Parameter(0), 0f, run.Output);
        if (run.ParameterCount > 1)
        {
            run.Backend.AddBias(run.Output, run.Parameter(1), b, n);
        }
    }

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        // dy: (B, N)  dW = x^T dy: (K, N)  db = sum_rows dy: (N)  dx = dy W^T: (B, K)
        var (b, k, n) = (run.Batch, run.InputType(0).Dims[0], run.OutputType.Dims[0]);
        var dy = run.OutputGradient;
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
}
