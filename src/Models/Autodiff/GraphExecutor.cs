// Reverse-mode autodiff over a compiled DAG: forward keeps every value, backward walks nodes in reverse.
using Dtrain.Models.Backends;
using Dtrain.Models.Graph;
using Dtrain.Models.Ops;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Autodiff;

/// <summary>
/// Runs a <see cref="CompiledModel"/> on a backend. Every buffer (values, their gradients, the flat
/// parameter and gradient vectors) is allocated once for <c>maxBatch</c> examples; a smaller batch uses a
/// prefix of each, so a training step allocates nothing.
/// </summary>
public sealed class GraphExecutor : IDisposable
{
    private readonly Tensor[] _values;
    private readonly Tensor?[] _gradients;
    private readonly bool[] _gradientWritten;
    private readonly Tensor[] _parameters;
    private readonly Tensor[] _parameterGradients;
    private readonly OpRun[] _runs;

    // Per node: its parameters' gradients may hold something other than zeros (a backward wrote them, or the buffer
    // is fresh from the device), so a pass that does not reach it must clear them.
    private readonly bool[] _parametersWritten;
    private readonly Dictionary<int, (Tensor Buffer, WorkspaceSpec Spec)[]> _workspaces = [];
    private readonly List<int> _parameterValues = [];
    private readonly List<IBuffer> _owned = [];
    private readonly List<(int[] Targets, bool[] Nodes)> _needed = [];

    /// <summary>Builds the executor; <paramref name="training"/> false skips every gradient buffer.</summary>
    public GraphExecutor(CompiledModel model, IBackend backend, int maxBatch, bool training)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        if (ModelLimits.BatchProblem(model, maxBatch, training) is { } tooLarge)
        {
            // Before any buffer: a batch past the limits would overflow the sizes below or exhaust memory.
            throw new DtrainException($"batch {maxBatch} is too large for {model.Spec.File}: {tooLarge}");
        }

        Model = model;
        Backend = backend;
        MaxBatch = maxBatch;
        Training = training;
        Batch = maxBatch;

        var count = model.ParameterCount;
        Parameters = new Tensor(Own(count), 0, count);
        Gradients = training ? new Tensor(Own(count), 0, count) : default;
        _parameters = model.Parameters.Select(p => Parameters.Slice(p.Offset, p.Size)).ToArray();
        _parameterGradients = training ? model.Parameters.Select(p => Gradients.Slice(p.Offset, p.Size)).ToArray() : [];

        _values = new Tensor[model.Values.Count];
        _gradients = new Tensor?[model.Values.Count];
        _gradientWritten = new bool[model.Values.Count];
        for (var v = 0; v < _values.Length; v++)
        {
            if (model.Values[v].Producer >= 0 && model.Nodes[model.Values[v].Producer] is { Op.OutputIsParameter: true } owner)
            {
                // A parameter node's value is its parameter, and its gradient the parameter's gradient.
                _values[v] = _parameters[owner.Parameters[0]];
                _gradients[v] = training ? _parameterGradients[owner.Parameters[0]] : null;
                _parameterValues.Add(v);
                continue;
            }

            var size = Capacity(model.Values[v].Type);
            _values[v] = new Tensor(Own(size), 0, size);
            if (training && model.Values[v].RequiresGradient)
            {
                _gradients[v] = new Tensor(Own(size), 0, size);
            }
        }

        foreach (var node in model.Nodes.Where(n => n.Workspaces.Count > 0))
        {
            _workspaces[node.Output] = node.Workspaces
                .Select(w => (new Tensor(Own(checked((w.PerExample * maxBatch) + w.Fixed)), 0, checked((w.PerExample * maxBatch) + w.Fixed)), w))
                .ToArray();
        }

