// conv2d: a 2-D convolution over NCHW images, y = f(W * x + b); the backend picks the algorithm (im2col + GEMM,
// or on AVX-512 CPUs a direct kernel for stride 1).
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends;
using Dtrain.Models.Graph;
using Dtrain.Models.Initializers;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>
/// 2-D convolution (cross-correlation). Attributes: <c>filters</c> and <c>kernel</c> (int or [kh, kw]) required;
/// <c>stride</c> (default 1), <c>padding</c> (int or [ph, pw] zeros on each side, default 0), <c>use_bias</c>
/// (default true), <c>weight_init</c> (default he_uniform, fan-in C*kh*kw), <c>bias_init</c> (default zeros),
/// <c>activation</c> (relu, sigmoid, tanh; default none: fused as in <see cref="Dense"/>).
/// </summary>
public sealed class Conv2d : Op
{
    /// <summary>
    /// Examples' im2col matrices the column workspace holds at once: one per thread of a CPU backend on
    /// machines of up to this many cores. A batch-sized workspace would cost 4 x batch x C*kh*kw x OutH*OutW
    /// bytes (139 MB for LeNet-5's evaluation batch of 1000) to gain nothing on a CPU.
    /// </summary>
    internal const int ColumnSlots = 8;

    /// <inheritdoc/>
    public override string Name => "conv2d";

    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs)
    {
        var window = ImageWindow.Read(attrs, inputs[0], "kernel");
        var filters = attrs.RequiredPositiveInt("filters");
        var weightInit = attrs.OptionalInitializer("weight_init", new Initializer(InitKind.HeUniform));
        var (fanIn, fanOut) = (window.PatchSize, checked(filters * window.KernelH * window.KernelW));
        var parameters = new List<ParameterSpec>
        {
            new("weight", [filters, window.Channels, window.KernelH, window.KernelW], weightInit, fanIn, fanOut),
        };
        var biasInit = attrs.OptionalInitializer("bias_init", Initializer.Zeros);
        if (attrs.OptionalBool("use_bias", true))
        {
            parameters.Add(new("bias", [filters], biasInit, fanIn, fanOut));
        }

        // With an activation, backward first turns dy into dz = dy f'(z) (from y) in a second workspace.
        var activation = attrs.OptionalActivation("activation");
        WorkspaceSpec columns = new(PerExample: 0, Fixed: checked(window.ColumnSize * ColumnSlots));
        return new OpSignature(ImageWindow.Output(window, filters), parameters, new Config(window, filters, activation),
            activation is null ? [columns] : [columns, new WorkspaceSpec(PerExample: checked(filters * window.OutputPlane))]);
    }

    /// <inheritdoc/>
    public override void Forward(OpRun run)
    {
        // x: (B, C, H, W)  W: (F, C, kh, kw)  b: (F)  y: (B, F, OutH, OutW)
        var config = (Config)run.Config!;
        var bias = run.ParameterCount > 1 ? run.Parameter(1) : (Tensor?)null;
        run.Backend.Conv2dForward(config.Window, config.Filters, run.Batch, run.Input(0), run.Parameter(0), bias, run.Output, run.Workspace(0), config.Activation);
    }

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        // dy: (B, F, OutH, OutW)  dW: (F, C, kh, kw)  db: (F)  dx: (B, C, H, W)
        var config = (Config)run.Config!;
        var db = run.ParameterCount > 1 ? run.ParameterGradient(1) : (Tensor?)null;
        var dx = run.InputGradient(0, out var inputAccumulates);
        var dy = run.OutputGradient;
        if (config.Activation is { } f)
        {
            // dz: (B, F, OutH, OutW) = dy f'(z), with f' from y.
            var dz = run.Workspace(1);
            run.Backend.ActivateBackward(f, run.Output, run.Output, dy, dz, accumulate: false);
            dy = dz;
        }

        run.Backend.Conv2dBackward(config.Window, config.Filters, run.Batch, run.Input(0), run.Parameter(0), dy,
            run.ParameterGradient(0), db, run.AccumulateParameterGradients, dx, inputAccumulates, run.Workspace(0));
    }

    private sealed record Config(Window2d Window, int Filters, Activation? Activation);
}
