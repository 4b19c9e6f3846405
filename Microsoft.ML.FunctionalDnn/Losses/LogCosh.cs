namespace Microsoft.ML.FunctionalDnn.Losses;

/// <summary>mean(log(cosh(ŷ - y))), computed as x + softplus(-2x) - log 2 so large errors do not overflow.</summary>
public sealed class LogCosh : Loss
{
    /// <inheritdoc/>
    public override string Name => "log_cosh";

    /// <inheritdoc/>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        RequireSameShape(yTrue, yPred);
        var x = Ops.Subtract(yPred, AsFloat(yTrue));
        var logCosh = Ops.Subtract(Ops.Add(x, Ops.Softplus(Ops.Multiply(x, Tensor.Scalar(-2)))), Tensor.Scalar(MathF.Log(2)));
        return PerSampleMean(logCosh);
    }
}
