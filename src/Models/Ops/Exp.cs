// exp: y = e^x elementwise; dy/dx = y.
using Dtrain.Models.Backends;

namespace Dtrain.Models.Ops;

/// <summary>Natural exponential.</summary>
public sealed class Exp : UnaryOp
{
    /// <inheritdoc/>
    public override string Name => "exp";

    /// <inheritdoc/>
    protected override UnaryFunction Function => UnaryFunction.Exp;
}
