// The largest model dtrain agrees to build: sizes are counted in long against these bounds before anything is
// allocated, so an absurd model file is one clear line instead of an overflow, a negative count or an OOM.
using System.Globalization;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Graph;

/// <summary>
/// Bounds on a model's sizes. Each is far beyond what trains on one machine (the MNIST examples use under a million
/// parameters) yet small enough that every size derived from them fits the <c>int</c> lengths of .NET arrays, the flat
/// parameter vector's offsets and the wire's chunk indices.
/// </summary>
public static class ModelLimits
{
    /// <summary>Largest size attribute or shape dimension (units, filters, vocab, a kernel, a shape entry).</summary>
    public const int MaxDimension = 1 << 24;

    /// <summary>Largest rank of a shape (a model input, a parameter, a reshape).</summary>
    public const int MaxRank = 8;

    /// <summary>Most floats one example of one value may hold (256 MiB).</summary>
    public const long MaxValueElements = 1L << 26;

    /// <summary>Most floats one parameter tensor may hold (512 MiB).</summary>
    public const long MaxParameterElements = 1L << 27;

    /// <summary>Most floats all parameters together may hold (1 GiB): every shard, worker and checkpoint holds a copy.</summary>
    public const long MaxTotalParameters = 1L << 28;

    /// <summary>Most nodes a model file may have.</summary>
    public const int MaxNodes = 100_000;

    /// <summary>Most floats one replica's activations, gradients and workspaces may take for a whole batch (4 GiB).</summary>
    public const long MaxBatchElements = 1L << 30;

    /// <summary>Elements of a shape, counted in long and saturating at <see cref="long.MaxValue"/>, so no product overflows.</summary>
    public static long Elements(IReadOnlyList<int> dims)
    {
        long size = 1;
        foreach (var d in dims)
        {
            if (d <= 0)
            {
                return d == 0 ? 0 : -1;
            }

            size = size > long.MaxValue / d ? long.MaxValue : size * d;
        }

        return size;
    }

    /// <summary>
    /// Refuses a batch whose buffers would not fit: each value, gradient and workspace of the executor holds
    /// <paramref name="batch"/> examples, and all of them together must stay within <see cref="MaxBatchElements"/>.
    /// <paramref name="option"/> names where the batch came from (<c>--batch</c>, <c>training.batch</c>).
    /// </summary>
    public static void CheckBatch(CompiledModel model, int batch, string option)
    {
        if (BatchProblem(model, batch, training: true) is { } problem)
        {
            throw new DtrainException($"{option} {batch.ToString("N0", CultureInfo.InvariantCulture)} is too large for {model.Spec.File}: {problem}");
        }
    }

    /// <summary>Why <paramref name="batch"/> examples do not fit the executor's buffers, or null when they do.</summary>
    public static string? BatchProblem(CompiledModel model, int batch, bool training)
    {
        long total = 0;
        string? largest = null;
        long largestSize = 0;
        void Add(string what, long perExample, long fixedSize, int copies)
        {
            var size = Sum(Product(perExample, batch), fixedSize);
            if (size > largestSize)
            {
                (largest, largestSize) = (what, size);
            }

            total = Sum(total, Product(size, copies));
        }

        foreach (var value in model.Values)
        {
            if (value.Producer >= 0 && model.Nodes[value.Producer].Op.OutputIsParameter)
            {
                continue;
            }

            var perExample = value.Type.Batched ? Elements(value.Type.Dims) : 0;
            Add($"value '{value.Name}'", perExample, value.Type.Batched ? 0 : Elements(value.Type.Dims), training && value.RequiresGradient ? 2 : 1);
        }

        foreach (var node in model.Nodes)
        {
            for (var w = 0; w < node.Workspaces.Count; w++)
            {
                Add($"workspace {w} of node '{node.Spec.Id}'", node.Workspaces[w].PerExample, node.Workspaces[w].Fixed, 1);
            }
        }

        var c = CultureInfo.InvariantCulture;
        if (largestSize > Array.MaxLength)
        {
            return string.Create(c, $"{largest} would hold {largestSize:N0} floats for the batch, more than one buffer can ({Array.MaxLength:N0})");
        }

        return total > MaxBatchElements
            ? string.Create(c, $"its activations would take {total:N0} floats for the batch, more than the {MaxBatchElements:N0} a replica may use")
            : null;
    }

    /// <summary>a x b for non-negative counts, saturating at <see cref="long.MaxValue"/>.</summary>
    internal static long Product(long a, long b) => b != 0 && a > long.MaxValue / b ? long.MaxValue : a * b;

    /// <summary>a + b for non-negative counts, saturating at <see cref="long.MaxValue"/>.</summary>
    internal static long Sum(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;

    /// <summary>Checks a per-example value type: its rank and size; the problem, or null when it fits.</summary>
    internal static string? ValueProblem(TensorType type)
    {
        var c = CultureInfo.InvariantCulture;
        if (type.Rank > MaxRank)
        {
            return string.Create(c, $"its output {type} has rank {type.Rank}, more than the {MaxRank} allowed");
        }

        // An unbatched value is a parameter or made from parameters: it has the parameters' bound.
        var (size, limit) = (Elements(type.Dims), type.Batched ? MaxValueElements : MaxParameterElements);
        return size > limit
            ? string.Create(c, $"its output {Shape(type.Dims)} holds {Count(size)} floats{(type.Batched ? " per example" : "")}, more than the {limit:N0} allowed")
            : null;
    }

    /// <summary>A shape written for people, <c>784x3000000</c>.</summary>
    internal static string Shape(IReadOnlyList<int> dims) => dims.Count == 0 ? "()" : string.Join("x", dims.Select(d => d.ToString(CultureInfo.InvariantCulture)));

    /// <summary>A count for people, or "more than 9e18" when it saturated.</summary>
    internal static string Count(long n) => n == long.MaxValue ? "more than 9e18" : n.ToString("N0", CultureInfo.InvariantCulture);
}
