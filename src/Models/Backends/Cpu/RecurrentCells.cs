// The gate math of one time step for a run of units, written once over the lane width (16, 8 or 1 floats), and the
// loop bodies that run it over a row through LaneLoop.
using System.Runtime.CompilerServices;

namespace Dtrain.Models.Backends.Cpu;

/// <summary>
/// Pointwise bodies of the recurrent step kernels. Each handles lanes [j, j + T.Count) of one example's row;
/// gate blocks are <c>u</c> (units) apart in the gate rows: LSTM [i | f | g | o], GRU [r | z | n].
/// </summary>
internal static class RecurrentCells
{
    /// <summary>a = tanh(pre + b); the activation goes back into the gate row and into h.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RnnForward<T>(ref float gates, ref float bias, ref float h, int j)
        where T : struct, ILanes<T>
    {
        var a = GateMath.Tanh(T.Load(ref gates, j) + T.Load(ref bias, j));
        a.Store(ref gates, j);
        a.Store(ref h, j);
    }

    /// <summary>d pre = dh (1 - a^2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RnnBackward<T>(ref float gates, ref float dh, ref float dGates, int j)
        where T : struct, ILanes<T>
    {
        var a = T.Load(ref gates, j);
        (T.Load(ref dh, j) * (T.One - (a * a))).Store(ref dGates, j);
    }

    /// <summary>i, f, o = sigmoid, g = tanh of (pre + b); c = f c' + i g; h = o tanh(c).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LstmForward<T>(ref float gates, ref float bias, ref float cPrev, ref float c, ref float h, int j, int u)
        where T : struct, ILanes<T>
    {
        var i = GateMath.Sigmoid(T.Load(ref gates, j) + T.Load(ref bias, j));
        var f = GateMath.Sigmoid(T.Load(ref gates, u + j) + T.Load(ref bias, u + j));
        var g = GateMath.Tanh(T.Load(ref gates, (2 * u) + j) + T.Load(ref bias, (2 * u) + j));
        var o = GateMath.Sigmoid(T.Load(ref gates, (3 * u) + j) + T.Load(ref bias, (3 * u) + j));
        var cNew = (f * T.Load(ref cPrev, j)) + (i * g);
        i.Store(ref gates, j);
        f.Store(ref gates, u + j);
        g.Store(ref gates, (2 * u) + j);
        o.Store(ref gates, (3 * u) + j);
        cNew.Store(ref c, j);
        (o * GateMath.Tanh(cNew)).Store(ref h, j);
    }

    /// <summary>
    /// With tc = tanh(c): do = dh tc; dc += dh o (1 - tc^2); di = dc g; df = dc c'; dg = dc i; then through the
    /// activations (sigmoid' = s (1 - s), tanh' = 1 - t^2). dc becomes dc f, the gradient reaching c'.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LstmBackward<T>(ref float gates, ref float cPrev, ref float c, ref float dh, ref float dc, ref float dGates, int j, int u)
        where T : struct, ILanes<T>
    {
        var i = T.Load(ref gates, j);
        var f = T.Load(ref gates, u + j);
        var g = T.Load(ref gates, (2 * u) + j);
        var o = T.Load(ref gates, (3 * u) + j);
        var tc = GateMath.Tanh(T.Load(ref c, j));
        var dhv = T.Load(ref dh, j);
        var dcv = T.Load(ref dc, j) + (dhv * o * (T.One - (tc * tc)));
        (dcv * g * i * (T.One - i)).Store(ref dGates, j);
        (dcv * T.Load(ref cPrev, j) * f * (T.One - f)).Store(ref dGates, u + j);
        (dcv * i * (T.One - (g * g))).Store(ref dGates, (2 * u) + j);
        (dhv * tc * o * (T.One - o)).Store(ref dGates, (3 * u) + j);
        (dcv * f).Store(ref dc, j);
    }

