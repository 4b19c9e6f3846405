using Microsoft.ML.FunctionalDnn.Losses;

namespace Microsoft.ML.FunctionalDnn.Metrics;

/// <summary>
/// Fraction of samples whose target class is among the <paramref name="k"/> highest predictions:
/// fewer than k classes score strictly higher than the target's.
/// </summary>
public sealed class TopKCategoricalAccuracy(int k = 5, string name = "top_k_categorical_accuracy") : MeanMetric(name, (y, p) =>
{
    if (y.Shape != p.Shape) throw new ArgumentException($"Metric '{name}': one-hot targets {y.Shape} do not match predictions {p.Shape}.");
    var isTarget = Ops.OneHot(Ops.ArgMax(Loss.AsFloat(y)), p.Shape[-1]);
    // The target's score, picked exactly: every other class is -∞ before the maximum.
    var target = Ops.Max(Ops.Where(isTarget, p, Tensor.Scalar(float.NegativeInfinity)), -1, keepDims: true);
    var higher = Ops.Sum(Ops.Greater(p, target), -1);
    return Ops.Greater(Tensor.Scalar(k), higher);
});
