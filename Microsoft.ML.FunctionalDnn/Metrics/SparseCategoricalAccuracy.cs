namespace Microsoft.ML.FunctionalDnn.Metrics;

/// <summary>Fraction of samples whose highest prediction is the integer label (float labels are truncated, as Keras casts them).</summary>
public sealed class SparseCategoricalAccuracy(string name = "sparse_categorical_accuracy") : MeanMetric(name, (y, p) =>
{
    var guess = Ops.ArgMax(p);
    if (y.Size != guess.Size) throw new ArgumentException($"Metric '{name}': expected one label per sample ({guess.Size}); received {y.Shape}.");
    var labels = y.DType == DType.Int32 ? y : Ops.Cast(y, DType.Int32);
    return Ops.Equal(labels.Reshape(guess.Shape.ToArray()), guess);
});