    /// <summary>
    /// r, z = sigmoid(xW + b + hU + bh); hn = hU_n + bh_n; n = tanh(xW_n + b_n + r hn); h = n + z (h' - n).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void GruForward<T>(ref float gates, ref float bias, ref float hU, ref float recurrentBias, ref float hPrev, ref float hn, ref float h, int j, int u)
        where T : struct, ILanes<T>
    {
        var r = GateMath.Sigmoid(T.Load(ref gates, j) + T.Load(ref bias, j) + T.Load(ref hU, j) + T.Load(ref recurrentBias, j));
        var z = GateMath.Sigmoid(T.Load(ref gates, u + j) + T.Load(ref bias, u + j) + T.Load(ref hU, u + j) + T.Load(ref recurrentBias, u + j));
        var hnv = T.Load(ref hU, (2 * u) + j) + T.Load(ref recurrentBias, (2 * u) + j);
        var n = GateMath.Tanh(T.Load(ref gates, (2 * u) + j) + T.Load(ref bias, (2 * u) + j) + (r * hnv));
        r.Store(ref gates, j);
        z.Store(ref gates, u + j);
        n.Store(ref gates, (2 * u) + j);
        hnv.Store(ref hn, j);
        (n + (z * (T.Load(ref hPrev, j) - n))).Store(ref h, j);
    }

    /// <summary>
    /// dn = dh (1 - z); dz = dh (h' - n); d pre_n = dn (1 - n^2); the recurrent n block gets d pre_n r, the reset
    /// gate d pre_n hn; r and z go through sigmoid'. dh becomes dh z, its direct path to h'.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void GruBackward<T>(ref float gates, ref float hn, ref float hPrev, ref float dh, ref float dGates, ref float dRecurrent, int j, int u)
        where T : struct, ILanes<T>
    {
        var r = T.Load(ref gates, j);
        var z = T.Load(ref gates, u + j);
        var n = T.Load(ref gates, (2 * u) + j);
        var dhv = T.Load(ref dh, j);
        var dn = dhv * (T.One - z) * (T.One - (n * n));
        var dr = dn * T.Load(ref hn, j) * r * (T.One - r);
        var dz = dhv * (T.Load(ref hPrev, j) - n) * z * (T.One - z);
        dr.Store(ref dGates, j);
        dz.Store(ref dGates, u + j);
        dn.Store(ref dGates, (2 * u) + j);
        dr.Store(ref dRecurrent, j);
        dz.Store(ref dRecurrent, u + j);
        (dn * r).Store(ref dRecurrent, (2 * u) + j);
        (dhv * z).Store(ref dh, j);
    }
}

/// <summary>RnnForward over a row of units, run by <see cref="LaneLoop.Map{TBody}"/>.</summary>
internal readonly ref struct RnnForwardCell(ref float gates, ref float bias, ref float h) : ILaneMap
{
    private readonly ref float _gates = ref gates;
    private readonly ref float _bias = ref bias;
    private readonly ref float _h = ref h;

    public void Run<T>(int start, int end)
        where T : struct, ILanes<T>
    {
        ref var gates = ref _gates;
        ref var bias = ref _bias;
        ref var h = ref _h;
        for (var j = start; j < end; j += T.Count)
        {
            RecurrentCells.RnnForward<T>(ref gates, ref bias, ref h, j);
        }
    }
}

/// <summary>RnnBackward over a row of units, run by <see cref="LaneLoop.Map{TBody}"/>.</summary>
internal readonly ref struct RnnBackwardCell(ref float gates, ref float dh, ref float dGates) : ILaneMap
{
    private readonly ref float _gates = ref gates;
    private readonly ref float _dh = ref dh;
    private readonly ref float _dGates = ref dGates;

    public void Run<T>(int start, int end)
        where T : struct, ILanes<T>
    {
        ref var gates = ref _gates;
        ref var dh = ref _dh;
        ref var dGates = ref _dGates;
        for (var j = start; j < end; j += T.Count)
        {
            RecurrentCells.RnnBackward<T>(ref gates, ref dh, ref dGates, j);
        }
    }
}

