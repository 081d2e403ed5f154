// Kernels of the recurrent layers: copies on strided row views and the fused gate math of one time step (their
// GEMMs on strided row views are in IBackend.Gemm).
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends;

/// <summary>
/// The recurrent kernels. Sequences are (batch, time, n) row-major; a time step is a <see cref="StridedMatrix"/>
/// of <c>rows</c> examples. Gate blocks sit side by side in a row: LSTM [i | f | g | o], GRU [r | z | n], each
/// <c>units</c> wide. Every step kernel is one pass over (rows x units) that applies all gate nonlinearities.
/// </summary>
public partial interface IBackend
{
    /// <summary>target[r, c] = source[r, c] for a (rows x cols) block.</summary>
    void CopyRows(StridedMatrix source, StridedMatrix target, int rows, int cols);

    /// <summary>target[r, c] += source[r, c] for a (rows x cols) block.</summary>
    void AddRows(StridedMatrix source, StridedMatrix target, int rows, int cols);

    /// <summary>target[r, c] = value for a (rows x cols) block.</summary>
    void FillRows(StridedMatrix target, int rows, int cols, float value);

    /// <summary>
    /// Elman step: a = tanh(gates + bias) written back into <paramref name="gates"/> and into <paramref name="h"/>.
    /// gates: (rows, units) holding x W + h U; bias: (units); h: (rows, units).
    /// </summary>
    void RnnForwardStep(StridedMatrix gates, Tensor bias, StridedMatrix h, int rows, int units);

    /// <summary>
    /// Elman step backward: dGates = dh * (1 - a^2). gates: (rows, units) activations a; dh: (rows, units).
    /// </summary>
    void RnnBackwardStep(StridedMatrix gates, StridedMatrix dh, StridedMatrix dGates, int rows, int units);

    /// <summary>
    /// LSTM step. gates: (rows, 4 units) holding x W + h U, replaced by the activations i, f, g, o after adding
    /// bias (4 units); c = f * cPrev + i * g into <paramref name="c"/>; h = o * tanh(c) into <paramref name="h"/>.
    /// </summary>
    void LstmForwardStep(StridedMatrix gates, Tensor bias, StridedMatrix cPrev, StridedMatrix c, StridedMatrix h, int rows, int units);

    /// <summary>
    /// LSTM step backward. Reads the activations in <paramref name="gates"/>, the cell states, dh (d loss / d h_t)
    /// and dc (d loss / d c_t from step t + 1); writes the pre-activation gradients into <paramref name="dGates"/>
    /// (rows, 4 units) and replaces dc by d loss / d c_{t-1} = dc_t * f.
    /// </summary>
    void LstmBackwardStep(StridedMatrix gates, StridedMatrix cPrev, StridedMatrix c, StridedMatrix dh, StridedMatrix dc, StridedMatrix dGates, int rows, int units);

    /// <summary>
    /// GRU step (PyTorch's formulation, reset applied after the recurrent product). gates: (rows, 3 units) holding
    /// x W, replaced by the activations r, z, n; hU: (rows, 3 units) = h_{t-1} U; bias and recurrentBias: (3 units).
    /// r = sigmoid(xW_r + b_r + hU_r + bh_r), z likewise, hn = hU_n + bh_n (kept in <paramref name="hn"/> for
    /// backward), n = tanh(xW_n + b_n + r * hn), h = (1 - z) * n + z * h_{t-1}.
    /// </summary>
    void GruForwardStep(StridedMatrix gates, Tensor bias, StridedMatrix hU, Tensor recurrentBias, StridedMatrix hPrev, StridedMatrix hn, StridedMatrix h, int rows, int units);

    /// <summary>
    /// GRU step backward. Writes d loss / d(x W + b) into <paramref name="dGates"/> and d loss / d(h U + bh) into
    /// <paramref name="dRecurrent"/> (both (rows, 3 units); they differ in the n block, which the reset gate
    /// scales), and replaces dh by its direct path to h_{t-1}, dh * z; the caller adds dRecurrent U^T.
    /// </summary>
    void GruBackwardStep(StridedMatrix gates, StridedMatrix hn, StridedMatrix hPrev, StridedMatrix dh, StridedMatrix dGates, StridedMatrix dRecurrent, int rows, int units);
}
