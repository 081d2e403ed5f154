// Recall of the patterns a Hopfield network stored: each is corrupted (a seeded tenth of its bits flipped) and settled
// by asynchronous updates under the trained weights; the figure is the fraction of bits that come back right.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Data;

namespace Dtrain.Models.Metrics;

/// <summary>
/// Scores a Hopfield network's memory. A state s (N bipolar units, ±1) settles by asynchronous updates: units are
/// visited in a seeded random order and each takes the sign of its local field h_i = sum_j W_ij s_j (a field of
/// exactly 0 keeps the unit as it is), until a whole sweep changes nothing or <see cref="MaxSweeps"/> have run. With a
/// symmetric W of zero diagonal (Hebb's rule) every change lowers the energy -1/2 s^T W s, so the settling ends.
/// </summary>
public static class HopfieldRecall
{
    /// <summary>The fraction of each stored pattern's bits flipped before it is recalled.</summary>
    public const double FlipFraction = 0.1;

    /// <summary>The most asynchronous sweeps over all units one recall may take.</summary>
    public const int MaxSweeps = 100;

    /// <summary>
    /// The fraction of bits right after recalling each of <paramref name="patterns"/> from a copy with
    /// <paramref name="flip"/> of its bits flipped (chosen by <paramref name="seed"/> and the pattern's index).
    /// </summary>
    /// <param name="w">(N, N) row-major weights.</param>
    /// <param name="n">N, the units.</param>
    /// <param name="patterns">(K, N) stored patterns of ±1.</param>
    /// <param name="seed">Chooses the flipped bits and the update order.</param>
    /// <param name="flip">The fraction of bits flipped.</param>
    public static double Accuracy(ReadOnlySpan<float> w, int n, ReadOnlySpan<float> patterns, int seed, double flip = FlipFraction)
    {
        var right = BitsRight(w, n, patterns, seed, flip);
        return right.Length == 0 ? 0 : right.Sum(r => (double)r) / ((long)right.Length * n);
    }

    /// <summary>As <see cref="Accuracy"/>, per pattern: the bits right after recalling each (N when it came back exactly).</summary>
    public static int[] BitsRight(ReadOnlySpan<float> w, int n, ReadOnlySpan<float> patterns, int seed, double flip = FlipFraction)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        if (w.Length != n * n || patterns.Length % n != 0)
        {
            throw new ArgumentException($"a Hopfield network of {n} units needs {n * n} weights and whole patterns, got {w.Length} and {patterns.Length} values");
        }

        var k = patterns.Length / n;
        var right = new int[k];
        var state = new float[n];
        var field = new double[n];
        var order = new int[n];
        for (var p = 0; p < k; p++)
        {
            var pattern = patterns.Slice(p * n, n);
            pattern.CopyTo(state);
            var rng = new Random(unchecked((seed * 1_000_003) + p));
            Corrupt(state, (int)Math.Round(flip * n), rng, order);
            Settle(w, state, field, order, rng);
            for (var i = 0; i < n; i++)
            {
                right[p] += state[i] == pattern[i] ? 1 : 0;
            }
        }

        return right;
    }

    /// <summary>
    /// The recall accuracy of the model's <c>hopfield</c> node: its stored patterns are its state input s on each
    /// example of <paramref name="stored"/> (the training set), its weights the node's W input as loaded in
    /// <paramref name="executor"/>; null when the model has no <c>hopfield</c> node.
    /// </summary>
    public static double? Score(GraphExecutor executor, ExampleSource stored, int seed)
    {
        ArgumentNullException.ThrowIfNull(executor);
        ArgumentNullException.ThrowIfNull(stored);
        var model = executor.Model;
        if (model.Nodes.FirstOrDefault(node => node.Spec.Op == "hopfield") is not { } hopfield || stored.Count == 0)
        {
            return null;
        }

        // s: (B, N) bipolar states  W: (N, N)
        var (states, weights) = (hopfield.Inputs[0], hopfield.Inputs[1]);
        var n = model.Values[states].Type.Size;
        var w = new float[n * n];
        executor.Backend.Download(executor.Value(weights), w);

        var patterns = new float[(long)stored.Count * n <= Array.MaxLength ? stored.Count * n : throw new DtrainException($"{stored.Name}: {stored.Count:N0} patterns of {n} units are too many to recall")];
        var batch = executor.MaxBatch;
        var indices = new int[batch];
        var features = new float[batch * model.FeatureSize];
        var targets = new float[batch * model.LabelSize];
        for (var start = 0; start < stored.Count; start += batch)
        {
            var b = Math.Min(batch, stored.Count - start);
            for (var i = 0; i < b; i++)
            {
                indices[i] = start + i;
            }

            stored.Gather(indices.AsSpan(0, b), features.AsSpan(0, b * model.FeatureSize), targets.AsSpan(0, b * model.LabelSize));
            executor.SetBatch(features, targets, b);
            executor.Forward();
            executor.Backend.Download(executor.Value(states), patterns.AsSpan(start * n, b * n));
        }

        return Accuracy(w, n, patterns, seed);
    }

    /// <summary>Flips <paramref name="count"/> distinct bits of <paramref name="state"/>, chosen by <paramref name="rng"/>.</summary>
    private static void Corrupt(Span<float> state, int count, Random rng, int[] order)
    {
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        // A partial Fisher-Yates shuffle: the first `count` positions are a uniform choice without repeats.
        for (var i = 0; i < count; i++)
        {
            var j = rng.Next(i, order.Length);
            (order[i], order[j]) = (order[j], order[i]);
            state[order[i]] = -state[order[i]];
        }
    }

    /// <summary>Asynchronous updates until a sweep changes nothing (or <see cref="MaxSweeps"/>): the field is kept up to date, so a sweep costs O(N) plus O(N) per flip.</summary>
    private static void Settle(ReadOnlySpan<float> w, Span<float> state, double[] field, int[] order, Random rng)
    {
        var n = state.Length;
        for (var i = 0; i < n; i++)
        {
            double h = 0;
            var row = w.Slice(i * n, n);
            for (var j = 0; j < n; j++)
            {
                h += row[j] * state[j];
            }

            field[i] = h;
        }

        for (var sweep = 0; sweep < MaxSweeps; sweep++)
        {
            rng.Shuffle(order);
            var changed = false;
            foreach (var i in order)
            {
                var next = field[i] > 0 ? 1f : field[i] < 0 ? -1f : state[i];
                if (next == state[i])
                {
                    continue;
                }

                // s_i moves by 2 * next: every field h_j moves by W_ji times that (W symmetric: column i is row i).
                var delta = 2 * next;
                var row = w.Slice(i * n, n);
                for (var j = 0; j < n; j++)
                {
                    field[j] += row[j] * delta;
                }

                state[i] = next;
                changed = true;
            }

            if (!changed)
            {
                return;
            }
        }
    }
}
