// reshape: the same per-example values under a new shape, e.g. (batch, 784) -> (batch, 1, 28, 28).
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>
/// Gives each example the shape in attribute <c>shape</c> (without the batch axis); one entry may be -1,
/// meaning whatever makes the sizes match. Values keep their row-major order.
/// </summary>
public sealed class Reshape : ReshapeOp
{
    /// <inheritdoc/>
    public override string Name => "reshape";

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs)
    {
        var input = inputs[0];
        if (!input.Batched)
        {
            throw attrs.Error($"input must be batched, got {input}");
        }

        var shape = attrs.RequiredIntList("shape");
        var written = "[" + string.Join(", ", shape) + "]";
        if (shape.Length == 0 || shape.Any(d => d == 0 || d < -1) || shape.Count(d => d == -1) > 1)
        {
            throw attrs.Error($"attribute 'shape' must list positive sizes and at most one -1, got {written}");
        }

        long known = shape.Where(d => d > 0).Aggregate(1L, (a, d) => a * d);
        var size = input.Size;
        var free = Array.IndexOf(shape, -1);
        if (free >= 0 && known > 0 && size % known == 0)
        {
            shape[free] = (int)(size / known);
        }
        else if (free >= 0 || known != size)
        {
            throw attrs.Error($"cannot reshape input {input} ({size} values per example) to {written}");
        }

        return new OpSignature(new TensorType(shape, true), []);
    }
}
