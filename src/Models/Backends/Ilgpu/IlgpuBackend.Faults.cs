// Data errors found by kernels (a label that is no class, a binary target outside [0, 1]): recorded on the
// device without stopping the stream, and thrown as the CPU backend's message at the next host crossing.
using ILGPU;
using ILGPU.Runtime;

namespace Dtrain.Models.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <summary>Fault slot of a class label that is not an integer in [0, classes).</summary>
    internal const int LabelFault = 0;

    /// <summary>Fault slot of a binary cross-entropy target outside [0, 1].</summary>
    internal const int TargetFault = 1;

    /// <summary>Fault slot of an embedding id that is not an integer in [0, vocab), when the caller deferred the check.</summary>
    internal const int EmbeddingFault = 2;

    /// <summary>
    /// No fault recorded. A fault is (position &lt;&lt; 32) | the offending float's bits, and kernels keep the
    /// smallest with an atomic min, so the report names the first bad row whatever order the threads ran in.
    /// </summary>
    internal const long NoFault = long.MaxValue;

    private const int FaultSlots = 3;

    private readonly MemoryBuffer1D<long, Stride1D.Dense> _faults;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _counter;

    // The first bad embedding id of a lookup checked at once (no deferral): (position, bits) as in the fault slots.
    private readonly MemoryBuffer1D<long, Stride1D.Dense> _embeddingBad;

    /// <summary>Whether a kernel that records faults ran since they were last read: only then is there anything to read.</summary>
    private bool _faultsArmed;

    /// <summary>Classes of the last kernel that checked labels, for the message.</summary>
    private int _labelClasses;

    /// <summary>How the first deferred embedding check since the faults were cleared describes a bad id.</summary>
    private Func<int, float, string>? _embeddingDescribe;

    /// <summary>The fault slots as a kernel argument; launching a checking kernel arms the check at the next crossing.</summary>
    private ArrayView<long> Faults()
    {
        _faultsArmed = true;
        return _faults.View.BaseView;
    }

    private void ClearFaults()
    {
        Run(FaultSlots, IlgpuKernels.FillLong, _faults.View.BaseView, NoFault);
        _faultsArmed = false;
        _embeddingDescribe = null;
    }

    /// <summary>Reads the fault slots when a checking kernel ran (the stream is already synchronized) and throws the first fault.</summary>
    private void ThrowRecordedFault()
    {
        if (!_faultsArmed)
        {
            return;
        }

        var faults = new long[FaultSlots];
        _faults.View.CopyToCPU(_accelerator.DefaultStream, faults);
        _accelerator.DefaultStream.Synchronize();
        var describe = _embeddingDescribe;
        ClearFaults();
        if (faults[LabelFault] != NoFault)
        {
            var (row, value) = Decode(faults[LabelFault]);
            throw new DtrainException($"label {value} of batch row {row} is not a class id in [0, {_labelClasses})");
        }

        if (faults[EmbeddingFault] != NoFault)
        {
            var (position, id) = Decode(faults[EmbeddingFault]);
            throw new DtrainException(describe?.Invoke((int)position, id) ?? $"embedding id {id} at position {position} is not an integer in the table's range");
        }

        if (faults[TargetFault] != NoFault)
        {
            var (element, value) = Decode(faults[TargetFault]);
            throw new DtrainException($"binary cross-entropy target {value} at element {element} of the batch is outside [0, 1]");
        }
    }

    private static (long Position, float Value) Decode(long fault) =>
        (fault >> 32, BitConverter.Int32BitsToSingle((int)(fault & 0xFFFFFFFFL)));
}
