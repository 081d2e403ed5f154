// Large activations split over the backend's threads: LeNet-5's first ReLU is 128 x 4704 floats, 2.4 MB each
// way, which one core streams through its L2 in about as long as the convolution beside it takes on two.
using System.Runtime.CompilerServices;
using static Dtrain.Models.Backends.KernelArguments;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Cpu;

public sealed partial class CpuBackend
{
    /// <summary>Below this many elements an activation stays on the calling thread: waking a helper costs more.</summary>
    private const int PointwiseSplitThreshold = 1 << 16;

    /// <summary>Elements per claimed chunk: a multiple of 64 floats, so chunks start on cache lines of aligned tensors.</summary>
    private const int PointwiseChunk = 1 << 14;

    private PointwiseCall _pointwise;
    private Action<int>? _activatePart;
    private Action<int>? _activateBackwardPart;

    private bool SplitsPointwise(int length) => Threads > 1 && length >= PointwiseSplitThreshold;

    private void ActivateInParts(Activation f, Tensor x, Tensor y)
    {
        CheckLength(x.Length, y.Length, nameof(Activate));
        _pointwise = new PointwiseCall(f, x, y, default, default, false);
        RunParts((x.Length + PointwiseChunk - 1) / PointwiseChunk, _activatePart ??= ActivatePart);
    }

    private void ActivateBackwardInParts(Activation f, Tensor x, Tensor y, Tensor dy, Tensor dx, bool accumulate)
    {
        CheckLength(x.Length, dx.Length, nameof(ActivateBackward));
        _pointwise = new PointwiseCall(f, x, y, dy, dx, accumulate);
        RunParts((x.Length + PointwiseChunk - 1) / PointwiseChunk, _activateBackwardPart ??= ActivateBackwardPart);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ActivatePart(int part)
    {
        var a = _pointwise;
        for (int chunk; (chunk = ClaimItem()) >= 0;)
        {
            var (start, length) = Chunk(chunk, a.X.Length);
            ActivateRange(a.Function, a.X.Slice(start, length), a.Y.Slice(start, length));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ActivateBackwardPart(int part)
    {
        var a = _pointwise;
        for (int chunk; (chunk = ClaimItem()) >= 0;)
        {
            var (start, length) = Chunk(chunk, a.X.Length);
            ActivateBackwardRange(a.Function, a.X.Slice(start, length), a.Y.Slice(start, length), a.Dy.Slice(start, length), a.Dx.Slice(start, length), a.Accumulate);
        }
    }

    private static (int Start, int Length) Chunk(int chunk, int total)
    {
        int start = chunk * PointwiseChunk;
        return (start, Math.Min(PointwiseChunk, total - start));
    }

    /// <summary>The arguments of the split activation in flight.</summary>
    private readonly record struct PointwiseCall(Activation Function, Tensor X, Tensor Y, Tensor Dy, Tensor Dx, bool Accumulate);
}
