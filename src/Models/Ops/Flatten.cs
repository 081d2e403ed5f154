// flatten: (batch, d1, d2, ...) -> (batch, d1 * d2 * ...), e.g. between the conv layers and the dense ones.
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>Collapses every axis but the batch axis into one. No attributes.</summary>
public sealed class Flatten : ReshapeOp
{
    /// <inheritdoc/>
    public override string Name => "flatten";

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs)
    {
        if (!inputs[0].Batched || inputs[0].Rank < 1)
        {
            throw attrs.Error($"input must be batched with at least one axis besides the batch, got {inputs[0]}");
        }

        return new OpSignature(new TensorType([inputs[0].Size], true), []);
    }
}
