using Microsoft.ML.FunctionalDnn.Losses;

namespace Microsoft.ML.FunctionalDnn.Metrics;

/// <summary>Fraction of samples whose highest prediction is the class of the one-hot target.</summary>
public sealed class CategoricalAccuracy(string name = "categorical_accuracy") : MeanMetric(name, (y, p) =>
{
    if (y.Shape != p.Shape) throw new ArgumentException($"Metric '{name}': one-hot targets {y.Shape} do not match predictions {p.Shape}.");
    return Ops.Equal(Ops.ArgMax(Loss.AsFloat(y)), Ops.ArgMax(p));
});
