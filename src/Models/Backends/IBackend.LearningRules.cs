// Kernels of the classic learning rules that are not plain products: the perceptron's error-driven rule and the
// zero-diagonal Hebbian outer product of a Hopfield network.
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends;

public partial interface IBackend
{
    /// <summary>
    /// Rosenblatt's perceptron over (rows x cols) pre-activations z and targets t in {0, 1}: loss[0] = the fraction
    /// of the rows * cols units with step(z) = (z &gt; 0 ? 1 : 0) unequal to t, and, when <paramref name="dz"/> is
    /// given, dz = (accumulate ? dz : 0) - (t - step(z)) / rows, so gradient descent applies w += lr (t - y) x / rows.
    /// </summary>
    void Perceptron(Tensor z, Tensor t, int rows, int cols, Tensor loss, Tensor? dz, bool accumulate);

    /// <summary>
    /// dW = (accumulate ? dW : 0) + <paramref name="outer"/> off the diagonal of the (n x n) matrix, unchanged on it:
    /// a Hopfield network's weight update, whose units have no self-connections.
    /// </summary>
    void HopfieldWeightGradient(Tensor outer, Tensor dW, int n, bool accumulate);
}
