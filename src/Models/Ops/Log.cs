// log: y = ln x elementwise; dy/dx = 1/x. ln of a negative number is NaN and ln 0 is -infinity (IEEE 754),
// which the worker reports as a non-finite loss: keep the input positive (e.g. log of exp, or of a softplus).
using Dtrain.Models.Backends;

namespace Dtrain.Models.Ops;

/// <summary>Natural logarithm; non-positive inputs give NaN or -infinity rather than an error.</summary>
public sealed class Log : UnaryOp
{
    /// <inheritdoc/>
    public override string Name => "log";

    /// <inheritdoc/>
    protected override UnaryFunction Function => UnaryFunction.Log;
}
