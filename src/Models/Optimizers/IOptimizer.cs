// The update rule a parameter-server shard applies to one chunk of parameters when a gradient for it arrives.
namespace Dtrain.Models.Optimizers;

/// <summary>
/// An element-wise optimizer. It holds only hyperparameters; the per-element state (velocity, moments)
/// lives with the shard that owns the chunk and is passed in, so one instance serves every chunk.
/// </summary>
public interface IOptimizer
{
    /// <summary>The optimizer's type name, as written in settings (<c>sgd</c>, <c>momentum</c>, <c>adam</c>).</summary>
    string Name { get; }

    /// <summary>Number of per-element state arrays the optimizer keeps (sgd 0, momentum 1, adam 2); at most 2.</summary>
    int StateSlots { get; }

    /// <summary>
    /// The update <see cref="Apply"/> computes, as data: a device backend runs the same formula from it
    /// (<see cref="Backends.IBackend.OptimizerStep"/>).
    /// </summary>
    UpdateRule Rule { get; }

    /// <summary>
    /// One update of a chunk in place. <paramref name="step"/> is the 1-based count of updates this chunk
    /// has received (Adam's bias correction). <paramref name="learningRateScale"/> multiplies the learning
    /// rate for this update: the shard's <see cref="LearningRateSchedule"/> sets it, 1 without a schedule.
    /// </summary>
    /// <param name="parameters">The chunk's parameters, updated in place.</param>
    /// <param name="gradient">The gradient for the chunk, as long as <paramref name="parameters"/>.</param>
    /// <param name="s0">The first state slot, as long as <paramref name="parameters"/>; empty when unused.</param>
    /// <param name="s1">The second state slot, as long as <paramref name="parameters"/>; empty when unused.</param>
    /// <param name="step">The 1-based number of this update for the chunk.</param>
    /// <param name="learningRateScale">Factor on the configured learning rate for this update.</param>
    void Apply(Span<float> parameters, ReadOnlySpan<float> gradient, Span<float> s0, Span<float> s1, long step, float learningRateScale = 1f);
}
