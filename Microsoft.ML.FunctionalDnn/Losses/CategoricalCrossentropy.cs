namespace Microsoft.ML.FunctionalDnn.Losses;

/// <summary>
/// -Σ y·log ŷ over the last axis. On probabilities (the default), ŷ is renormalized to sum to 1
/// and clipped to [1e-7, 1 - 1e-7], as Keras does; with <paramref name="fromLogits"/>, log-softmax is used.
/// </summary>
public sealed class CategoricalCrossentropy(bool fromLogits = false, float labelSmoothing = 0) : Loss
{
    /// <inheritdoc/>
    public override string Name => "categorical_crossentropy";

    internal override Dictionary<string, object?>? GetConfig() => new() { ["name"] = Name, ["from_logits"] = fromLogits, ["label_smoothing"] = labelSmoothing };

    /// <inheritdoc/>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        RequireSameShape(yTrue, yPred);
        var y = AsFloat(yTrue);
        if (labelSmoothing > 0)
            y = Ops.Add(Ops.Multiply(y, Tensor.Scalar(1 - labelSmoothing)), Tensor.Scalar(labelSmoothing / yPred.Shape[-1]));
        Tensor logP = fromLogits
            ? Ops.LogSoftmax(yPred)
            : Ops.Log(Ops.Clip(Ops.Divide(yPred, Ops.Sum(yPred, -1, keepDims: true)), Epsilon, 1 - Epsilon));
        return Ops.Negate(PerSampleSumLast(Ops.Multiply(y, logP)));
    }
}
