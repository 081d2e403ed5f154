// One vector width as a type, so a kernel body is written once and instantiated for 16, 8 and 1 lanes.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Dtrain.Models.Backends.Cpu;

/// <summary>
/// The arithmetic a fused pointwise kernel needs. The JIT specialises a generic method for each struct that
/// implements this, so <c>Body&lt;Lanes512&gt;</c> compiles to straight AVX-512 code and <c>Body&lt;Lanes1&gt;</c>
/// to scalar code for the tail.
/// </summary>
internal interface ILanes<TSelf>
    where TSelf : struct, ILanes<TSelf>
{
    /// <summary>Floats per value.</summary>
    static abstract int Count { get; }

    /// <summary>All lanes equal to 1.</summary>
    static abstract TSelf One { get; }

    /// <summary>All lanes equal to 0.</summary>
    static abstract TSelf Zero { get; }

    /// <summary>Lanes from <paramref name="source"/>[<paramref name="i"/>..].</summary>
    static abstract TSelf Load(ref float source, int i);

    /// <summary>All lanes equal to <paramref name="value"/>.</summary>
    static abstract TSelf Splat(float value);

    /// <summary>e^x per lane (the Cephes polynomial the recurrent gates use).</summary>
    static abstract TSelf Exp(TSelf x);

    /// <summary>e^x per lane as the runtime computes it (Vector512.Exp, Vector256.Exp, MathF.Exp).</summary>
    static abstract TSelf RuntimeExp(TSelf x);

    /// <summary>Square root per lane (Vector512.Sqrt, MathF.Sqrt).</summary>
    static abstract TSelf Sqrt(TSelf x);

    /// <summary>The smaller of a and b per lane (Vector512.Min, MathF.Min).</summary>
    static abstract TSelf Min(TSelf a, TSelf b);

    /// <summary>The larger of a and b per lane (Vector512.Max, MathF.Max).</summary>
    static abstract TSelf Max(TSelf a, TSelf b);

    /// <summary>Per lane: <paramref name="ifPositive"/> where condition &gt; 0, else <paramref name="otherwise"/> (NaN too).</summary>
    static abstract TSelf WherePositive(TSelf condition, TSelf ifPositive, TSelf otherwise);

    /// <summary>The sum across the lanes (Vector512.Sum's order).</summary>
    static abstract float Sum(TSelf x);

    static abstract TSelf operator +(TSelf a, TSelf b);

    static abstract TSelf operator -(TSelf a, TSelf b);

    static abstract TSelf operator -(TSelf a);

    static abstract TSelf operator *(TSelf a, TSelf b);

    static abstract TSelf operator /(TSelf a, TSelf b);

    /// <summary>Writes the lanes to <paramref name="target"/>[<paramref name="i"/>..].</summary>
    void Store(ref float target, int i);
}

/// <summary>Sigmoid and tanh from one exp each, for any lane width.</summary>
internal static class GateMath
{
    /// <summary>1 / (1 + e^-x); e^-x overflows to infinity for very negative x, which gives the right 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sigmoid<T>(T x)
        where T : struct, ILanes<T> => T.One / (T.One + T.Exp(-x));

    /// <summary>tanh x = 1 - 2 / (1 + e^2x): saturates to +-1 without NaN, absolute error ~1e-7 near 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Tanh<T>(T x)
        where T : struct, ILanes<T> => T.One - (T.Splat(2f) / (T.One + T.Exp(x + x)));
}

