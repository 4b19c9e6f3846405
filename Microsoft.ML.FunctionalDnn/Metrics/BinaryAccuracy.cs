using Microsoft.ML.FunctionalDnn.Losses;

namespace Microsoft.ML.FunctionalDnn.Metrics;

/// <summary>
/// Fraction of predictions on the right side of <paramref name="threshold"/>: a prediction counts
/// when it and its target (0/1) are both above the threshold or both not; a sample with several
/// values scores the fraction of them that count.
/// </summary>
public sealed class BinaryAccuracy(string name = "binary_accuracy", float threshold = 0.5f) : MeanMetric(name, (y, p) =>
{
    if (y.Size != p.Size) throw new ArgumentException($"Metric '{name}': targets {y.Shape} and predictions {p.Shape} differ in size.");
    var cut = Tensor.Scalar(threshold);
    var targets = Loss.AsFloat(y).Reshape(p.Shape.ToArray());
    return Loss.PerSampleMean(Ops.Equal(Ops.Greater(p, cut), Ops.Greater(targets, cut)));
});
