// conv2d_transpose: the transposed ("fractionally strided") convolution a DCGAN generator upsamples with: the
// adjoint of conv2d, so its forward is conv2d's input gradient and its input gradient is conv2d's forward.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends;
using Dtrain.Models.Graph;
using Dtrain.Models.Initializers;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>
/// x (B, C, H, W) -> y (B, filters, (H - 1) stride - 2 padding + kh, (W - 1) stride - 2 padding + kw), e.g. 7x7 ->
/// 14x14 with kernel 4, stride 2, padding 1. Attributes: <c>filters</c> and <c>kernel</c> (int or [kh, kw])
/// required; <c>stride</c> (default 1), <c>padding</c> (int or [ph, pw], default 0), <c>use_bias</c> (default
/// true), <c>weight_init</c> (default he_uniform, fan-in C*kh*kw), <c>bias_init</c> (default zeros). Weight:
/// (C, filters, kh, kw), as PyTorch's ConvTranspose2d. y is the input gradient of the conv2d over y's shape with
/// that weight (C filters, filters channels) for output gradient x.
/// </summary>
public sealed class Conv2dTranspose : Op
{
    /// <inheritdoc/>
    public override string Name => "conv2d_transpose";

    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs)
    {
        var x = inputs[0];
        if (!x.Batched || x.Rank != 3)
        {
            throw attrs.Error($"input must be (batch, channels, height, width), got {x}");
        }

        var filters = attrs.RequiredPositiveInt("filters");
        var (kh, kw) = attrs.RequiredPair("kernel");
        var (sh, sw) = attrs.OptionalPair("stride", (1, 1), minimum: 1);
        var (ph, pw) = attrs.OptionalPair("padding", (0, 0), minimum: 0);
        var (c, h, w) = (x.Dims[0], x.Dims[1], x.Dims[2]);
        long outH = ((long)(h - 1) * sh) - (2L * ph) + kh, outW = ((long)(w - 1) * sw) - (2L * pw) + kw;
        if (outH < 1 || outW < 1 || outH > ModelLimits.MaxDimension || outW > ModelLimits.MaxDimension)
        {
            throw attrs.Error($"output size {outH}x{outW} is not a positive size of at most {ModelLimits.MaxDimension:N0} "
                + $"(input {x}, kernel {kh}x{kw}, stride {sh}x{sw}, padding {ph}x{pw})");
        }

        // The conv2d this is the adjoint of: over y's shape, with x's channels as its filters.
        var window = new Window2d(filters, (int)outH, (int)outW, kh, kw, sh, sw, ph, pw);
        var (patch, plane) = ((long)window.PatchSize, (long)window.OutputPlane);
        if (patch > ModelLimits.MaxParameterElements || patch * plane > ModelLimits.MaxBatchElements / Conv2d.ColumnSlots)
        {
            throw attrs.Error($"kernel {kh}x{kw} over output ({filters}, {outH}, {outW}) makes {patch:N0} values per window "
                + $"at {plane:N0} positions, more than the {ModelLimits.MaxBatchElements / Conv2d.ColumnSlots:N0} allowed");
        }

        var (fanIn, fanOut) = (checked(c * kh * kw), checked(filters * kh * kw));
        var parameters = new List<ParameterSpec>
        {
            new("weight", [c, filters, kh, kw], attrs.OptionalInitializer("weight_init", new Initializer(InitKind.HeUniform)), fanIn, fanOut),
        };
        var biasInit = attrs.OptionalInitializer("bias_init", Initializer.Zeros);
        var withBias = attrs.OptionalBool("use_bias", true);
        if (withBias)
        {
            parameters.Add(new("bias", [filters], biasInit, fanIn, fanOut));
        }

        // Columns; the bias spread over a plane (filters, OutH OutW); per-example bias sums (filters); dx when it
        // must be added to another consumer's.
        WorkspaceSpec[] workspaces =
        [
            new(0, checked(window.ColumnSize * Conv2d.ColumnSlots)),
            new(0, window.InputSize),
            new(filters),
            new(x.Size),
        ];
        return new OpSignature(new TensorType([filters, (int)outH, (int)outW], true), parameters, new Config(window, c, withBias), workspaces);
    }

    /// <inheritdoc/>
    public override void Forward(OpRun run)
    {
        // x: (B, C, H, W)  W: (C, F, kh, kw)  b: (F)  y: (B, F, OutH, OutW)
        var (g, c, withBias) = (Config)run.Config!;
        var (be, b, y) = (run.Backend, run.Batch, run.Output);
        be.Conv2dTransposeForward(g, c, b, run.Input(0), run.Parameter(0), y, run.Workspace(0));
        if (withBias)
        {
            // y[e, f, p] += bias[f]: the bias spread over one plane, added as a broadcast row to every example.
            var spread = run.Workspace(1);
            be.BroadcastAxis(run.Parameter(1), spread, g.Channels, g.Height * g.Width, 1, 1f, accumulate: false);
            be.Binary(BinaryFunction.Add, y, false, spread, true, y, b, g.InputSize, accumulate: false);
        }
    }

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        // dy: (B, F, OutH, OutW)  dW: (C, F, kh, kw)  db: (F)  dx: (B, C, H, W)
        var (g, c, withBias) = (Config)run.Config!;
        var (be, b, dy, accumulate) = (run.Backend, run.Batch, run.OutputGradient, run.AccumulateParameterGradients);

        // dW: the adjoint conv2d's weight gradient, whose input is dy and whose output gradient is x.
        be.Conv2dBackward(g, c, b, dy, run.Parameter(0), run.Input(0), run.ParameterGradient(0), null, accumulate, null, false, run.Workspace(0));
        if (withBias)
        {
            var sums = run.Workspace(2);
            be.ReduceAxis(dy, sums, b * g.Channels, g.Height * g.Width, 1, 1f, accumulate: false);
            be.ReduceAxis(sums, run.ParameterGradient(1), 1, b, g.Channels, 1f, accumulate);
        }

        // dx: the adjoint conv2d's forward pass over dy.
        if (run.InputGradient(0, out var inputAccumulates) is { } dx)
        {
            var target = inputAccumulates ? run.Workspace(3) : dx;
            be.Conv2dForward(g, c, b, dy, run.Parameter(0), null, target, run.Workspace(0));
            if (inputAccumulates)
            {
                be.Accumulate(target, dx);
            }
        }
    }

    private sealed record Config(Window2d Window, int InputChannels, bool WithBias);
}