        _runs = model.Nodes.Select(n => new OpRun(this, n)).ToArray();
        _parametersWritten = model.Nodes.Select(n => n.Parameters.Length > 0).ToArray();
    }

    /// <summary>The model being run.</summary>
    public CompiledModel Model { get; }

    /// <summary>Where the tensors live.</summary>
    public IBackend Backend { get; }

    /// <summary>Largest batch the buffers hold.</summary>
    public int MaxBatch { get; }

    /// <summary>True when gradient buffers exist.</summary>
    public bool Training { get; }

    /// <summary>Examples in the current batch.</summary>
    public int Batch { get; private set; }

    /// <summary>All parameters as one flat tensor (layout: <see cref="ParameterInfo.Offset"/>).</summary>
    public Tensor Parameters { get; }

    /// <summary>All parameter gradients as one flat tensor, same layout as <see cref="Parameters"/>.</summary>
    public Tensor Gradients { get; }

    internal bool AccumulatingParameterGradients { get; private set; }

    /// <summary>Seed of the random streams ops draw from (dropout); set it per replica.</summary>
    public ulong Seed { get; set; }

    /// <summary>Forward passes run so far; advances every op's random stream.</summary>
    public long Steps { get; private set; }

    /// <summary>Copies a batch of features and labels (class ids as floats) onto the backend.</summary>
    public void SetBatch(ReadOnlySpan<float> features, ReadOnlySpan<float> labels, int batch)
    {
        if (batch < 1 || batch > MaxBatch)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), $"batch {batch} is outside [1, {MaxBatch}]");
        }

        Batch = batch;
        Backend.Upload(features[..(batch * Model.FeatureSize)], Value(Model.FeatureInput));
        Backend.Upload(labels[..(batch * Model.LabelSize)], Value(Model.LabelInput));
    }

    /// <summary>Runs every node forward for the current batch.</summary>
    public void Forward()
    {
        Steps++;
        foreach (var run in _runs)
        {
            run.Node.Op.Forward(run);
        }
    }

    /// <summary>
    /// Runs forward only the nodes that the values <paramref name="targets"/> depend on (a training step's losses):
    /// a DBN pre-training its first RBM skips the Gibbs chains of the RBMs above it. Skipped nodes keep stale values,
    /// which nothing of the step reads; random streams are per node and step, so the nodes that run draw as in
    /// <see cref="Forward()"/>.
    /// </summary>
    public void Forward(IReadOnlyList<int> targets)
    {
        var needed = NeededNodes(targets);
        Steps++;
        for (var i = 0; i < _runs.Length; i++)
        {
            if (needed[i])
            {
                _runs[i].Node.Op.Forward(_runs[i]);
            }
        }
    }

    /// <summary>The loss of the last forward pass, still on the backend (one float).</summary>
    public Tensor Loss => _values[Model.LossValue];

    /// <summary>The value of loss node output <paramref name="value"/> after the last forward pass, still on the backend (one float).</summary>
    public Tensor LossOf(int value) => _values[value];

    /// <summary>The loss of the last forward pass (one float crosses to the host).</summary>
    public float ReadLoss()
    {
        Span<float> loss = stackalloc float[1];
        Backend.Download(_values[Model.LossValue], loss);
        return loss[0];
    }

    /// <summary>
    /// Computes d(loss)/d(parameter) for every parameter into <see cref="Gradients"/>, overwriting it, or
    /// adding to it when <paramref name="accumulate"/> (several steps summed before one push). With
    /// <paramref name="readiness"/>, each of its groups is reported as soon as its gradients are final, while
    /// the rest of backward is still to run (on a device backend, still to be launched).
    /// </summary>
    public void Backward(bool accumulate = false, GradientReadiness? readiness = null) => Backward([Model.LossValue], accumulate, readiness);

    /// <summary>
    /// As <see cref="Backward(bool, GradientReadiness?)"/>, for the sum of the loss values <paramref name="losses"/>
    /// (a training program's sub-step): each is seeded with gradient 1, and where two reach one value their
    /// gradients add. A parameter no loss reaches gets gradient 0 (kept as it is when accumulating).
    /// </summary>
    public void Backward(IReadOnlyList<int> losses, bool accumulate = false, GradientReadiness? readiness = null)
    {
        if (!Training)
        {
            throw new InvalidOperationException("this executor was built for inference and has no gradient buffers");
        }

        AccumulatingParameterGradients = accumulate;
        Array.Clear(_gradientWritten);
        foreach (var v in _parameterValues)
        {
            // These gradients are parameter gradients: the first consumer adds to them when accumulating.
            _gradientWritten[v] = accumulate;
        }

        foreach (var loss in losses)
        {
            // d(loss)/d(loss) = 1, implicit in the loss ops: each writes (or adds, when another loss got there
            // first) its inputs' gradients directly.
            _gradientWritten[loss] = true;
        }

        readiness?.Begin();
        for (var i = _runs.Length - 1; i >= 0; i--)
        {
            // A node whose output no gradient reached does not influence the loss: skip it.
            if (_gradientWritten[_runs[i].Node.Output])
            {
                _runs[i].Node.Op.Backward(_runs[i]);
                _parametersWritten[i] = true;
            }
            else if (!accumulate && _parametersWritten[i])
            {
                ClearUnreached(i);
            }

            readiness?.Passed(i);
        }

        readiness?.End();
    }

    /// <summary>Copies the output scores of the current batch, (batch x classes), to the host.</summary>
    public void ReadOutput(Span<float> scores)
    {
        var output = Value(Model.OutputValue);
        Backend.Download(output, scores[..output.Length]);
    }

    /// <summary>
    /// Copies the value named <paramref name="name"/> (a node id or model input) of the last forward pass to the host:
    /// batch x its per-example size for a batched value, else the whole value. Returns the floats copied.
    /// </summary>
    public int ReadValue(string name, Span<float> values)
    {
        var v = Model.Values.Select((info, i) => (info, i)).FirstOrDefault(x => x.info.Name == name) is { info: not null } found
            ? found.i
            : throw new ArgumentException($"the model has no value named '{name}'", nameof(name));
        var value = Value(v);
        Backend.Download(value, values[..value.Length]);
        return value.Length;
    }

    /// <summary>Number of examples in the current batch whose highest output score is at their label.</summary>
    public int CountCorrect()
    {
        var classes = Model.Values[Model.OutputValue].Type.Size;
        return Backend.CountCorrect(Value(Model.OutputValue), Value(Model.LabelInput), Batch, classes);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var buffer in _owned)
        {
            buffer.Dispose();
        }

        _owned.Clear();
    }

    internal Tensor Value(int v) => Model.Values[v].Type.Batched ? _values[v].Prefix(Batch * Model.Values[v].Type.Size) : _values[v];

    internal Tensor Gradient(int v)
    {
        var g = _gradients[v] ?? throw new InvalidOperationException($"value '{Model.Values[v].Name}' has no gradient");
        return Model.Values[v].Type.Batched ? g.Prefix(Batch * Model.Values[v].Type.Size) : g;
    }

    internal Tensor? ClaimGradient(int v, out bool accumulate)
    {
        accumulate = _gradientWritten[v];
        if (_gradients[v] is null)
        {
            return null;
        }

        _gradientWritten[v] = true;
        return Gradient(v);
    }

    internal Tensor Parameter(int p) => _parameters[p];

    /// <summary>
    /// Zeroes the gradients of the parameters a skipped node owns, so a gradient left from an earlier step's other loss
    /// is never pushed as this one's. A parameter node's gradient is its output's: zeroed when no consumer wrote it.
    /// </summary>
    private void ClearUnreached(int run)
    {
        foreach (var p in _runs[run].Node.Parameters)
        {
            Backend.Fill(_parameterGradients[p], 0f);
        }

        _parametersWritten[run] = false;
    }

    internal Tensor Workspace(int node, int i)
    {
        var (buffer, spec) = _workspaces[node][i];
        return buffer.Prefix((spec.PerExample * Batch) + spec.Fixed);
    }

    internal ulong StepSeed(int node)
    {
        // SplitMix64 finalizer over (seed, step, node): well-mixed, and the same on every machine and run.
        var z = Seed + ((ulong)Steps * 0x9E3779B97F4A7C15UL) + ((ulong)node * 0xBF58476D1CE4E5B9UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    internal Tensor ParameterGradient(int p) => _parameterGradients[p];

    private bool[] NeededNodes(IReadOnlyList<int> targets)
    {
        foreach (var (key, mask) in _needed)
        {
            if (key.SequenceEqual(targets))
            {
                return mask;
            }
        }

        // Walk inputs back from each target's producer; nodes come in execution order, so one reverse pass suffices.
        var needed = new bool[_runs.Length];
        foreach (var v in targets)
        {
            if (Model.Values[v].Producer >= 0)
            {
                needed[Model.Values[v].Producer] = true;
            }
        }

        for (var i = _runs.Length - 1; i >= 0; i--)
        {
            if (!needed[i])
            {
                continue;
            }

            foreach (var input in Model.Nodes[i].Inputs)
            {
                if (Model.Values[input].Producer >= 0)
                {
                    needed[Model.Values[input].Producer] = true;
                }
            }
        }

        _needed.Add((targets.ToArray(), needed));
        return needed;
    }

    private int Capacity(TensorType type) => checked(type.Batched ? type.Size * MaxBatch : type.Size);

    private IBuffer Own(int length)
    {
        var buffer = Backend.Allocate(length);
        _owned.Add(buffer);
        return buffer;
    }
}
