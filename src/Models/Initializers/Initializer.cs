// Parameter initializers: uniform and normal with a scale, Xavier/Glorot, He/Kaiming, orthogonal, zeros, constants and the LSTM forget bias.
using System.Text.Json;

namespace Dtrain.Models.Initializers;

/// <summary>The initializer families a model file can name.</summary>
public enum InitKind
{
    /// <summary>All zeros.</summary>
    Zeros,

    /// <summary>All equal to <see cref="Initializer.Scale"/>.</summary>
    Constant,

    /// <summary>U(-scale, scale).</summary>
    Uniform,

    /// <summary>N(0, scale^2).</summary>
    Normal,

    /// <summary>Glorot and Bengio (2010): U(-a, a), a = sqrt(6 / (fan_in + fan_out)).</summary>
    GlorotUniform,

    /// <summary>Glorot and Bengio (2010): N(0, 2 / (fan_in + fan_out)).</summary>
    GlorotNormal,

    /// <summary>He et al. (2015): U(-a, a), a = sqrt(6 / fan_in).</summary>
    HeUniform,

    /// <summary>He et al. (2015): N(0, 2 / fan_in).</summary>
    HeNormal,

    /// <summary>
    /// Saxe et al. (2014): a (fan_in x fan_out) matrix with orthonormal rows (or columns, whichever are fewer),
    /// times a gain of <see cref="Initializer.Scale"/> (default 1); the recurrent layers' default.
    /// </summary>
    Orthogonal,

    /// <summary>
    /// An LSTM bias (Jozefowicz et al., 2015): zeros, except the forget gate's block (the second of four) at
    /// <see cref="Initializer.Scale"/> (default 1), so the cell remembers from the start.
    /// </summary>
    UnitForgetBias,
}

