// embedding: a learned table of vectors looked up by integer id, with the scatter-add gradient of the table.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Graph;
using Dtrain.Models.Initializers;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>
/// ids (batch, ...) of integers in [0, vocab) carried as exact floats -> (batch, ..., dim): row id of a (vocab, dim)
/// table. Attributes: <c>vocab</c> and <c>dim</c> (required), <c>weight_init</c> (default normal with scale 1, as PyTorch).
/// </summary>
public sealed class Embedding : Op
{
    /// <inheritdoc/>
    public override string Name => "embedding";

    /// <inheritdoc/>
    public override int Arity => 1;

    /// <inheritdoc/>
    public override OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs)
    {
        if (!inputs[0].Batched)
        {
            throw attrs.Error($"ids (input 0) must have a batch axis, got {inputs[0]}");
        }

        var vocab = attrs.RequiredPositiveInt("vocab");
        var dim = attrs.RequiredPositiveInt("dim");
        var init = attrs.OptionalInitializer("weight_init", new Initializer(InitKind.Normal, 1f));
        return new OpSignature(new TensorType([.. inputs[0].Dims, dim], true), [new("weight", [vocab, dim], init, vocab, dim)]);
    }

    /// <inheritdoc/>
    public override void Forward(OpRun run)
    {
        // ids: (B, ...) as floats  weight: (V, D)  y: (B, ..., D)
        var (count, vocab, dim) = Sizes(run);
        var (node, perExample) = (run.Node.Spec.Id, run.InputType(0).Size);
        string Describe(int position, float id) =>
            $"node '{node}' (embedding): id {id} (example {position / perExample}, position {position % perExample}) is not an integer in [0, {vocab})";

        // A device backend may defer the check to its next host read (no wait in the middle of forward).
        var bad = run.Backend.EmbeddingLookup(run.Input(0), run.Parameter(0), run.Output, count, vocab, dim, Describe);
        if (bad >= 0)
        {
            Span<float> id = stackalloc float[1];
            run.Backend.Download(run.Input(0).Slice(bad, 1), id);
            throw new DtrainException(Describe(bad, id[0]));
        }
    }

    /// <inheritdoc/>
    public override void Backward(OpRun run)
    {
        // dweight[id] += dy[i] for every position i holding id; ids are discrete, so they get no gradient.
        var (count, vocab, dim) = Sizes(run);
        run.Backend.EmbeddingBackward(run.Input(0), run.OutputGradient, run.ParameterGradient(0), count, vocab, dim, run.AccumulateParameterGradients);
        if (run.InputGradient(0, out var accumulate) is { } dids && !accumulate)
        {
            run.Backend.Fill(dids, 0f);
        }
    }

    private static (int Count, int Vocab, int Dim) Sizes(OpRun run)
    {
        var dim = run.OutputType.Dims[^1];
        return (run.Batch * run.InputType(0).Size, run.Parameter(0).Length / dim, dim);
    }
}
