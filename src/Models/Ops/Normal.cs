// normal: seeded Gaussian noise of a per-example shape, e.g. a GAN generator's latent input.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>
/// x (B, ...) -> (B, shape) of independent draws from N(<c>mean</c>, <c>std</c>^2); x gives only the batch size.
/// Draws come from <see cref="OpRun.StepSeed"/> and the element index, as dropout's mask does: identical on every
/// backend, different every step, and drawn in evaluation too. Attributes: <c>shape</c> (required, per example),
/// <c>mean</c> (default 0), <c>std</c> (default 1, at least 0). No gradient.
/// </summary>
public sealed class Normal : Op
{
    /// <inheritdoc/>
    public override string Name => "normal";

    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs)
    {
        if (!inputs[0].Batched)
        {
            throw attrs.Error($"input must have a batch axis (it sets the batch size), got {inputs[0]}");
        }

        var shape = attrs.RequiredShape("shape");
        var mean = attrs.OptionalFloat("mean", 0f);
        var std = attrs.OptionalFloatInRange("std", 1f, 0f, float.MaxValue);
        return new OpSignature(new TensorType(shape, true), [], new Config(mean, std));
    }

    /// <inheritdoc/>
    public override void Forward(OpRun run)
    {
        // y: (B, shape)
        var c = (Config)run.Config!;
        run.Backend.Normal(run.Output, c.Mean, c.Std, run.StepSeed);
    }

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        // Noise does not depend on x's values: no gradient.
    }

    private sealed record Config(float Mean, float Std);
}
