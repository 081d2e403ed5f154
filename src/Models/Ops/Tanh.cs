// tanh: y = tanh(x); dy/dx = 1 - y^2.
using Dtrain.Models.Backends;

namespace Dtrain.Models.Ops;

/// <summary>Hyperbolic tangent.</summary>
public sealed class Tanh : ActivationOp
{
    /// <inheritdoc/>
    public override string Name => "tanh";

    /// <inheritdoc/>
    protected override Activation Function => Activation.Tanh;
}
