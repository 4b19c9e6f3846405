namespace Microsoft.ML.FunctionalDnn.Metrics;

/// <summary>TP / (TP + FP), a prediction counting as positive above <paramref name="threshold"/>.</summary>
public sealed class Precision(float threshold = 0.5f, string name = "precision") : ConfusionMetric([threshold])
{
    /// <inheritdoc/>
    public override string Name => name;

    /// <inheritdoc/>
    public override float Result()
    {
        var (tp, fp, _, _) = Counts();
        return Fraction(tp[0], fp[0]);
    }
}
