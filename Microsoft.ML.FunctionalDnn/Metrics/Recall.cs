namespace Microsoft.ML.FunctionalDnn.Metrics;

/// <summary>TP / (TP + FN), a prediction counting as positive above <paramref name="threshold"/>.</summary>
public sealed class Recall(float threshold = 0.5f, string name = "recall") : ConfusionMetric([threshold])
{
    /// <inheritdoc/>
    public override string Name => name;

    /// <inheritdoc/>
    public override float Result()
    {
        var (tp, _, _, fn) = Counts();
        return Fraction(tp[0], fn[0]);
    }
}
