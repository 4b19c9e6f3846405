namespace Microsoft.ML.FunctionalDnn.Losses;

/// <summary>mean((y - ŷ)²) over the last axis.</summary>
public sealed class MeanSquaredError : Loss
{
    /// <inheritdoc/>
    public override string Name => "mean_squared_error";

    /// <inheritdoc/>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        RequireSameShape(yTrue, yPred);
        return PerSampleMean(Ops.Square(Ops.Subtract(yPred, AsFloat(yTrue))));
    }
}
