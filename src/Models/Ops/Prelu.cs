// prelu: leaky ReLU whose negative slope is learned, one per channel (He et al. 2015).
using Dtrain.Models.Autodiff;
using Dtrain.Models.Graph;
using Dtrain.Models.Initializers;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>
/// x (batch, C, ...) -> same shape, y = x for x &gt; 0, slope[c] x otherwise, with one slope per feature of a
/// (batch, F) input or per channel of a (batch, C, H, W) one. Attribute: <c>slope_init</c> (default constant 0.25).
/// </summary>
public sealed class Prelu : Op
{
    /// <inheritdoc/>
    public override string Name => "prelu";

    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs)
    {
        var x = inputs[0];
        if (!x.Batched || x.Rank < 1)
        {
            throw attrs.Error($"input must be (batch, features) or (batch, channels, ...), got {x}");
        }

        var c = x.Dims[0];
        var init = attrs.OptionalInitializer("slope_init", new Initializer(InitKind.Constant, 0.25f));
        return new OpSignature(x, [new ParameterSpec("slope", [c], init, c, c)]);
    }

    /// <inheritdoc/>
    public override void Forward(OpRun run)
    {
        // x, y: (B, C, inner)  slope: (C)
        var (c, inner) = Layout(run);
        run.Backend.Prelu(run.Input(0), run.Parameter(0), run.Output, run.Batch, c, inner);
    }

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        // dslope[c] = sum over x <= 0 of dy x  dx = dy (x > 0 ? 1 : slope[c])
        var (c, inner) = Layout(run);
        var dx = run.InputGradient(0, out var accumulate);
        run.Backend.PreluBackward(run.Input(0), run.Parameter(0), run.OutputGradient, dx, run.ParameterGradient(0), run.Batch, c, inner, accumulate, run.AccumulateParameterGradients);
    }

    private static (int Channels, int Inner) Layout(OpRun run)
    {
        var type = run.InputType(0);
        return (type.Dims[0], type.Size / type.Dims[0]);
    }
}
