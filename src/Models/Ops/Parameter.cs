// parameter: a trainable tensor declared in the model file; its output is the (unbatched) tensor itself.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Graph;
using Dtrain.Models.Initializers;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>
/// A weight a custom layer declares: no inputs; attributes <c>shape</c> (required) and <c>init</c>
/// (default <c>glorot_uniform</c> for rank 2 and up, <c>zeros</c> below). Fans for Glorot and He: the
/// last axis is fan-out and the product of the others fan-in, as for a dense weight (K, N); a vector
/// (N) has both fans N. The parameter is named by the node id alone (<c>w1</c>, not <c>w1.value</c>). The
/// executor makes the node's value a view of the parameter, so using it costs no copy.
/// </summary>
public sealed class Parameter : Op
{
    /// <inheritdoc/>
    public override string Name => "parameter";

    /// <inheritdoc/>
    public override int Arity => 0;

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs)
    {
        var shape = attrs.RequiredShape("shape");
        var init = attrs.OptionalInitializer("init", shape.Length >= 2 ? new Initializer(InitKind.GlorotUniform) : Initializer.Zeros);
        var (fanIn, fanOut) = shape.Length switch
        {
            0 => (1, 1),
            1 => (shape[0], shape[0]),
            _ => ((int)Math.Min(int.MaxValue, ModelLimits.Elements(shape[..^1])), shape[^1]),
        };
        return new OpSignature(new TensorType(shape, false), [new ParameterSpec("", shape, init, fanIn, fanOut)]);
    }

    /// <inheritdoc/>
    public override bool OutputIsParameter => true;

    /// <inheritdoc/>
    public override void Forward(OpRun run)
    {
        // y is a view of w (see OutputIsParameter): nothing to compute.
    }

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        // dy is a view of dw: consumers already wrote (or, accumulating steps, added) the parameter's gradient.
    }
}
