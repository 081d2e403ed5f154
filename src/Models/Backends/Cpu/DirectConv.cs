// Direct stride-1 convolution for AVX-512: the GEMM of im2col, but reading its B rows straight from a
// zero-padded copy of the image, so there is neither an im2col matrix to write nor a B panel to pack.
// At LeNet-5's sizes those two copies cost more than the multiply-adds (K is 25 or 150, filters 6 or 16).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Dtrain.Models.Backends.Cpu;

/// <summary>
/// With stride 1, im2col row k = (c, i, j) at output (oy, ox) is xp[c, oy + i, ox + j] of the padded image xp
/// (C, Hp, Wp). Numbering outputs "wide", p = oy * Wp + ox with ox running over the whole padded width, makes
/// that xp[offset(k) + p] with offset(k) = (c * Hp + i) * Wp + j: every im2col row is a contiguous window of xp.
/// The kernels compute Wp - OutW junk columns per output row (14% of conv1's work, 40% of conv2's), which are
/// dropped when the wide rows are copied out, and zero in the wide dy so they add nothing to the gradients.
/// </summary>
internal static unsafe partial class DirectConv
{
    /// <summary>Whether <paramref name="g"/> takes the direct path on this CPU (pointwise kernels need no im2col anyway).</summary>
    public static bool Applies(in Window2d g) =>
        Avx512F.IsSupported && g.StrideH == 1 && g.StrideW == 1 && !g.IsPointwise;

    /// <summary>Forward for one example: y (filters, OutH, OutW) from x (C, H, W).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(in Plan plan, float* x, float* y, float* part, int* offsets, float* weights, float* bias)
    {
        var g = plan.Window;
        float* xp = part + plan.ImageAt;
        float* wide = part + plan.WideAt;
        LoadImage(plan, x, xp);
        for (int f = 0; f < plan.Filters; f += 8)
        {
            // Blocks of 8 filters, the last one as 6 when that covers it; the last 16 columns as a narrow tile.
            bool six = plan.Filters - f <= 6;
            float* w = weights + ((long)f * plan.Patch);
            float* o = wide + ((long)f * plan.WideLength);
            int p = 0;
            for (; p + 32 <= plan.WideLength; p += 32)
            {
                if (six)
                {
                    ForwardTile<Rows6Wide>(w, offsets, plan.Patch, xp + p, bias + f, o + p, plan.WideLength);
                }
                else
                {
                    ForwardTile<Rows8Wide>(w, offsets, plan.Patch, xp + p, bias + f, o + p, plan.WideLength);
                }
            }

            if (p < plan.WideLength)
            {
                if (six)
                {
                    ForwardTile<Rows6Narrow>(w, offsets, plan.Patch, xp + p, bias + f, o + p, plan.WideLength);
                }
                else
                {
                    ForwardTile<Rows8Narrow>(w, offsets, plan.Patch, xp + p, bias + f, o + p, plan.WideLength);
                }
            }
        }

        int outH = g.OutH, outW = g.OutW;
        for (int f = 0; f < plan.Filters; f++)
        {
            for (int oy = 0; oy < outH; oy++)
            {
                Im2Col.CopyShort(wide + ((long)f * plan.WideLength) + (oy * plan.PaddedW), y + ((((long)f * outH) + oy) * outW), outW);
            }
        }
    }

