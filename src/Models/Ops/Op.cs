// The contract every op implements: shape inference at load time, forward and backward at run time.
using Dtrain.Models.Autodiff;
using Dtrain.Models.Graph;
using Dtrain.Models.Initializers;
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Ops;

/// <summary>A trainable tensor an op owns, e.g. a dense layer's weight.</summary>
/// <param name="Name">Suffix after the node id, e.g. <c>weight</c> (the full name is <c>fc1.weight</c>); empty names the parameter by the node id alone.</param>
/// <param name="Shape">Dimensions.</param>
/// <param name="Init">How it is filled before training.</param>
/// <param name="FanIn">Inputs feeding each output unit (for Glorot and He).</param>
/// <param name="FanOut">Output units each input feeds.</param>
/// <param name="Trainable">
/// False for model state that is not learned by gradient (batch norm's running statistics): the op
/// updates it in place during a training forward pass, workers push its values instead of gradients,
/// and shards store what they receive instead of applying the optimizer.
/// </param>
public sealed record ParameterSpec(string Name, int[] Shape, Initializer Init, int FanIn, int FanOut, bool Trainable = true)
{
    /// <summary>Number of floats.</summary>
    public int Size => Shape.Aggregate(1, (a, b) => checked(a * b));
}

/// <summary>Scratch memory an op keeps between its forward and backward pass (im2col columns, masks, gate values).</summary>
/// <param name="PerExample">Floats per example of the batch.</param>
/// <param name="Fixed">Floats independent of the batch size.</param>
public sealed record WorkspaceSpec(int PerExample, int Fixed = 0);

/// <summary>What shape inference learns about a node: its output, its parameters, and parsed attributes.</summary>
/// <param name="Output">Type of the node's value.</param>
/// <param name="Parameters">Tensors the node owns, trainable or state.</param>
/// <param name="Config">Attributes parsed once, handed back through <see cref="OpRun.Config"/>.</param>
/// <param name="Workspaces">Scratch buffers, reached through <see cref="OpRun.Workspace"/>.</param>
public sealed record OpSignature(TensorType Output, IReadOnlyList<ParameterSpec> Parameters, object? Config = null, IReadOnlyList<WorkspaceSpec>? Workspaces = null);

/// <summary>
/// One operation of the DAG. Ops are stateless singletons in <see cref="OpRegistry"/>; per-node data
/// (parsed attributes) travels in <see cref="OpSignature.Config"/>, per-step data in <see cref="OpRun"/>.
/// </summary>
public abstract class Op
{
    /// <summary>The name a model file uses, e.g. <c>dense</c>.</summary>
    public abstract string Name { get; }

    /// <summary>Number of inputs the op takes (the least number, for an op such as concat that takes more).</summary>
    public abstract int Arity { get; }

    /// <summary>Most inputs the op takes; <see cref="Arity"/> unless the op takes a variable number.</summary>
    public virtual int MaxArity => Arity;

    /// <summary>
    /// True when the output is the op's first parameter itself (the <c>parameter</c> op): the executor makes
    /// the value a view of that parameter and its gradient a view of the parameter's gradient, so nothing is
    /// copied and Forward and Backward have nothing to do.
    /// </summary>
    public virtual bool OutputIsParameter => false;

    /// <summary>True for ops that end the graph in a scalar loss.</summary>
    public virtual bool IsLoss => false;

    /// <summary>Validates attributes and input shapes, and infers the output; throws via <paramref name="attrs"/>.Error.</summary>
    public abstract OpSignature Infer(NodeAttributes attrs, IReadOnlyList<TensorType> inputs);

    /// <summary>Computes the node's output from its inputs and parameters.</summary>
    public abstract void Forward(OpRun run);

    /// <summary>Computes gradients for the inputs that need them and for the parameters.</summary>
    public abstract void Backward(OpRun run);

    /// <summary>Checks an input has the expected per-example rank and batch axis.</summary>
    protected static void ExpectBatchedRank(NodeAttributes attrs, IReadOnlyList<TensorType> inputs, int index, int rank, string what)
    {
        var t = inputs[index];
        if (!t.Batched || t.Rank != rank)
        {
            var want = rank == 0 ? "(batch)" : rank == 1 ? "(batch, features)" : $"a batched tensor of rank {rank + 1}";
            throw attrs.Error($"{what} must be {want}, got {t}");
        }
    }
}
