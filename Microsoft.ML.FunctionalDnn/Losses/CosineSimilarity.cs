namespace Microsoft.ML.FunctionalDnn.Losses;

/// <summary>-cos(y, ŷ) along the last axis (Keras's convention: minimizing it maximizes similarity).</summary>
public sealed class CosineSimilarity : Loss
{
    /// <inheritdoc/>
    public override string Name => "cosine_similarity";

    /// <inheritdoc/>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        RequireSameShape(yTrue, yPred);
        static Tensor Normalize(Tensor t) => Ops.Divide(t, Ops.Sqrt(Ops.Maximum(Ops.Sum(Ops.Square(t), -1, keepDims: true), Tensor.Scalar(1e-12f))));
        return Ops.Negate(PerSampleSumLast(Ops.Multiply(Normalize(AsFloat(yTrue)), Normalize(yPred))));
    }
}