    /// <summary>
    /// Backward for one example: adds dy's weight gradient to the part's lane accumulators and, when
    /// <paramref name="dx"/> is not null, writes (or adds, with <paramref name="accumulate"/>) the input gradient.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(in Plan plan, float* x, float* dy, float* dx, bool accumulate, float* part, int* offsets, float* rows)
    {
        var g = plan.Window;
        float* xp = part + plan.ImageAt;
        float* wide = part + plan.WideAt;
        float* acc = part + plan.LanesAt;
        LoadImage(plan, x, xp);
        int outH = g.OutH, outW = g.OutW;
        for (int f = 0; f < plan.Filters; f++)
        {
            for (int oy = 0; oy < outH; oy++)
            {
                Im2Col.CopyShort(dy + ((((long)f * outH) + oy) * outW), wide + ((long)f * plan.WideLength) + (oy * plan.PaddedW), outW);
            }
        }

        for (int f = 0; f < plan.Filters4; f += 4)
        {
            for (int k = 0; k < plan.Patch4; k += 4)
            {
                WeightBlock(wide + ((long)f * plan.WideLength), plan.WideLength, xp, offsets + k, plan.WideLength, acc + ((((long)f * plan.Patch4) + (4 * k)) * 16));
            }
        }

        if (dx == null)
        {
            return;
        }

        float* dxp = part + plan.InputGradientAt;
        float* columns = part + plan.ColumnsAt;
        for (int k = 0; k < plan.Patch8; k += 8)
        {
            float* c = columns + ((long)k * plan.WideLength);
            int p = 0;
            for (; p + 32 <= plan.WideLength; p += 32)
            {
                InputTile<Rows8Wide>(rows + k, plan.Patch8, plan.Filters, wide + p, plan.WideLength, c + p, plan.WideLength);
            }

            if (p < plan.WideLength)
            {
                InputTile<Rows8Narrow>(rows + k, plan.Patch8, plan.Filters, wide + p, plan.WideLength, c + p, plan.WideLength);
            }
        }

        new Span<float>(dxp, plan.ImageLength).Clear();
        AddColumns(columns, offsets, plan.Patch, plan.WideLength, dxp);

        for (int c = 0; c < g.Channels; c++)
        {
            for (int iy = 0; iy < g.Height; iy++)
            {
                float* from = dxp + ((((long)c * plan.PaddedH) + iy + g.PadH) * plan.PaddedW) + g.PadW;
                float* to = dx + ((((long)c * g.Height) + iy) * g.Width);
                if (accumulate)
                {
                    Im2Col.AddShort(from, to, g.Width);
                }
                else
                {
                    Im2Col.CopyShort(from, to, g.Width);
                }
            }
        }
    }

    /// <summary>Sums the part's lane accumulators into dw (filters, PatchSize), overwriting it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ReduceWeights(in Plan plan, float* part, float* dw)
    {
        float* acc = part + plan.LanesAt;
        for (int f = 0; f < plan.Filters; f++)
        {
            for (int k = 0; k < plan.Patch; k++)
            {
                // Block (f / 4, k / 4) holds 16 pairs of 16 lanes, pair (f % 4, k % 4) at (f % 4) * 4 + k % 4;
                // it starts (4 * (f / 4) * Patch4 + 16 * (k / 4)) * 16 floats in, as Backward lays them out.
                long block = (((long)(f & ~3) * plan.Patch4) + (16 * (k / 4))) * 16;
                dw[((long)f * plan.Patch) + k] = Vector512.Sum(Vector512.Load(acc + block + ((((f % 4) * 4) + (k % 4)) * 16)));
            }
        }
    }

    /// <summary>Zeroes the lane accumulators of the weight gradient, at the start of each chunk of examples.</summary>
    public static void ClearLanes(in Plan plan, float* part) =>
        new Span<float>(part + plan.LanesAt, plan.ColumnsAt - plan.LanesAt).Clear();

    /// <summary>Zeroes what a part's examples rely on being zero: the image border, the junk columns of wide dy, the accumulators.</summary>
    public static void ClearPart(in Plan plan, float* part) =>
        new Span<float>(part + plan.ImageAt, plan.ColumnsAt - plan.ImageAt).Clear();

    /// <summary>
    /// The weights in the forward tiles' layout: for each block of 8 filters (6 for a last block that fits in 6),
    /// (PatchSize, rows), filters past the last zero; the bias padded to a multiple of 8; and (filters, Patch8) rows for the input gradient.
    /// </summary>
    public static void PackWeights(in Plan plan, float* w, float* bias, float* packed, float* packedBias, float* rows)
    {
        int k = plan.Patch;
        for (int f0 = 0; f0 < plan.Filters; f0 += 8)
        {
            // As Forward tiles them: 8 rows a block, the last block 6 when its filters fit in 6.
            int rows8 = plan.Filters - f0 <= 6 ? 6 : 8;
            for (int p = 0; p < k; p++)
            {
                for (int r = 0; r < rows8; r++)
                {
                    packed[((long)f0 * k) + (p * rows8) + r] = f0 + r < plan.Filters ? w[((long)(f0 + r) * k) + p] : 0f;
                }
            }
        }

        for (int f = 0; f < plan.Filters8; f++)
        {
            packedBias[f] = bias != null && f < plan.Filters ? bias[f] : 0f;
        }

        for (int f = 0; f < plan.Filters; f++)
        {
            for (int p = 0; p < plan.Patch8; p++)
            {
                rows[((long)f * plan.Patch8) + p] = p < k ? w[((long)f * k) + p] : 0f;
            }
        }
    }

