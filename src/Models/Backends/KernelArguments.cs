// Argument checks every backend makes before it launches a kernel, so each names the same fault the same way.
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends;

/// <summary>Shared checks of kernel arguments: an <see cref="ArgumentException"/> naming the kernel and operand.</summary>
internal static class KernelArguments
{
    /// <summary>Fails when <paramref name="t"/> holds fewer than <paramref name="needed"/> floats.</summary>
    public static void CheckHolds(Tensor t, long needed, string what, string kernel)
    {
        if (t.Length < needed)
        {
            throw new ArgumentException($"{kernel}: {what} holds {t.Length} floats but needs {needed}");
        }
    }

    /// <summary>A convolution's geometry and every operand's size (bias may be absent).</summary>
    public static void CheckConv(Window2d g, int filters, int batch, Tensor x, Tensor w, Tensor? bias, Tensor y, Tensor columns, string kernel)
    {
        if (g.OutH < 1 || g.OutW < 1 || filters < 1 || batch < 0)
        {
            throw new ArgumentException($"{kernel}: empty geometry {g} with {filters} filters, batch {batch}");
        }

        CheckHolds(x, (long)batch * g.InputSize, "x", kernel);
        CheckHolds(w, (long)filters * g.PatchSize, "w", kernel);
        CheckHolds(y, (long)batch * filters * g.OutputPlane, "y", kernel);
        CheckHolds(columns, g.ColumnSize, "columns", kernel);
        if (bias is { } b)
        {
            CheckHolds(b, filters, "bias", kernel);
        }
    }
}
