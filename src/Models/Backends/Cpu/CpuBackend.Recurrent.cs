// Recurrent kernels of the CPU backend: row copies on strided time-step views, and the fused gate step loops.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static Dtrain.Models.Backends.KernelArguments;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends.Cpu;

public sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public void CopyRows(StridedMatrix source, StridedMatrix target, int rows, int cols)
    {
        CheckView(source, rows, cols, nameof(source));
        CheckView(target, rows, cols, nameof(target));
        var s = Span(source.Data);
        var t = Span(target.Data);
        for (var r = 0; r < rows; r++)
        {
            s.Slice(r * source.Stride, cols).CopyTo(t.Slice(r * target.Stride, cols));
        }
    }

    /// <inheritdoc/>
    public void AddRows(StridedMatrix source, StridedMatrix target, int rows, int cols)
    {
        CheckView(source, rows, cols, nameof(source));
        CheckView(target, rows, cols, nameof(target));
        var s = Span(source.Data);
        var t = Span(target.Data);
        for (var r = 0; r < rows; r++)
        {
            Simd.AddInPlace(t.Slice(r * target.Stride, cols), s.Slice(r * source.Stride, cols));
        }
    }

    /// <inheritdoc/>
    public void FillRows(StridedMatrix target, int rows, int cols, float value)
    {
        CheckView(target, rows, cols, nameof(target));
        var t = Span(target.Data);
        for (var r = 0; r < rows; r++)
        {
            t.Slice(r * target.Stride, cols).Fill(value);
        }
    }

    /// <inheritdoc/>
    public void RnnForwardStep(StridedMatrix gates, Tensor bias, StridedMatrix h, int rows, int units)
    {
        CheckView(gates, rows, units, nameof(gates));
        CheckVector(bias, units, nameof(bias));
        CheckView(h, rows, units, nameof(h));
        ref var b = ref Start(bias);
        for (var r = 0; r < rows; r++)
        {
            ref var g = ref Row(gates, r);
            ref var hr = ref Row(h, r);
            var cell = new RnnForwardCell(ref g, ref b, ref hr);
            LaneLoop.Map(units, ref cell);
        }
    }

    /// <inheritdoc/>
    public void RnnBackwardStep(StridedMatrix gates, StridedMatrix dh, StridedMatrix dGates, int rows, int units)
    {
        CheckView(gates, rows, units, nameof(gates));
        CheckView(dh, rows, units, nameof(dh));
        CheckView(dGates, rows, units, nameof(dGates));
        for (var r = 0; r < rows; r++)
        {
            ref var g = ref Row(gates, r);
            ref var d = ref Row(dh, r);
            ref var dg = ref Row(dGates, r);
            var cell = new RnnBackwardCell(ref g, ref d, ref dg);
            LaneLoop.Map(units, ref cell);
        }
    }

    /// <inheritdoc/>
    public void LstmForwardStep(StridedMatrix gates, Tensor bias, StridedMatrix cPrev, StridedMatrix c, StridedMatrix h, int rows, int units)
    {
        CheckView(gates, rows, 4 * units, nameof(gates));
        CheckVector(bias, 4 * units, nameof(bias));
        CheckView(cPrev, rows, units, nameof(cPrev));
        CheckView(c, rows, units, nameof(c));
        CheckView(h, rows, units, nameof(h));
        ref var b = ref Start(bias);
        for (var r = 0; r < rows; r++)
        {
            ref var g = ref Row(gates, r);
            ref var cp = ref Row(cPrev, r);
            ref var cr = ref Row(c, r);
            ref var hr = ref Row(h, r);
            var cell = new LstmForwardCell(ref g, ref b, ref cp, ref cr, ref hr, units);
            LaneLoop.Map(units, ref cell);
        }
    }

    /// <inheritdoc/>
    public void LstmBackwardStep(StridedMatrix gates, StridedMatrix cPrev, StridedMatrix c, StridedMatrix dh, StridedMatrix dc, StridedMatrix dGates, int rows, int units)
    {
        CheckView(gates, rows, 4 * units, nameof(gates));
        CheckView(cPrev, rows, units, nameof(cPrev));
        CheckView(c, rows, units, nameof(c));
        CheckView(dh, rows, units, nameof(dh));
        CheckView(dc, rows, units, nameof(dc));
        CheckView(dGates, rows, 4 * units, nameof(dGates));
        for (var r = 0; r < rows; r++)
        {
            ref var g = ref Row(gates, r);
            ref var cp = ref Row(cPrev, r);
            ref var cr = ref Row(c, r);
            ref var d = ref Row(dh, r);
            ref var dcr = ref Row(dc, r);
            ref var dg = ref Row(dGates, r);
            var cell = new LstmBackwardCell(ref g, ref cp, ref cr, ref d, ref dcr, ref dg, units);
            LaneLoop.Map(units, ref cell);
        }
    }

    /// <inheritdoc/>
    public void GruForwardStep(StridedMatrix gates, Tensor bias, StridedMatrix hU, Tensor recurrentBias, StridedMatrix hPrev, StridedMatrix hn, StridedMatrix h, int rows, int units)
    {
        CheckView(gates, rows, 3 * units, nameof(gates));
        CheckVector(bias, 3 * units, nameof(bias));
        CheckView(hU, rows, 3 * units, nameof(hU));
        CheckVector(recurrentBias, 3 * units, nameof(recurrentBias));
        CheckView(hPrev, rows, units, nameof(hPrev));
        CheckView(hn, rows, units, nameof(hn));
        CheckView(h, rows, units, nameof(h));
        ref var b = ref Start(bias);
        ref var bh = ref Start(recurrentBias);
        for (var r = 0; r < rows; r++)
        {
            ref var g = ref Row(gates, r);
            ref var hu = ref Row(hU, r);
            ref var hp = ref Row(hPrev, r);
            ref var hnr = ref Row(hn, r);
            ref var hr = ref Row(h, r);
            var cell = new GruForwardCell(ref g, ref b, ref hu, ref bh, ref hp, ref hnr, ref hr, units);
            LaneLoop.Map(units, ref cell);
        }
    }

    /// <inheritdoc/>
    public void GruBackwardStep(StridedMatrix gates, StridedMatrix hn, StridedMatrix hPrev, StridedMatrix dh, StridedMatrix dGates, StridedMatrix dRecurrent, int rows, int units)
    {
        CheckView(gates, rows, 3 * units, nameof(gates));
        CheckView(hn, rows, units, nameof(hn));
        CheckView(hPrev, rows, units, nameof(hPrev));
        CheckView(dh, rows, units, nameof(dh));
        CheckView(dGates, rows, 3 * units, nameof(dGates));
        CheckView(dRecurrent, rows, 3 * units, nameof(dRecurrent));
        for (var r = 0; r < rows; r++)
        {
            ref var g = ref Row(gates, r);
            ref var hnr = ref Row(hn, r);
            ref var hp = ref Row(hPrev, r);
            ref var d = ref Row(dh, r);
            ref var dg = ref Row(dGates, r);
            ref var dr = ref Row(dRecurrent, r);
            var cell = new GruBackwardCell(ref g, ref hnr, ref hp, ref d, ref dg, ref dr, units);
            LaneLoop.Map(units, ref cell);
        }
    }

    private static ref float Start(Tensor t) => ref MemoryMarshal.GetReference(Span(t));

    /// <summary>The first float of row <paramref name="r"/>; the caller has checked the view covers it.</summary>
    private static ref float Row(StridedMatrix m, int r) => ref Unsafe.Add(ref MemoryMarshal.GetReference(Span(m.Data)), r * m.Stride);

    private static void CheckVector(Tensor t, int length, string name)
    {
        if (t.Length < length)
        {
            throw new ArgumentException($"{name}: {t.Length} floats, needs {length}", name);
        }
    }
}
