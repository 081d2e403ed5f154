// The static type of a value in the DAG: its per-example shape and whether it has a leading batch axis.
namespace Dtrain.Models.Tensors;

/// <summary>
/// Shape of one graph value. <see cref="Dims"/> excludes the batch axis; <see cref="Batched"/> says
/// whether the runtime value has a leading batch axis (data and activations do, parameters and the
/// loss do not).
/// </summary>
public sealed record TensorType(int[] Dims, bool Batched)
{
    /// <summary>The scalar type of a loss.</summary>
    public static TensorType Scalar { get; } = new([], false);

    /// <summary>Number of elements per example (or in total, when not batched).</summary>
    public int Size
    {
        get
        {
            var size = 1;
            foreach (var d in Dims)
            {
                // Checked: a model's compiler bounds every size, so an overflow here is a bug to stop at, not wrap.
                size = checked(size * d);
            }

            return size;
        }
    }

    /// <summary>Rank excluding the batch axis.</summary>
    public int Rank => Dims.Length;

    /// <summary>Shape as people write it, e.g. <c>(batch, 512)</c> or <c>()</c>.</summary>
    public override string ToString()
    {
        var dims = Dims.Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return "(" + string.Join(", ", Batched ? dims.Prepend("batch") : dims) + ")";
    }

    /// <summary>Shape equality (records compare arrays by reference, so compare dims here).</summary>
    public bool SameShape(TensorType other) => Batched == other.Batched && Dims.AsSpan().SequenceEqual(other.Dims);
}