/// <summary>LstmForward over a row of units, run by <see cref="LaneLoop.Map{TBody}"/>.</summary>
internal readonly ref struct LstmForwardCell(ref float gates, ref float bias, ref float cPrev, ref float c, ref float h, int u) : ILaneMap
{
    private readonly ref float _gates = ref gates;
    private readonly ref float _bias = ref bias;
    private readonly ref float _cPrev = ref cPrev;
    private readonly ref float _c = ref c;
    private readonly ref float _h = ref h;
    private readonly int _u = u;

    public void Run<T>(int start, int end)
        where T : struct, ILanes<T>
    {
        ref var gates = ref _gates;
        ref var bias = ref _bias;
        ref var cPrev = ref _cPrev;
        ref var c = ref _c;
        ref var h = ref _h;
        var u = _u;
        for (var j = start; j < end; j += T.Count)
        {
            RecurrentCells.LstmForward<T>(ref gates, ref bias, ref cPrev, ref c, ref h, j, u);
        }
    }
}

/// <summary>LstmBackward over a row of units, run by <see cref="LaneLoop.Map{TBody}"/>.</summary>
internal readonly ref struct LstmBackwardCell(ref float gates, ref float cPrev, ref float c, ref float dh, ref float dc, ref float dGates, int u) : ILaneMap
{
    private readonly ref float _gates = ref gates;
    private readonly ref float _cPrev = ref cPrev;
    private readonly ref float _c = ref c;
    private readonly ref float _dh = ref dh;
    private readonly ref float _dc = ref dc;
    private readonly ref float _dGates = ref dGates;
    private readonly int _u = u;

    public void Run<T>(int start, int end)
        where T : struct, ILanes<T>
    {
        ref var gates = ref _gates;
        ref var cPrev = ref _cPrev;
        ref var c = ref _c;
        ref var dh = ref _dh;
        ref var dc = ref _dc;
        ref var dGates = ref _dGates;
        var u = _u;
        for (var j = start; j < end; j += T.Count)
        {
            RecurrentCells.LstmBackward<T>(ref gates, ref cPrev, ref c, ref dh, ref dc, ref dGates, j, u);
        }
    }
}

/// <summary>GruForward over a row of units, run by <see cref="LaneLoop.Map{TBody}"/>.</summary>
internal readonly ref struct GruForwardCell(ref float gates, ref float bias, ref float hU, ref float recurrentBias, ref float hPrev, ref float hn, ref float h, int u) : ILaneMap
{
    private readonly ref float _gates = ref gates;
    private readonly ref float _bias = ref bias;
    private readonly ref float _hU = ref hU;
    private readonly ref float _recurrentBias = ref recurrentBias;
    private readonly ref float _hPrev = ref hPrev;
    private readonly ref float _hn = ref hn;
    private readonly ref float _h = ref h;
    private readonly int _u = u;

    public void Run<T>(int start, int end)
        where T : struct, ILanes<T>
    {
        ref var gates = ref _gates;
        ref var bias = ref _bias;
        ref var hU = ref _hU;
        ref var recurrentBias = ref _recurrentBias;
        ref var hPrev = ref _hPrev;
        ref var hn = ref _hn;
        ref var h = ref _h;
        var u = _u;
        for (var j = start; j < end; j += T.Count)
        {
            RecurrentCells.GruForward<T>(ref gates, ref bias, ref hU, ref recurrentBias, ref hPrev, ref hn, ref h, j, u);
        }
    }
}

/// <summary>GruBackward over a row of units, run by <see cref="LaneLoop.Map{TBody}"/>.</summary>
internal readonly ref struct GruBackwardCell(ref float gates, ref float hn, ref float hPrev, ref float dh, ref float dGates, ref float dRecurrent, int u) : ILaneMap
{
    private readonly ref float _gates = ref gates;
    private readonly ref float _hn = ref hn;
    private readonly ref float _hPrev = ref hPrev;
    private readonly ref float _dh = ref dh;
    private readonly ref float _dGates = ref dGates;
    private readonly ref float _dRecurrent = ref dRecurrent;
    private readonly int _u = u;

    public void Run<T>(int start, int end)
        where T : struct, ILanes<T>
    {
        ref var gates = ref _gates;
        ref var hn = ref _hn;
        ref var hPrev = ref _hPrev;
        ref var dh = ref _dh;
        ref var dGates = ref _dGates;
        ref var dRecurrent = ref _dRecurrent;
        var u = _u;
        for (var j = start; j < end; j += T.Count)
        {
            RecurrentCells.GruBackward<T>(ref gates, ref hn, ref hPrev, ref dh, ref dGates, ref dRecurrent, j, u);
        }
    }
}