/// <summary>How one parameter tensor is filled before training; deterministic for a given seed.</summary>
public sealed record Initializer(InitKind Kind, float Scale = 0.05f)
{
    private static readonly Dictionary<string, InitKind> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["zeros"] = InitKind.Zeros,
        ["constant"] = InitKind.Constant,
        ["uniform"] = InitKind.Uniform,
        ["normal"] = InitKind.Normal,
        ["glorot_uniform"] = InitKind.GlorotUniform,
        ["xavier_uniform"] = InitKind.GlorotUniform,
        ["glorot_normal"] = InitKind.GlorotNormal,
        ["xavier_normal"] = InitKind.GlorotNormal,
        ["he_uniform"] = InitKind.HeUniform,
        ["kaiming_uniform"] = InitKind.HeUniform,
        ["he_normal"] = InitKind.HeNormal,
        ["kaiming_normal"] = InitKind.HeNormal,
        ["orthogonal"] = InitKind.Orthogonal,
        ["unit_forget_bias"] = InitKind.UnitForgetBias,
    };

    /// <summary>Zeros (the usual bias initializer).</summary>
    public static Initializer Zeros { get; } = new(InitKind.Zeros, 0f);

    /// <summary>Parses <c>"he_normal"</c> or <c>{"type": "normal", "scale": 0.01}</c>.</summary>
    public static Initializer Parse(JsonElement value)
    {
        string? type;
        float? scale = null;
        if (value.ValueKind == JsonValueKind.String)
        {
            type = value.GetString();
        }
        else if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String)
        {
            type = t.GetString();
            if (value.TryGetProperty("scale", out var s) || value.TryGetProperty("value", out s))
            {
                if (s.ValueKind != JsonValueKind.Number)
                {
                    throw new DtrainException($"initializer scale must be a number, got {s.GetRawText()}");
                }

                scale = s.GetSingle();
            }
        }
        else
        {
            throw new DtrainException($"an initializer is a name or an object with a \"type\", got {value.GetRawText()}");
        }

        if (type is null || !Names.TryGetValue(type, out var kind))
        {
            throw new DtrainException($"unknown initializer '{type}'; known: {string.Join(", ", Names.Keys)}");
        }

        // A gain and a forget bias default to 1; every other scale keeps the record's default.
        return scale is { } sc ? new Initializer(kind, sc)
            : kind is InitKind.Orthogonal or InitKind.UnitForgetBias ? new Initializer(kind, 1f)
            : new Initializer(kind);
    }

    /// <summary>Fills <paramref name="target"/> using <paramref name="rng"/>; fans come from the parameter's shape.</summary>
    public void Fill(Span<float> target, int fanIn, int fanOut, Random rng)
    {
        switch (Kind)
        {
            case InitKind.Zeros:
                target.Clear();
                break;
            case InitKind.Constant:
                target.Fill(Scale);
                break;
            case InitKind.Uniform:
                FillUniform(target, Scale, rng);
                break;
            case InitKind.Normal:
                FillNormal(target, Scale, rng);
                break;
            case InitKind.GlorotUniform:
                FillUniform(target, MathF.Sqrt(6f / (fanIn + fanOut)), rng);
                break;
            case InitKind.GlorotNormal:
                FillNormal(target, MathF.Sqrt(2f / (fanIn + fanOut)), rng);
                break;
            case InitKind.HeUniform:
                FillUniform(target, MathF.Sqrt(6f / fanIn), rng);
                break;
            case InitKind.HeNormal:
                FillNormal(target, MathF.Sqrt(2f / fanIn), rng);
                break;
            case InitKind.Orthogonal:
                FillOrthogonal(target, fanOut, Scale, rng);
                break;
            case InitKind.UnitForgetBias:
                if (target.Length % 4 != 0)
                {
                    throw new ArgumentException($"unit_forget_bias fills four gate blocks, but the tensor has {target.Length} floats");
                }

                target.Clear();
                target.Slice(target.Length / 4, target.Length / 4).Fill(Scale);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "unknown initializer");
        }
    }

    private static void FillUniform(Span<float> target, float limit, Random rng)
    {
        for (var i = 0; i < target.Length; i++)
        {
            target[i] = (float)(((rng.NextDouble() * 2) - 1) * limit);
        }
    }

    /// <summary>
    /// Gram-Schmidt (twice, for float-safe orthogonality) over the shorter side of a Gaussian matrix; the
    /// resulting matrix is uniformly distributed over the orthogonal ones, as a sign-corrected QR gives.
    /// </summary>
    private static void FillOrthogonal(Span<float> target, int cols, float gain, Random rng)
    {
        if (cols <= 0 || target.Length % cols != 0)
        {
            throw new ArgumentException($"orthogonal needs a matrix, but {target.Length} floats do not split into rows of {cols}");
        }

        var rows = target.Length / cols;
        var (count, length) = rows <= cols ? (rows, cols) : (cols, rows);
        var gaussian = new float[target.Length];
        FillNormal(gaussian, 1f, rng);
        var v = new double[count, length];
        for (var a = 0; a < count; a++)
        {
            for (var e = 0; e < length; e++)
            {
                v[a, e] = gaussian[(a * length) + e];
            }

            for (var pass = 0; pass < 2; pass++)
            {
                for (var b = 0; b < a; b++)
                {
                    double dot = 0;
                    for (var e = 0; e < length; e++)
                    {
                        dot += v[a, e] * v[b, e];
                    }

                    for (var e = 0; e < length; e++)
                    {
                        v[a, e] -= dot * v[b, e];
                    }
                }
            }

            double norm = 0;
            for (var e = 0; e < length; e++)
            {
                norm += v[a, e] * v[a, e];
            }

            norm = Math.Sqrt(norm);
            for (var e = 0; e < length; e++)
            {
                v[a, e] /= norm;
            }
        }

        // Vectors are rows when the matrix is wide, columns when it is tall.
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                target[(r * cols) + c] = (float)(gain * (rows <= cols ? v[r, c] : v[c, r]));
            }
        }
    }

    private static void FillNormal(Span<float> target, float stddev, Random rng)
    {
        // Box-Muller: two uniforms give two independent standard normals.
        for (var i = 0; i < target.Length; i += 2)
        {
            var u1 = 1.0 - rng.NextDouble();
            var u2 = rng.NextDouble();
            var radius = Math.Sqrt(-2.0 * Math.Log(u1));
            target[i] = (float)(radius * Math.Cos(2 * Math.PI * u2) * stddev);
            if (i + 1 < target.Length)
            {
                target[i + 1] = (float)(radius * Math.Sin(2 * Math.PI * u2) * stddev);
            }
        }
    }
}
