namespace Microsoft.ML.FunctionalDnn.Losses;

/// <summary>Huber loss with threshold <paramref name="delta"/>: ½e² for |e| ≤ δ, δ(|e| - ½δ) beyond.</summary>
public sealed class Huber(float delta = 1f) : Loss
{
    /// <inheritdoc/>
    public override string Name => "huber";

    internal override Dictionary<string, object?>? GetConfig() => new() { ["name"] = Name, ["delta"] = delta };

    /// <inheritdoc/>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        RequireSameShape(yTrue, yPred);
        var abs = Ops.Abs(Ops.Subtract(yPred, AsFloat(yTrue)));
        var quadratic = Ops.Minimum(abs, Tensor.Scalar(delta));
        // ½q² + δ(|e| - q), the usual piecewise form written without branches.
        var loss = Ops.Add(Ops.Multiply(Tensor.Scalar(0.5f), Ops.Square(quadratic)), Ops.Multiply(Tensor.Scalar(delta), Ops.Subtract(abs, quadratic)));
        return PerSampleMean(loss);
    }
}
