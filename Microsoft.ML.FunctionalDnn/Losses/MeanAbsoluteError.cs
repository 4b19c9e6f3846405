namespace Microsoft.ML.FunctionalDnn.Losses;

/// <summary>mean(|y - ŷ|) over the last axis.</summary>
public sealed class MeanAbsoluteError : Loss
{
    /// <inheritdoc/>
    public override string Name => "mean_absolute_error";

    /// <inheritdoc/>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        RequireSameShape(yTrue, yPred);
        return PerSampleMean(Ops.Abs(Ops.Subtract(yPred, AsFloat(yTrue))));
    }
}
