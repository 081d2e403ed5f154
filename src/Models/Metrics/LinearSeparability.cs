// Whether a single threshold unit can fit a small binary data set, decided exactly: the largest share of its examples
// any hyperplane classifies right (1.0 when the set is linearly separable; 0.75 for XOR's truth table).
using Dtrain.Models.Data;

namespace Dtrain.Models.Metrics;

/// <summary>
/// The best accuracy any threshold unit y = [w·x + b &gt; 0] can reach on a binary classification set, found exactly
/// for small sets: over the distinct points (each weighted by how often it occurs), the heaviest subset that some
/// hyperplane separates strictly. A subset is separable when the inequalities y_i (w·x_i + b) &gt;= 1 (y_i = ±1) have
/// a solution, which Fourier–Motzkin elimination decides without an LP solver.
/// </summary>
public static class LinearSeparability
{
    /// <summary>The most distinct points the exact search tries (it visits every subset of them).</summary>
    public const int MaxPoints = 12;

    /// <summary>The most features the exact search takes (Fourier–Motzkin grows fast with the variables).</summary>
    public const int MaxFeatures = 4;

    private const int MaxInequalities = 20_000;
    private const double Tolerance = 1e-9;

    /// <summary>
    /// The best accuracy a threshold unit can reach on <paramref name="set"/> (class ids 0 and 1); null when the set
    /// is too large to decide exactly (more than <see cref="MaxPoints"/> distinct points or <see cref="MaxFeatures"/>
    /// features) or is not a two-class set.
    /// </summary>
    public static double? BestAccuracy(ExampleSource set)
    {
        ArgumentNullException.ThrowIfNull(set);
        if (set.FeatureSize > MaxFeatures || set.TargetSize != 1 || set.Count == 0 || set.Count > 1_000_000)
        {
            return null;
        }

        var indices = Enumerable.Range(0, set.Count).ToArray();
        var features = new float[set.Count * set.FeatureSize];
        var targets = new float[set.Count];
        set.Gather(indices, features, targets);
        var points = new Dictionary<string, (double[] X, int Label, int Count)>();
        for (var i = 0; i < set.Count; i++)
        {
            if (targets[i] is not (0 or 1))
            {
                return null;
            }

            var x = features.AsSpan(i * set.FeatureSize, set.FeatureSize).ToArray().Select(v => (double)v).ToArray();
            var key = $"{string.Join(",", x)}:{targets[i]}";
            points[key] = points.TryGetValue(key, out var p) ? p with { Count = p.Count + 1 } : (x, (int)targets[i], 1);
        }

        return points.Count > MaxPoints ? null : BestAccuracy(points.Values.ToArray(), set.Count);
    }

    /// <summary>Whether the labelled points (labels 0 and 1) can be split strictly by a hyperplane.</summary>
    public static bool Separable(IReadOnlyList<(double[] X, int Label)> points)
    {
        ArgumentNullException.ThrowIfNull(points);

        // One inequality per point over v = (w, b): y (w·x + b) >= 1, written a·v >= c.
        var rows = points.Select(p =>
        {
            var y = p.Label == 1 ? 1.0 : -1.0;
            return (A: p.X.Select(v => y * v).Append(y).ToArray(), C: 1.0);
        }).ToList();
        var variables = points.Count == 0 ? 0 : points[0].X.Length + 1;
        for (var j = 0; j < variables; j++)
        {
            var (positive, negative, rest) = (new List<(double[] A, double C)>(), new List<(double[] A, double C)>(), new List<(double[] A, double C)>());
            foreach (var r in rows)
            {
                (r.A[j] > Tolerance ? positive : r.A[j] < -Tolerance ? negative : rest).Add(r);
            }

            // Each pair bounding v_j from both sides gives one inequality without it (both scaled to make v_j cancel).
            foreach (var p in positive)
            {
                foreach (var n in negative)
                {
                    var (sp, sn) = (-n.A[j], p.A[j]);
                    var a = new double[variables];
                    for (var k = 0; k < variables; k++)
                    {
                        a[k] = k == j ? 0 : (sp * p.A[k]) + (sn * n.A[k]);
                    }

                    rest.Add((a, (sp * p.C) + (sn * n.C)));
                }
            }

            if (rest.Count > MaxInequalities)
            {
                throw new InvalidOperationException($"Fourier–Motzkin elimination grew past {MaxInequalities} inequalities");
            }

            rows = rest;
        }

        // Every variable is gone: each row reads 0 >= c, which holds when c is not positive.
        return rows.All(r => r.C <= Tolerance);
    }

    private static double BestAccuracy((double[] X, int Label, int Count)[] points, int total)
    {
        var best = 0;
        for (var subset = (1 << points.Length) - 1; subset > 0; subset--)
        {
            var weight = 0;
            var chosen = new List<(double[] X, int Label)>();
            for (var i = 0; i < points.Length; i++)
            {
                if ((subset & (1 << i)) != 0)
                {
                    weight += points[i].Count;
                    chosen.Add((points[i].X, points[i].Label));
                }
            }

            if (weight > best && Separable(chosen))
            {
                best = weight;
            }
        }

        return (double)best / total;
    }
}
