// Kernels of the activations: ReLU, sigmoid and tanh, the identity's scaled copy, leaky ReLU, ELU, PReLU and
// softmax.
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends;

/// <summary>Pointwise functions the backends implement forward and backward.</summary>
public enum Activation
{
    /// <summary>max(0, x).</summary>
    Relu,

    /// <summary>1 / (1 + e^-x).</summary>
    Sigmoid,

    /// <summary>tanh(x).</summary>
    Tanh,
}

public partial interface IBackend
{
    /// <summary>y = (accumulate ? y : 0) + alpha * x, elementwise (identity layers and their gradients).</summary>
    void ScaleInto(Tensor x, float alpha, Tensor y, bool accumulate);

    /// <summary>y = x where x &gt; 0, alpha * x elsewhere.</summary>
    void LeakyRelu(Tensor x, Tensor y, float alpha);

    /// <summary>dx = (accumulate ? dx : 0) + dy * (x &gt; 0 ? 1 : alpha).</summary>
    void LeakyReluBackward(Tensor x, Tensor dy, Tensor dx, float alpha, bool accumulate);

    /// <summary>y = x where x &gt; 0, alpha * (e^x - 1) elsewhere.</summary>
    void Elu(Tensor x, Tensor y, float alpha);

    /// <summary>dx = (accumulate ? dx : 0) + dy * (x &gt; 0 ? 1 : y + alpha), using y = elu(x).</summary>
    void EluBackward(Tensor x, Tensor y, Tensor dy, Tensor dx, float alpha, bool accumulate);

    /// <summary>
    /// PReLU of x viewed as (rows, channels, inner): y = x where x &gt; 0, slope[channel] * x elsewhere.
    /// </summary>
    void Prelu(Tensor x, Tensor slope, Tensor y, int rows, int channels, int inner);

    /// <summary>
    /// PReLU backward over x viewed as (rows, channels, inner): dslope[c] = (accumulateSlope ? dslope[c] : 0)
    /// + sum of dy * x where x &lt;= 0; and, when <paramref name="dx"/> is given, dx = (accumulateInput ? dx : 0)
    /// + dy * (x &gt; 0 ? 1 : slope[c]).
    /// </summary>
    void PreluBackward(Tensor x, Tensor slope, Tensor dy, Tensor? dx, Tensor dslope, int rows, int channels, int inner, bool accumulateInput, bool accumulateSlope);

    /// <summary>Softmax of each row of a (rows x cols) matrix.</summary>
    void Softmax(Tensor x, Tensor y, int rows, int cols);

    /// <summary>
    /// The softmax Jacobian-vector product per row, from its output y: dx = (accumulate ? dx : 0)
    /// + y * (dy - sum(dy * y)).
    /// </summary>
    void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx, int rows, int cols, bool accumulate);

    /// <summary>y = f(x) elementwise.</summary>
    void Activate(Activation f, Tensor x, Tensor y);

    /// <summary>dx = (accumulate ? dx : 0) + dy * f'(x), using y = f(x) where that is cheaper.</summary>
    void ActivateBackward(Activation f, Tensor x, Tensor y, Tensor dy, Tensor dx, bool accumulate);
}
