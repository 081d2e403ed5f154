// Samples of a trained RBM: independent block Gibbs chains from random visibles, on the host, seeded per chain.
using System.Numerics;

namespace Dtrain.Cli;

/// <summary>
/// Runs Gibbs chains on an RBM with weights W (V, H), visible biases bv (V) and hidden biases bh (H), the parameters the
/// <c>rbm</c> op trains. Each step samples h ~ Bernoulli(sigmoid(v W + bh)), then v ~ Bernoulli(sigmoid(h W^T + bv));
/// a sample is the last step's visible probabilities (the mean image, as samples are usually shown).
/// </summary>
public static class GibbsChain
{
    /// <summary>
    /// <paramref name="count"/> samples of V floats in [0, 1] after <paramref name="steps"/> steps each. Chain n draws
    /// from its own generator seeded by (<paramref name="seed"/>, n): the samples do not depend on the thread count.
    /// </summary>
    public static float[] Sample(ReadOnlySpan<float> w, ReadOnlySpan<float> bv, ReadOnlySpan<float> bh, int count, int steps, int seed)
    {
        // w: (V, H)  bv: (V)  bh: (H)
        var (visible, hidden) = (bv.Length, bh.Length);
        if (w.Length != (long)visible * hidden)
        {
            throw new ArgumentException($"W holds {w.Length} floats, not {visible} x {hidden}", nameof(w));
        }

        var (weights, visibleBias, hiddenBias) = (w.ToArray(), bv.ToArray(), bh.ToArray());
        var samples = new float[(long)count * visible];
        Parallel.For(0, count, n =>
        {
            var random = new Random(unchecked((seed * 1_000_003) + (n * 7_919) + 0x61bb5));
            var v = new float[visible];
            var h = new float[hidden];
            var activation = new float[hidden];
            var probabilities = new float[visible];
            for (var i = 0; i < visible; i++)
            {
                v[i] = random.NextSingle() < 0.5f ? 1 : 0;
            }

            for (var step = 0; step < steps; step++)
            {
                // h | v: v is binary, so v W is the sum of the rows of W where v is on.
                hiddenBias.CopyTo(activation, 0);
                for (var i = 0; i < visible; i++)
                {
                    if (v[i] != 0)
                    {
                        AddRow(weights.AsSpan(i * hidden, hidden), activation);
                    }
                }

                for (var j = 0; j < hidden; j++)
                {
                    h[j] = random.NextSingle() < Sigmoid(activation[j]) ? 1 : 0;
                }

                // v | h: one dot product per row of W.
                for (var i = 0; i < visible; i++)
                {
                    probabilities[i] = Sigmoid(visibleBias[i] + Dot(weights.AsSpan(i * hidden, hidden), h));
                    v[i] = random.NextSingle() < probabilities[i] ? 1 : 0;
                }
            }

            probabilities.CopyTo(samples.AsSpan(n * visible, visible));
        });
        return samples;
    }

    private static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    private static void AddRow(ReadOnlySpan<float> row, Span<float> into)
    {
        var i = 0;
        for (; i <= row.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            (new Vector<float>(row[i..]) + new Vector<float>(into[i..])).CopyTo(into[i..]);
        }

        for (; i < row.Length; i++)
        {
            into[i] += row[i];
        }
    }

    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = Vector<float>.Zero;
        var i = 0;
        for (; i <= a.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            sum += new Vector<float>(a[i..]) * new Vector<float>(b[i..]);
        }

        var total = Vector.Sum(sum);
        for (; i < a.Length; i++)
        {
            total += a[i] * b[i];
        }

        return total;
    }
}
