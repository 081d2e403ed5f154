// Argument checks every backend makes before it launches a kernel, so each names the same fault the same way.
using System.Runtime.CompilerServices;
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

    /// <summary>Fails when a source and a target that must match in length do not.</summary>
    public static void CheckLength(int source, int target, string operation)
    {
        if (source != target)
        {
            throw new ArgumentException($"{operation}: source has {source} floats but target has {target}");
        }
    }

    /// <summary>An elementwise operand: a (rows x cols) matrix, or one row of cols when broadcast down the rows.</summary>
    public static void CheckOperand(Tensor t, bool broadcast, int rows, int cols, string kernel)
    {
        var want = broadcast ? cols : rows * cols;
        if (t.Length != want)
        {
            throw new ArgumentException($"{kernel}: an operand has {t.Length} floats but {(broadcast ? $"a broadcast row of {cols}" : $"a {rows} x {cols} matrix")} needs {want}");
        }
    }

    /// <summary>A pooling window's geometry, and the image and pooled tensors of a batch.</summary>
    public static void CheckPool(Window2d g, int batch, Tensor image, Tensor pooled, string kernel)
    {
        if (g.OutH < 1 || g.OutW < 1 || batch < 0)
        {
            throw new ArgumentException($"{kernel}: empty geometry {g}, batch {batch}");
        }

        CheckHolds(image, (long)batch * g.InputSize, "the image tensor", kernel);
        CheckHolds(pooled, (long)batch * g.Channels * g.OutputPlane, "the pooled tensor", kernel);
    }

    /// <summary>
    /// The bounds of a strided block copy: <paramref name="rows"/> rows of <paramref name="cols"/> floats, row r at
    /// r * stride + offset, must lie inside each row's stride and inside each tensor.
    /// </summary>
    public static void CheckStridedCopy(Tensor src, int srcStride, int srcOffset, Tensor dst, int dstStride, int dstOffset, int rows, int cols, string kernel)
    {
        if (srcOffset < 0 || dstOffset < 0 || srcOffset + cols > srcStride || dstOffset + cols > dstStride
            || ((rows - 1) * srcStride) + srcOffset + cols > src.Length || ((rows - 1) * dstStride) + dstOffset + cols > dst.Length)
        {
            throw new ArgumentException($"{kernel}: {rows} rows of {cols} floats do not fit a source of {src.Length} (stride {srcStride}, offset {srcOffset}) and a target of {dst.Length} (stride {dstStride}, offset {dstOffset})");
        }
    }

    /// <summary>
    /// A strided row view (a GEMM operand, a recurrent time step) that must hold <paramref name="rows"/> rows of
    /// <paramref name="cols"/> floats: the last row ends at (rows - 1) * stride + cols.
    /// </summary>
    public static void CheckView(StridedMatrix m, int rows, int cols, string name, [CallerMemberName] string kernel = "")
    {
        var needed = rows == 0 || cols == 0 ? 0L : ((long)(rows - 1) * m.Stride) + cols;
        if (rows < 0 || cols < 0 || m.Stride < cols || m.Data.Length < needed)
        {
            throw new ArgumentException($"{kernel}: {name} is a view of {m.Data.Length} floats with stride {m.Stride}, too small for {rows} x {cols}", name);
        }
    }
}
