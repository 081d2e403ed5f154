// A contiguous view of a backend buffer: what ops read and write. Shapes live with the graph node.
namespace Dtrain.Models.Tensors;

/// <summary>
/// A contiguous run of floats inside an <see cref="IBuffer"/>. A parameter is a view into the one flat
/// parameter buffer, so pushes and pulls move the whole model as a single block.
/// </summary>
public readonly record struct Tensor(IBuffer Buffer, int Offset, int Length)
{
    /// <summary>A view of the first <paramref name="length"/> floats (a smaller batch in a buffer sized for the largest).</summary>
    public Tensor Prefix(int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length);
        return this with { Length = length };
    }

    /// <summary>A view of <paramref name="length"/> floats starting <paramref name="start"/> floats in.</summary>
    public Tensor Slice(int start, int length)
    {
        if (start < 0 || length < 0 || start + length > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"slice [{start}, {start + length}) is outside a tensor of {Length}");
        }

        return new Tensor(Buffer, Offset + start, length);
    }
}
