// Regression scores in the data's own units: RMSE, MAE and R², with the target normalisation undone.
using Dtrain.Models.Data;

namespace Dtrain.Models.Metrics;

/// <summary>
/// Scores real-valued predictions. Targets are trained as <c>(y - shift) * scale</c> (see
/// <see cref="DataSchema.TargetShift"/>), so both output and target go back through <c>v / scale + shift</c> first:
/// an RMSE of 3.2 means 3.2 of the user's units. R² is per target and averaged, as scikit-learn's default.
/// </summary>
public sealed class RegressionMetrics : MetricAccumulator
{
    private readonly int _targets;
    private readonly float[]? _shift;
    private readonly float[]? _scale;
    private double _squared;
    private double _absolute;

    // Per target, for R²: the residual sum of squares and a running mean / M2 (Welford) of the actual values.
    private readonly double[] _residual;
    private readonly double[] _mean;
    private readonly double[] _m2;

    /// <summary>
    /// Scores <paramref name="targets"/> values per example; <paramref name="shift"/> and <paramref name="scale"/>
    /// (one value for all targets, or one per target; null: identity) are the normalisation to undo.
    /// </summary>
    public RegressionMetrics(int targets, float[]? shift = null, float[]? scale = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(targets, 1);
        foreach (var v in new[] { shift, scale })
        {
            if (v is not null && v.Length != 1 && v.Length != targets)
            {
                throw new ArgumentException($"a target normalisation holds {v.Length} values for {targets} targets; it needs 1 or {targets}");
            }
        }

        _targets = targets;
        _shift = shift;
        _scale = scale;
        _residual = new double[targets];
        _mean = new double[targets];
        _m2 = new double[targets];
    }

    /// <inheritdoc/>
    public override LearningTask Task => LearningTask.Regression;

    /// <summary>A trained-unit value of target <paramref name="t"/> in the data's units.</summary>
    private double Original(float value, int t)
    {
        var scale = _scale is null ? 1.0 : _scale[_scale.Length == 1 ? 0 : t];
        var shift = _shift is null ? 0.0 : _shift[_shift.Length == 1 ? 0 : t];
        return (value / (scale == 0 ? 1 : scale)) + shift;
    }

    /// <inheritdoc/>
    protected override void AddBatch(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int batch)
    {
        // outputs: (B, T)  targets: (B, T)
        var seen = Examples - batch;
        for (var i = 0; i < batch; i++)
        {
            seen++;
            for (var t = 0; t < _targets; t++)
            {
                var actual = Original(targets[(i * _targets) + t], t);
                var error = Original(outputs[(i * _targets) + t], t) - actual;
                _squared += error * error;
                _absolute += Math.Abs(error);
                _residual[t] += error * error;
                var delta = actual - _mean[t];
                _mean[t] += delta / seen;
                _m2[t] += delta * (actual - _mean[t]);
            }
        }
    }

    /// <inheritdoc/>
    protected override TaskMetrics Finish(TaskMetrics metrics)
    {
        var values = (double)Examples * _targets;
        var r2 = 0.0;
        for (var t = 0; t < _targets; t++)
        {
            // scikit-learn's convention for a constant target: 1 when predicted exactly, else 0.
            r2 += _m2[t] > 0 ? 1 - (_residual[t] / _m2[t]) : _residual[t] == 0 ? 1 : 0;
        }

        return metrics with
        {
            Rmse = values == 0 ? 0 : Math.Sqrt(_squared / values),
            Mae = values == 0 ? 0 : _absolute / values,
            R2 = Examples == 0 ? 0 : r2 / _targets,
        };
    }
}
