// Parameter initializers: uniform and normal with a scale, Xavier/Glorot, He/Kaiming, zeros and constants.
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

        return scale is { } sc ? new Initializer(kind, sc) : new Initializer(kind);
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
