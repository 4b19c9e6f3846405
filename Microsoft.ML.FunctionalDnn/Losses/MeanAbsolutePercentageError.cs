namespace Microsoft.ML.FunctionalDnn.Losses;

/// <summary>100 · mean(|y - ŷ| / max(|y|, ε)).</summary>
public sealed class MeanAbsolutePercentageError : Loss
{
    /// <inheritdoc/>
    public override string Name => "mean_absolute_percentage_error";

    /// <inheritdoc/>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        RequireSameShape(yTrue, yPred);
        var y = AsFloat(yTrue);
        var ratio = Ops.Divide(Ops.Abs(Ops.Subtract(y, yPred)), Ops.Maximum(Ops.Abs(y), Tensor.Scalar(Epsilon)));
        return Ops.Multiply(PerSampleMean(ratio), Tensor.Scalar(100));
    }
}