    /// <summary>offset(k) = (c * Hp + i) * Wp + j for each patch row k = (c, i, j); rows past the last read offset 0.</summary>
    public static void Offsets(in Plan plan, int* offsets)
    {
        var g = plan.Window;
        int k = 0;
        for (int c = 0; c < g.Channels; c++)
        {
            for (int i = 0; i < g.KernelH; i++)
            {
                for (int j = 0; j < g.KernelW; j++)
                {
                    offsets[k++] = (((c * plan.PaddedH) + i) * plan.PaddedW) + j;
                }
            }
        }

        for (; k < plan.Patch8; k++)
        {
            offsets[k] = 0;
        }
    }

    /// <summary>Copies x (C, H, W) into the interior of xp (C, Hp, Wp); the border stays as cleared.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LoadImage(in Plan plan, float* x, float* xp)
    {
        var g = plan.Window;
        for (int c = 0; c < g.Channels; c++)
        {
            for (int iy = 0; iy < g.Height; iy++)
            {
                Im2Col.CopyShort(x + ((((long)c * g.Height) + iy) * g.Width), xp + ((((long)c * plan.PaddedH) + iy + g.PadH) * plan.PaddedW) + g.PadW, g.Width);
            }
        }
    }

    /// <summary>The sizes of one geometry's layout, and where each buffer sits in a part's scratch.</summary>
    internal readonly struct Plan
    {
        public Plan(Window2d window, int filters)
        {
            Window = window;
            Filters = filters;
            PaddedH = window.Height + (2 * window.PadH);
            PaddedW = window.Width + (2 * window.PadW);
            WideLength = RoundUp(window.OutH * PaddedW, 16);
            Patch = window.PatchSize;
            Patch8 = RoundUp(Patch, 8);
            Patch4 = RoundUp(Patch, 4);
            Filters8 = RoundUp(filters, 8);
            Filters4 = RoundUp(filters, 4);

            // Tiles read xp up to the last row's offset plus a whole wide row: a few floats past the image.
            long lastOffset = (((long)(window.Channels - 1) * PaddedH) + window.KernelH - 1) * PaddedW + window.KernelW - 1;
            ImageLength = RoundUp((int)Math.Max((long)window.Channels * PaddedH * PaddedW, lastOffset + WideLength), 16);
            ImageAt = 0;
            WideAt = ImageAt + ImageLength;
            InputGradientAt = WideAt + (Filters8 * WideLength);
            LanesAt = InputGradientAt + ImageLength;
            ColumnsAt = LanesAt + (Filters4 * Patch4 * 16);
            PartLength = ColumnsAt + (Patch8 * WideLength);
        }

        public Window2d Window { get; }

        public int Filters { get; }

        public int PaddedH { get; }

        public int PaddedW { get; }

        /// <summary>Wide output positions, OutH * Wp rounded up to whole vectors (tiles are 32 wide, the last may be 16).</summary>
        public int WideLength { get; }

        public int Patch { get; }

        public int Patch8 { get; }

        public int Patch4 { get; }

        public int Filters8 { get; }

        public int Filters4 { get; }

        /// <summary>Floats of xp (and dxp), with room for the tiles' overreach.</summary>
        public int ImageLength { get; }

        /// <summary>Where each buffer starts in a part's scratch.</summary>
        public int ImageAt { get; }

        public int WideAt { get; }

        public int InputGradientAt { get; }

        public int LanesAt { get; }

        /// <summary>The input gradient in wide im2col form, (Patch8, WideLength); written whole before it is read.</summary>
        public int ColumnsAt { get; }

        public int PartLength { get; }

        private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;
    }
}
