// Image kernels over NCHW tensors: im2col and its gather-form adjoint col2im. Backward gathers into each input
// pixel instead of scattering from each output, so sums come out in a fixed order.
using ILGPU;

namespace Dtrain.Models.Backends.Ilgpu;

internal static partial class IlgpuKernels
{
    /// <summary>columns[e, p, q] = x_e at patch row p = (c, ky, kx) and output position q = (oy, ox), 0 in the padding.</summary>
    public static void Im2Col(Index1D i, ArrayView<float> x, ArrayView<float> columns, Window2d g)
    {
        int plane = g.OutH * g.OutW, columnSize = g.KernelH * g.KernelW * g.Channels * plane;
        var e = i / columnSize;
        var rest = i - (e * columnSize);
        int p = rest / plane, q = rest - (p * plane);
        int kx = p % g.KernelW, ky = (p / g.KernelW) % g.KernelH, c = p / (g.KernelW * g.KernelH);
        int oy = q / g.OutW, ox = q - (oy * g.OutW);
        int iy = (oy * g.StrideH) - g.PadH + ky, ix = (ox * g.StrideW) - g.PadW + kx;
        var inside = iy >= 0 && iy < g.Height && ix >= 0 && ix < g.Width;
        columns[i] = inside ? x[(e * g.Channels * g.Height * g.Width) + (((c * g.Height) + iy) * g.Width) + ix] : 0f;
    }

    /// <summary>dx[e, c, iy, ix] (+)= the sum of every column entry im2col copied from that pixel.</summary>
    public static void Col2Im(Index1D i, ArrayView<float> columns, ArrayView<float> dx, Window2d g, int accumulate)
    {
        int plane = g.OutH * g.OutW, input = g.Channels * g.Height * g.Width;
        var e = i / input;
        var rest = i - (e * input);
        int c = rest / (g.Height * g.Width), iy = (rest / g.Width) % g.Height, ix = rest % g.Width;
        var start = e * g.KernelH * g.KernelW * g.Channels * plane;
        var sum = 0f;
        for (var ky = 0; ky < g.KernelH; ky++)
        {
            var ty = iy + g.PadH - ky;
            if (ty < 0 || ty % g.StrideH != 0 || ty / g.StrideH >= g.OutH)
            {
                continue;
            }

            for (var kx = 0; kx < g.KernelW; kx++)
            {
                var tx = ix + g.PadW - kx;
                if (tx < 0 || tx % g.StrideW != 0 || tx / g.StrideW >= g.OutW)
                {
                    continue;
                }

                var p = (((c * g.KernelH) + ky) * g.KernelW) + kx;
                sum += columns[start + (p * plane) + ((ty / g.StrideH) * g.OutW) + (tx / g.StrideW)];
            }
        }

        dx[i] = accumulate != 0 ? dx[i] + sum : sum;
    }
}
