// Matrix products on the device: plain, strided-row (recurrent time steps) and batched GEMM all launch the one
// tiled kernel; bias rows and column sums are the small linear-algebra kernels around them.
using static Dtrain.Models.Backends.KernelArguments;
using Dtrain.Models.Tensors;
using ILGPU;
using ILGPU.Runtime;

namespace Dtrain.Models.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc/>
    public void Gemm(bool transA, bool transB, int m, int n, int k, float alpha, Tensor a, Tensor b, float beta, Tensor c) =>
        GemmStrided(transA, transB, m, n, k, alpha, new StridedMatrix(a, transA ? m : k), new StridedMatrix(b, transB ? k : n), beta, new StridedMatrix(c, n));

    /// <inheritdoc/>
    public void BatchedGemm(bool transA, bool transB, int batch, int m, int n, int k, float alpha, Tensor a, Tensor b, float beta, Tensor c)
    {
        CheckLength(a.Length, batch * m * k, nameof(BatchedGemm));
        CheckLength(b.Length, batch * k * n, nameof(BatchedGemm));
        CheckLength(c.Length, batch * m * n, nameof(BatchedGemm));
        var p = new GemmArgs(m, n, k, Flag(transA), Flag(transB), alpha, beta, transA ? m : k, transB ? k : n, n, m * k, k * n, m * n, 0);
        LaunchGemm(p, batch, V(a), V(b), V(c), _dummy.View);
    }

    /// <inheritdoc/>
    public void DenseForward(Tensor x, Tensor w, Tensor? bias, Activation? f, Tensor y, int rows, int k, int n)
    {
        CheckView(new StridedMatrix(x, k), rows, k, "x");
        CheckView(new StridedMatrix(w, n), k, n, "W");
        CheckView(new StridedMatrix(y, n), rows, n, "y");
        if (bias is { } b)
        {
            CheckLength(b.Length, n, nameof(DenseForward));
        }

        // The bias and f run in the GEMM's store: one launch writes y once.
        var p = new GemmArgs(rows, n, k, 0, 0, 1f, 0f, k, n, n, 0, 0, 0, bias is null ? 0 : 2) { Activation = EpilogueActivation(f) };
        LaunchGemm(p, 1, V(x), V(w), V(y), V(bias));
    }

    /// <summary>The GEMM epilogue's code for <paramref name="f"/>: 0 none, then <see cref="Activation"/> + 1.</summary>
    internal static int EpilogueActivation(Activation? f) => f is { } a ? (int)a + 1 : 0;

    /// <inheritdoc/>
    public void AddBias(Tensor x, Tensor bias, int rows, int cols) => Run(rows * cols, IlgpuKernels.AddBias, V(x), V(bias), cols);

    /// <inheritdoc/>
    public void SumRows(Tensor x, Tensor dst, int rows, int cols, bool accumulate) =>
        Run(cols, IlgpuKernels.ColumnSums, V(x), _dummy.View, V(dst), rows, cols, 0, Flag(accumulate));

    /// <summary>Launches the tiled GEMM over <paramref name="batch"/> products: one group per 4T x 4T block of each C.</summary>
    private void LaunchGemm(GemmArgs p, int batch, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> bias)
    {
        if (p.M == 0 || p.N == 0 || batch == 0)
        {
            return;
        }

        var block = Tile * IlgpuKernels.GemmMicro;
        var grid = new Index3D((p.N + block - 1) / block, (p.M + block - 1) / block, batch);
        var config = new KernelConfig(grid, new Index3D(Tile, Tile, 1), SharedMemoryConfig.RequestDynamic<float>(2 * Tile * block));
        RunGrouped(config, IlgpuKernels.Gemm, p, a, b, c, bias);
    }

    /// <inheritdoc/>
    public void GemmStrided(bool transA, bool transB, int m, int n, int k, float alpha, StridedMatrix a, StridedMatrix b, float beta, StridedMatrix c)
    {
        CheckView(a, transA ? k : m, transA ? m : k, "A");
        CheckView(b, transB ? n : k, transB ? k : n, "B");
        CheckView(c, m, n, "C");
        var p = new GemmArgs(m, n, k, Flag(transA), Flag(transB), alpha, beta, a.Stride, b.Stride, c.Stride, 0, 0, 0, 0);
        LaunchGemm(p, 1, V(a.Data), V(b.Data), V(c.Data), _dummy.View);
    }
}
