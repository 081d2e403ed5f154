// What one node sees while it runs: backend, batch size, tensors of its inputs, output, parameters and gradients.
using Dtrain.Models.Backends;
using Dtrain.Models.Graph;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Autodiff;

/// <summary>
/// The per-node view the executor hands to <see cref="Ops.Op.Forward"/> and <see cref="Ops.Op.Backward"/>.
/// Made once per node when the executor is built; only the batch size changes between steps.
/// </summary>
public sealed class OpRun
{
    private readonly GraphExecutor _executor;
    private readonly CompiledNode _node;


    internal OpRun(GraphExecutor executor, CompiledNode node)
    {
        _executor = executor;
        _node = node;
    }

    /// <summary>The node being run.</summary>
    public CompiledNode Node => _node;

    /// <summary>The backend that owns every tensor.</summary>
    public IBackend Backend => _executor.Backend;

    /// <summary>Examples in the current batch.</summary>
    public int Batch => _executor.Batch;

    /// <summary>True in a training pass (dropout drops, batch norm uses batch statistics), false in evaluation.</summary>
    public bool Training => _executor.Training;

    /// <summary>
    /// A seed for this node's randomness in the current step (dropout masks): a function of the executor's
    /// seed, its step counter and the node, so runs repeat exactly for a given seed.
    /// </summary>
    public ulong StepSeed => _executor.StepSeed(_node.Output);

    /// <summary>Scratch buffer <paramref name="i"/> (see <see cref="Ops.WorkspaceSpec"/>), sized for the current batch.</summary>
    public Tensor Workspace(int i) => _executor.Workspace(_node.Output, i);

    /// <summary>Parsed attributes from shape inference.</summary>
    public object? Config => _node.Config;

    /// <summary>Type of input <paramref name="i"/>.</summary>
    public TensorType InputType(int i) => _executor.Model.Values[_node.Inputs[i]].Type;

    /// <summary>Type of the output.</summary>
    public TensorType OutputType => _executor.Model.Values[_node.Output].Type;

    /// <summary>Value of input <paramref name="i"/> for the current batch.</summary>
    public Tensor Input(int i) => _executor.Value(_node.Inputs[i]);

    /// <summary>The output for the current batch.</summary>
    public Tensor Output => _executor.Value(_node.Output);

    /// <summary>d(loss)/d(output) for the current batch.</summary>
    public Tensor OutputGradient => _executor.Gradient(_node.Output);

    /// <summary>Number of parameters this node owns.</summary>
    public int ParameterCount => _node.Parameters.Length;

    /// <summary>Parameter <paramref name="i"/> of this node.</summary>
    public Tensor Parameter(int i) => _executor.Parameter(_node.Parameters[i]);

    /// <summary>Gradient of parameter <paramref name="i"/>.</summary>
    public Tensor ParameterGradient(int i) => _executor.ParameterGradient(_node.Parameters[i]);

    /// <summary>True when parameter gradients must be added to (accumulating over several steps before a push).</summary>
    public bool AccumulateParameterGradients => _executor.AccumulatingParameterGradients;

    /// <summary>
    /// Gradient buffer of input <paramref name="i"/>, or null when that input needs no gradient (data).
    /// <paramref name="accumulate"/> is true when another consumer already wrote it this pass, so the op
    /// must add rather than overwrite.
    /// </summary>
    public Tensor? InputGradient(int i, out bool accumulate) => _executor.ClaimGradient(_node.Inputs[i], out accumulate);
}