/// <summary>Sixteen floats (AVX-512).</summary>
internal readonly struct Lanes512(Vector512<float> v) : ILanes<Lanes512>
{
    private readonly Vector512<float> _v = v;

    public static int Count => Vector512<float>.Count;

    public static Lanes512 One => new(Vector512<float>.One);

    public static Lanes512 Zero => new(Vector512<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Load(ref float source, int i) => new(Vector512.LoadUnsafe(ref source, (nuint)i));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Splat(float value) => new(Vector512.Create(value));

    /// <summary>
    /// Cephes' expf: x = n ln2 + r with |r| &lt;= ln2 / 2, a degree-6 polynomial for e^r, and 2^n built in the
    /// exponent bits. Relative error ~1e-7 over the clamped range [-87.3, 88]; beyond it the result saturates
    /// at ~1e-38 and ~1.6e38, which is what the gates need (sigmoid and tanh of those are exact in float).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Exp(Lanes512 x)
    {
        var v = Vector512.Min(Vector512.Max(x._v, Vector512.Create(-87.3f)), Vector512.Create(88f));
        var n = Vector512.Round(v * Vector512.Create(1.44269504f));
        var r = v - (n * Vector512.Create(0.693359375f)) - (n * Vector512.Create(-2.12194440e-4f));
        var p = Vector512.Create(1.9875691500e-4f);
        p = (p * r) + Vector512.Create(1.3981999507e-3f);
        p = (p * r) + Vector512.Create(8.3334519073e-3f);
        p = (p * r) + Vector512.Create(4.1665795894e-2f);
        p = (p * r) + Vector512.Create(1.6666665459e-1f);
        p = (p * r) + Vector512.Create(5.0000001201e-1f);
        p = (p * r * r) + r + Vector512<float>.One;
        var scale = (Vector512.ConvertToInt32(n) + Vector512.Create(127)) << 23;
        return new(p * scale.AsSingle());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 RuntimeExp(Lanes512 x) => new(Vector512.Exp(x._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Sqrt(Lanes512 x) => new(Vector512.Sqrt(x._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Min(Lanes512 a, Lanes512 b) => new(Vector512.Min(a._v, b._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Max(Lanes512 a, Lanes512 b) => new(Vector512.Max(a._v, b._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 WherePositive(Lanes512 condition, Lanes512 ifPositive, Lanes512 otherwise) =>
        new(Vector512.ConditionalSelect(Vector512.GreaterThan(condition._v, Vector512<float>.Zero), ifPositive._v, otherwise._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Lanes512 x) => Vector512.Sum(x._v);

    public static Lanes512 operator +(Lanes512 a, Lanes512 b) => new(a._v + b._v);

    public static Lanes512 operator -(Lanes512 a, Lanes512 b) => new(a._v - b._v);

    public static Lanes512 operator -(Lanes512 a) => new(-a._v);

    public static Lanes512 operator *(Lanes512 a, Lanes512 b) => new(a._v * b._v);

    public static Lanes512 operator /(Lanes512 a, Lanes512 b) => new(a._v / b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref float target, int i) => _v.StoreUnsafe(ref target, (nuint)i);
}

/// <summary>Eight floats (AVX2), the same algorithm as <see cref="Lanes512"/>.</summary>
internal readonly struct Lanes256(Vector256<float> v) : ILanes<Lanes256>
{
    private readonly Vector256<float> _v = v;

    public static int Count => Vector256<float>.Count;

    public static Lanes256 One => new(Vector256<float>.One);

    public static Lanes256 Zero => new(Vector256<float>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Load(ref float source, int i) => new(Vector256.LoadUnsafe(ref source, (nuint)i));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Splat(float value) => new(Vector256.Create(value));

    /// <summary>See <see cref="Lanes512.Exp"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Exp(Lanes256 x)
    {
        var v = Vector256.Min(Vector256.Max(x._v, Vector256.Create(-87.3f)), Vector256.Create(88f));
        var n = Vector256.Round(v * Vector256.Create(1.44269504f));
        var r = v - (n * Vector256.Create(0.693359375f)) - (n * Vector256.Create(-2.12194440e-4f));
        var p = Vector256.Create(1.9875691500e-4f);
        p = (p * r) + Vector256.Create(1.3981999507e-3f);
        p = (p * r) + Vector256.Create(8.3334519073e-3f);
        p = (p * r) + Vector256.Create(4.1665795894e-2f);
        p = (p * r) + Vector256.Create(1.6666665459e-1f);
        p = (p * r) + Vector256.Create(5.0000001201e-1f);
        p = (p * r * r) + r + Vector256<float>.One;
        var scale = (Vector256.ConvertToInt32(n) + Vector256.Create(127)) << 23;
        return new(p * scale.AsSingle());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 RuntimeExp(Lanes256 x) => new(Vector256.Exp(x._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Sqrt(Lanes256 x) => new(Vector256.Sqrt(x._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Min(Lanes256 a, Lanes256 b) => new(Vector256.Min(a._v, b._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Max(Lanes256 a, Lanes256 b) => new(Vector256.Max(a._v, b._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 WherePositive(Lanes256 condition, Lanes256 ifPositive, Lanes256 otherwise) =>
        new(Vector256.ConditionalSelect(Vector256.GreaterThan(condition._v, Vector256<float>.Zero), ifPositive._v, otherwise._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Lanes256 x) => Vector256.Sum(x._v);

    public static Lanes256 operator +(Lanes256 a, Lanes256 b) => new(a._v + b._v);

    public static Lanes256 operator -(Lanes256 a, Lanes256 b) => new(a._v - b._v);

    public static Lanes256 operator -(Lanes256 a) => new(-a._v);

    public static Lanes256 operator *(Lanes256 a, Lanes256 b) => new(a._v * b._v);

    public static Lanes256 operator /(Lanes256 a, Lanes256 b) => new(a._v / b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref float target, int i) => _v.StoreUnsafe(ref target, (nuint)i);
}

/// <summary>One float: the scalar tail, and the whole loop on machines without wide vectors.</summary>
internal readonly struct Lanes1(float v) : ILanes<Lanes1>
{
    private readonly float _v = v;

    public static int Count => 1;

    public static Lanes1 One => new(1f);

    public static Lanes1 Zero => new(0f);

    /// <summary>The one float.</summary>
    public float Value => _v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes1 Load(ref float source, int i) => new(Unsafe.Add(ref source, i));

    public static Lanes1 Splat(float value) => new(value);

    public static Lanes1 Exp(Lanes1 x) => new(MathF.Exp(x._v));

    public static Lanes1 RuntimeExp(Lanes1 x) => new(MathF.Exp(x._v));

    public static Lanes1 Sqrt(Lanes1 x) => new(MathF.Sqrt(x._v));

    public static Lanes1 Min(Lanes1 a, Lanes1 b) => new(MathF.Min(a._v, b._v));

    public static Lanes1 Max(Lanes1 a, Lanes1 b) => new(MathF.Max(a._v, b._v));

    public static Lanes1 WherePositive(Lanes1 condition, Lanes1 ifPositive, Lanes1 otherwise) =>
        condition._v > 0f ? ifPositive : otherwise;

    public static float Sum(Lanes1 x) => x._v;

    public static Lanes1 operator +(Lanes1 a, Lanes1 b) => new(a._v + b._v);

    public static Lanes1 operator -(Lanes1 a, Lanes1 b) => new(a._v - b._v);

    public static Lanes1 operator -(Lanes1 a) => new(-a._v);

    public static Lanes1 operator *(Lanes1 a, Lanes1 b) => new(a._v * b._v);

    public static Lanes1 operator /(Lanes1 a, Lanes1 b) => new(a._v / b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ref float target, int i) => Unsafe.Add(ref target, i) = _v;
}
