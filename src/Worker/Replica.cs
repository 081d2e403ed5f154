// A worker's model replica: the job's model built on the worker's backend, pulled parameters scattered into it, and
// the compute half of a step (batch, forward, backward, clipping, each shard's part copied out) with its loss check.
using Dtrain.Models;
using Dtrain.Models.Autodiff;
using Dtrain.Models.Backends;
using Dtrain.Models.Data;
using Dtrain.Models.Graph;
using Dtrain.Models.Optimizers;
using Dtrain.Models.Tensors;
using Dtrain.Protocol;
using static Dtrain.Protocol.WorkerProtocol;

namespace Dtrain.Worker;

/// <summary>
/// One job's model on a backend the replica borrows (the worker keeps one backend over all its jobs). Every buffer a
/// step uses is allocated here, once, when the job is joined.
/// </summary>
internal sealed class Replica : IDisposable
{
    private readonly IBackend _backend;
    private readonly GraphExecutor _executor;
    private readonly ExampleSource _trainingSet;
    private readonly int _featureSize;
    private readonly int _targetSize;
    private readonly Tensor[] _trainableGradients;
    private readonly Dictionary<ulong, Tensor[]> _trainableByMask = [];
    private readonly IBuffer _normScratch;
    private HostBuffer _lossHost;
    private readonly float[] _features;
    private readonly float[] _labels;
    private readonly int _workerId;

    // Image augmentation of training batches (training.data.augment): crop padding, flip, and the seed of the draws.
    private readonly (int CropPadding, bool Flip, int Seed) _augment;
    private readonly int[]? _imageShape;

    // The step in progress: its examples and partition (named when its loss is not finite), and whether its loss,
    // copied to the host behind forward, has been taken.
    private int _batch;
    private (int Epoch, int PartitionId) _partition;
    private bool _lossTaken = true;
    private int[] _losses = [];

    /// <summary>A replica of <paramref name="model"/> training on <paramref name="trainingSet"/> in batches of <paramref name="batch"/>.</summary>
    public Replica(IBackend backend, CompiledModel model, ExampleSource trainingSet, int batch, int workerId)
    {
        _backend = backend;
        _trainingSet = trainingSet;
        (_featureSize, _targetSize) = (trainingSet.FeatureSize, trainingSet.TargetSize);
        _workerId = workerId;
        var data = model.Spec.Training.Data;
        _augment = (data.AugmentCropPadding, data.AugmentFlip, model.Spec.Training.Seed);
        _imageShape = ImageShape(model, trainingSet);
        _executor = new GraphExecutor(model, backend, batch, training: true)
        {
            // Each replica draws its own dropout masks; the same job and worker id repeat them exactly.
            Seed = ((ulong)(uint)model.Spec.Training.Seed << 32) | (uint)workerId,
        };
        _trainableGradients = model.Parameters.Where(p => p.Spec.Trainable).Select(p => _executor.Gradients.Slice(p.Offset, p.Size)).ToArray();
        _normScratch = backend.Allocate(1);
        _lossHost = backend.AllocateHost(1);
        _features = new float[batch * model.FeatureSize];
        _labels = new float[batch * model.LabelSize];
    }

    /// <summary>Throws, naming <paramref name="modelFile"/>, when the model cannot train on <paramref name="trainingSet"/>.</summary>
    public static void CheckFits(CompiledModel model, ExampleSource trainingSet, string modelFile)
    {
        if (model.FeatureSize != trainingSet.FeatureSize)
        {
            throw new DtrainException($"{modelFile}: the model's features have {model.FeatureSize} floats per example but data set '{trainingSet.Name}' has {trainingSet.FeatureSize}");
        }

        var data = model.Spec.Training.Data;
        if (ImageAugment.IsOn(data.AugmentCropPadding, data.AugmentFlip) && ImageShape(model, trainingSet) is null)
        {
            throw new DtrainException($"{modelFile}: training.data.augment needs images ([channels, height, width] or [height, width]), but data set '{trainingSet.Name}' has examples of [{string.Join(", ", trainingSet.FeatureShape)}] and the model's input is [{string.Join(", ", model.Values[model.FeatureInput].Type.Dims)}]");
        }
    }

    /// <summary>
    /// The shape augmentation sees one example as: the data set's when it stores images, else the model's input when
    /// that is an image of the same size (built-in MNIST stores flat rows of 784 that a [28, 28] input reads as rows);
    /// null when neither is of rank 2 or 3. The sizes agree: <see cref="CheckFits"/> checked them first.
    /// </summary>
    private static int[]? ImageShape(CompiledModel model, ExampleSource trainingSet)
    {
        if (trainingSet.FeatureShape.Length is 2 or 3)
        {
            return trainingSet.FeatureShape;
        }

        var input = model.Values[model.FeatureInput].Type.Dims;
        return input.Length is 2 or 3 ? input : null;
    }

    /// <summary>Uploads one shard's pulled floats, <paramref name="values"/>, into its <paramref name="chunks"/> of the parameters.</summary>
    public void Scatter(ReadOnlySpan<float> values, ChunkInfo[] chunks)
    {
        var floats = 0;
        foreach (var c in chunks)
        {
            floats += c.Length;
        }

        if (values.Length != floats)
        {
            throw new DtrainException($"a shard sent {values.Length} floats for {chunks.Length} chunks of {floats} floats");
        }

        var at = 0;
        foreach (var c in chunks)
        {
            _backend.Upload(values.Slice(at, c.Length), _executor.Parameters.Slice(c.Offset, c.Length));
            at += c.Length;
        }
    }

