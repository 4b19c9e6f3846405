namespace Microsoft.ML.FunctionalDnn.Losses;

/// <summary>Σ y·log(y / ŷ) over the last axis, both clipped to [1e-7, 1].</summary>
public sealed class KLDivergence : Loss
{
    /// <inheritdoc/>
    public override string Name => "kl_divergence";

    /// <inheritdoc/>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        RequireSameShape(yTrue, yPred);
        var y = Ops.Clip(AsFloat(yTrue), Epsilon, 1);
        var p = Ops.Clip(yPred, Epsilon, 1);
        return PerSampleSumLast(Ops.Multiply(y, Ops.Log(Ops.Divide(y, p))));
    }
}
