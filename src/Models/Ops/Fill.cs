// fill: a constant of the input's type, e.g. the all-ones and all-zeros targets of a GAN's cross-entropy losses.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>x -> same shape, every element <c>value</c> (required); x gives only the shape and batch size. No gradient.</summary>
public sealed class Fill : Op
{
    /// <inheritdoc/>
    public override string Name => "fill";

    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs)
    {
        var value = attrs.OptionalFloat("value", float.NaN);
        return float.IsNaN(value) ? throw attrs.Error("missing required attribute 'value'") : new OpSignature(inputs[0], [], value);
    }

    /// <inheritdoc/>
    public override void Forward(OpRun run)
    {
        // y: (B, ...), whatever x holds.
        run.Backend.Fill(run.Output, (float)run.Config!);
    }

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        // y does not depend on x's values: no gradient.
    }
}