    /// <summary>Loads the <paramref name="count"/> examples of <paramref name="partition"/> from <paramref name="position"/> on as the step's batch.</summary>
    public void LoadBatch(AssignPartition partition, int position, int count)
    {
        var indices = partition.Indices.AsSpan(position, count);
        var features = _features.AsSpan(0, count * _featureSize);
        _trainingSet.Gather(indices, features, _labels.AsSpan(0, count * _targetSize));
        if (ImageAugment.IsOn(_augment.CropPadding, _augment.Flip))
        {
            // After the gather, before the upload: each example's draw depends on (seed, epoch, index) only.
            ImageAugment.Apply(features, _imageShape!, indices, _augment.CropPadding, _augment.Flip, _augment.Seed, partition.Epoch);
        }

        _executor.SetBatch(_features, _labels, count);
        (_batch, _partition) = (count, (partition.Epoch, partition.PartitionId));
    }

    /// <summary>
    /// Runs forward and queues the copy of the step's losses (<paramref name="losses"/>, value indices: the program's
    /// sub-step) to the host: they come back with the first push (or the step's end), not by a wait between forward and
    /// backward, so on a GPU the device runs on while backward is launched.
    /// </summary>
    public void Forward(int[] losses)
    {
        _executor.Forward(losses);
        if (losses.Length > _lossHost.Length)
        {
            _lossHost.Dispose();
            _lossHost = _backend.AllocateHost(losses.Length);
        }

        for (var i = 0; i < losses.Length; i++)
        {
            _backend.DownloadAsync(_executor.LossOf(losses[i]), _lossHost, i);
        }

        _losses = losses;
        _lossTaken = false;
    }

    /// <summary>As <see cref="Forward(int[])"/>, over the model's loss alone (a model without a program).</summary>
    public void Forward() => Forward([_executor.Model.LossValue]);

    /// <summary>
    /// Runs backward over the step's losses, adding to the gradients of earlier steps with <paramref name="accumulate"/>;
    /// <paramref name="readiness"/> hears of each shard's part as it is final.
    /// </summary>
    public void Backward(bool accumulate, GradientReadiness? readiness) => _executor.Backward(_losses, accumulate, readiness);

    /// <summary>
    /// Scales the gradient to global L2 norm <paramref name="clipNorm"/> when it is longer (0: no clipping); the norm is
    /// over the groups of <paramref name="groupMask"/> (0: all), the ones the push updates.
    /// </summary>
    public void ClipGradients(float clipNorm, ulong groupMask = TrainingProgram.AllGroups)
    {
        if (clipNorm > 0)
        {
            // Only the worker sees the whole gradient (each shard holds a part), so the global norm is taken
            // here, over the trainable parameters' gradients (summed over the steps since the last push).
            GradientClipping.ClipByGlobalNorm(_backend, Trainable(groupMask), new Tensor(_normScratch, 0, 1), clipNorm);
        }
    }

    /// <summary>The trainable gradients of the groups in <paramref name="groupMask"/>, made once per mask.</summary>
    private Tensor[] Trainable(ulong groupMask)
    {
        if (groupMask == TrainingProgram.AllGroups)
        {
            return _trainableGradients;
        }

        if (!_trainableByMask.TryGetValue(groupMask, out var gradients))
        {
            var model = _executor.Model;
            gradients = model.Parameters
                .Where(p => p.Spec.Trainable && TrainingProgram.Updates(groupMask, model.Program.GroupOf(p.Index)))
                .Select(p => _executor.Gradients.Slice(p.Offset, p.Size))
                .ToArray();
            _trainableByMask[groupMask] = gradients;
        }

        return gradients;
    }

    /// <summary>
    /// Queues the copy of one shard's <paramref name="chunks"/> into <paramref name="host"/> behind the kernels that
    /// computed them: state chunks (running statistics) as values, the rest as gradients. The fence says it landed.
    /// </summary>
    public DeviceFence CopyOut(ChunkInfo[] chunks, HostBuffer host)
    {
        var at = 0;
        foreach (var c in chunks)
        {
            var source = c.State ? _executor.Parameters : _executor.Gradients;
            _backend.DownloadAsync(source.Slice(c.Offset, c.Length), host, at);
            at += c.Length;
        }

        return _backend.Fence();
    }

    /// <summary>Waits until the device has done everything queued so far (the loss's copy too).</summary>
    public void Synchronize() => _backend.Fence().Wait();

    /// <summary>
    /// The step's loss summed over its examples, the first time it is asked for once a fence after forward has
    /// passed; null when taken already. A loss that is not finite throws, so the step fails before any of its
    /// gradients leave.
    /// </summary>
    public double? TakeLoss()
    {
        if (_lossTaken)
        {
            return null;
        }

        var loss = _lossHost.Array[0];
        for (var i = 1; i < _losses.Length; i++)
        {
            loss += _lossHost.Array[i]; // a sub-step's losses are summed, as their gradients are
        }

        if (!float.IsFinite(loss))
        {
            throw new DtrainException($"worker {_workerId}: the loss became {loss} at epoch {_partition.Epoch}, partition {_partition.PartitionId}; lower the learning rate");
        }

        _lossTaken = true;
        return (double)loss * _batch;
    }

    public void Dispose()
    {
        _lossHost.Dispose();
        _executor.Dispose();
        _normScratch.Dispose();
    }
}
