// The counter-based random numbers of the sampling kernels (bernoulli, normal): element i of a draw depends
// only on (seed, i), so every backend, thread order and vector width gives the same bits. One copy of the math,
// called by the CPU backend's loops and compiled into the ILGPU kernels.
namespace Dtrain.Models.Backends;

/// <summary>
/// Hashes of (seed, index) and the uniform and Gaussian variates made from them using only integer ops and IEEE
/// +, -, *, / (no library log or cos, whose last bits differ between runtimes and devices).
/// </summary>
internal static class CounterRandom
{
    /// <summary>2^-24: a 24-bit integer times this is an exactly representable float in [0, 1).</summary>
    private const float Ulp24 = 1f / 16777216f;

    private const float Ln2 = 0.693147180559945309f;
    private const float HalfPi = 1.57079632679489662f;

    /// <summary>
    /// The hash of element <paramref name="index"/> of stream <paramref name="stream"/>: two rounds of Wellons'
    /// lowbias32 keyed by the seed's halves (the dropout mask's hash), the stream folded into the first key.
    /// </summary>
    public static uint Hash(uint index, ulong seed, uint stream) =>
        LowBias32(LowBias32(index ^ (uint)seed ^ (stream * 0x9E3779B9U)) ^ (uint)(seed >> 32));

    /// <summary>A uniform float in [0, 1): the hash's top 24 bits, scaled exactly.</summary>
    public static float Uniform(uint hash) => (hash >> 8) * Ulp24;

    /// <summary>
    /// -2 ln u for u = (top 24 bits of <paramref name="hash"/> + 1) / 2^24 in (0, 1]: the squared radius of the
    /// Box-Muller transform, in [0, 33.3]. The caller takes the square root (IEEE-exact on every backend).
    /// </summary>
    public static float BoxMullerRadiusSquared(uint hash) => -2f * Ln24((hash >> 8) + 1);

    /// <summary>cos(2 pi u) for u the hash's top 24 bits over 2^24: the angle of the Box-Muller transform.</summary>
    public static float BoxMullerCosine(uint hash)
    {
        // The top two bits pick the quadrant, the next 22 the angle inside it: cos(q pi/2 + a) is cos a, -sin a,
        // -cos a or sin a, so only a in [0, pi/2) needs a polynomial.
        var quadrant = hash >> 30;
        var a = ((hash >> 8) & 0x3FFFFFU) * (HalfPi / 4194304f);
        var a2 = a * a;

        // Taylor series to a^14 / 14! and a^13 / 13!: below 1e-8 at pi/2, under float rounding.
        var cos = -1f / 87178291200f;
        cos = (cos * a2) + (1f / 479001600f);
        cos = (cos * a2) - (1f / 3628800f);
        cos = (cos * a2) + (1f / 40320f);
        cos = (cos * a2) - (1f / 720f);
        cos = (cos * a2) + (1f / 24f);
        cos = (cos * a2) - 0.5f;
        cos = (cos * a2) + 1f;
        var sin = 1f / 6227020800f;
        sin = (sin * a2) - (1f / 39916800f);
        sin = (sin * a2) + (1f / 362880f);
        sin = (sin * a2) - (1f / 5040f);
        sin = (sin * a2) + (1f / 120f);
        sin = (sin * a2) - (1f / 6f);
        sin = ((sin * a2) + 1f) * a;
        return quadrant == 0 ? cos : quadrant == 1 ? -sin : quadrant == 2 ? -cos : sin;
    }

    /// <summary>ln(k / 2^24) for an integer k in [1, 2^24], from the exponent of k and an atanh series of its mantissa.</summary>
    private static float Ln24(uint k)
    {
        // Normalize k into [2^23, 2^24): then k / 2^24 = m 2^-(1 + e) with m = k / 2^23 in [1, 2).
        var e = 0;
        while (k < 0x800000U)
        {
            k <<= 1;
            e++;
        }

        var m = k * (1f / 8388608f);
        if (m > 1.41421356f)
        {
            // m in (sqrt 2, 2) -> m / 2 in (1/sqrt 2, 1): the series below converges fastest near 1.
            m *= 0.5f;
            e--;
        }

        // ln m = 2 atanh s, s = (m - 1) / (m + 1) with |s| <= 0.172: terms to s^9 leave an error below 1e-9.
        var s = (m - 1f) / (m + 1f);
        var s2 = s * s;
        var series = ((1f / 9f) * s2) + (1f / 7f);
        series = (series * s2) + (1f / 5f);
        series = (series * s2) + (1f / 3f);
        series = (series * s2) + 1f;
        var ln = 2f * s * series;
        return ln - ((1 + e) * Ln2);
    }

    private static uint LowBias32(uint x)
    {
        x ^= x >> 16;
        x *= 0x7feb352dU;
        x ^= x >> 15;
        x *= 0x846ca68bU;
        return x ^ (x >> 16);
    }
}
