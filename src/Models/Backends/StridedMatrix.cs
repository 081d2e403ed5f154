// A row-major matrix whose rows sit a fixed stride apart inside a tensor: one time step of a (batch, time, n) sequence.
using Dtrain.Models.Tensors;

namespace Dtrain.Models.Backends;

/// <summary>
/// Rows of a row-major matrix that start <see cref="Stride"/> floats apart in <see cref="Data"/>; row r begins at
/// element r * Stride of the view. Time step t of a (batch, time, n) buffer is the (batch x n) matrix with stride
/// time * n starting t * n floats in, so the recurrent layers walk time without transposing their sequences.
/// </summary>
/// <param name="Data">The view, starting at the first element of row 0.</param>
/// <param name="Stride">Floats from the start of one row to the start of the next.</param>
public readonly record struct StridedMatrix(Tensor Data, int Stride)
{
    /// <summary>A densely packed (rows x <paramref name="cols"/>) matrix.</summary>
    public static StridedMatrix Dense(Tensor data, int cols) => new(data, cols);

    /// <summary>
    /// Time step <paramref name="step"/> of a (<paramref name="rows"/>, <paramref name="steps"/>, <paramref name="cols"/>)
    /// row-major sequence: the (rows x cols) matrix of every example's entry at that step.
    /// </summary>
    public static StridedMatrix Step(Tensor sequence, int step, int rows, int steps, int cols)
    {
        var stride = steps * cols;
        return new(sequence.Slice(step * cols, ((rows - 1) * stride) + cols), stride);
    }
}
