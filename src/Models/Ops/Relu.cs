// relu: y = max(0, x); dy/dx = 1 where x > 0.
using Dtrain.Models.Backends;

namespace Dtrain.Models.Ops;

/// <summary>Rectified linear unit.</summary>
public sealed class Relu : ActivationOp
{
    /// <inheritdoc/>
    public override string Name => "relu";

    /// <inheritdoc/>
    protected override Activation Function => Activation.Relu;
}
