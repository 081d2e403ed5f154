// Losses on the device. Each loss writes per-row (or per-element) terms into scratch and one
// grouped reduction takes their mean, so the loss stays on the device until the step reads it.
using Dtrain.Models.Tensors;
using ILGPU;
using ILGPU.Runtime;

namespace Dtrain.Models.Backends.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <inheritdoc/>
    public void SoftmaxCrossEntropy(Tensor logits, Tensor labels, int rows, int classes, Tensor loss, Tensor? dlogits, bool accumulate)
    {
        // logits, dlogits: (rows, classes)  labels: (rows)  loss: ()
        var terms = Scratch(rows);
        _labelClasses = classes;
        Run(rows, IlgpuKernels.SoftmaxCrossEntropyRow, V(logits), V(labels), terms, V(dlogits), Faults(), classes, Flag(dlogits is not null), Flag(accumulate), 1f / rows);
        Mean(terms, rows, loss);
    }

    /// <inheritdoc/>
    public void MeanSquaredError(Tensor prediction, Tensor target, int count, Tensor loss, Tensor? dprediction, bool accumulate)
    {
        ReduceSegments(new SegmentArgs(1, 1, count, IlgpuKernels.SumSquaredDifference, 1f / count, 0), V(prediction), V(target), _dummy.View, V(loss));
        if (dprediction is { } d)
        {
            Run(count, IlgpuKernels.SquaredErrorGradient, V(prediction), V(target), V(d), 2f / count, Flag(accumulate));
        }
    }

    /// <inheritdoc/>
    public int CountCorrect(Tensor scores, Tensor labels, int rows, int classes)
    {
        _labelClasses = classes;
        Run(1, IlgpuKernels.FillInt, _counter.View.BaseView, 0);
        Run(rows, IlgpuKernels.CountCorrectRow, V(scores), V(labels), _counter.View.BaseView, Faults(), classes);
        var correct = new int[1];
        _counter.View.CopyToCPU(_accelerator.DefaultStream, correct);
        _accelerator.DefaultStream.Synchronize();
        ThrowRecordedFault();
        return correct[0];
    }

    /// <inheritdoc/>
    public void BinaryCrossEntropyWithLogits(Tensor logits, Tensor targets, int count, Tensor loss, Tensor? dlogits, bool accumulateLogits, Tensor? dtargets, bool accumulateTargets)
    {
        // logits, targets, dlogits, dtargets: (count)  loss: ()
        var terms = Scratch(count);
        var flags = (dlogits is null ? 0 : 1) | (accumulateLogits ? 2 : 0) | (dtargets is null ? 0 : 4) | (accumulateTargets ? 8 : 0);
        Run(count, IlgpuKernels.BinaryCrossEntropyElement, V(logits), V(targets), terms, V(dlogits), V(dtargets), Faults(), flags, 1f / count);
        Mean(terms, count, loss);
    }

    /// <summary>loss[0] = the mean of the first <paramref name="count"/> terms.</summary>
    private void Mean(ArrayView<float> terms, int count, Tensor loss) =>
        ReduceSegments(new SegmentArgs(1, 1, count, IlgpuKernels.SumA, 1f / count, 0), terms, _dummy.View, _dummy.View, V(loss));
}
