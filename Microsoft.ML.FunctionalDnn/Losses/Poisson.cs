namespace Microsoft.ML.FunctionalDnn.Losses;

/// <summary>mean(ŷ - y·log(ŷ + ε)).</summary>
public sealed class Poisson : Loss
{
    /// <inheritdoc/>
    public override string Name => "poisson";

    /// <inheritdoc/>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        RequireSameShape(yTrue, yPred);
        return PerSampleMean(Ops.Subtract(yPred, Ops.Multiply(AsFloat(yTrue), Ops.Log(Ops.Add(yPred, Tensor.Scalar(Epsilon))))));
    }
}
