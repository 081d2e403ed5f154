// sigmoid: y = 1 / (1 + e^-x); dy/dx = y (1 - y).
using Dtrain.Models.Backends;

namespace Dtrain.Models.Ops;

/// <summary>Logistic sigmoid.</summary>
public sealed class Sigmoid : ActivationOp
{
    /// <inheritdoc/>
    public override string Name => "sigmoid";

    /// <inheritdoc/>
    protected override Activation Function => Activation.Sigmoid;
}
