namespace Microsoft.ML.FunctionalDnn.Losses;

/// <summary>-(y log ŷ + (1-y) log(1-ŷ)) averaged over the last axis; ŷ clipped to [1e-7, 1 - 1e-7], or sigmoid logits with <paramref name="fromLogits"/>.</summary>
public sealed class BinaryCrossentropy(bool fromLogits = false) : Loss
{
    /// <inheritdoc/>
    public override string Name => "binary_crossentropy";

    internal override Dictionary<string, object?>? GetConfig() => new() { ["name"] = Name, ["from_logits"] = fromLogits };

    /// <inheritdoc/>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        var y = AsFloat(yTrue);
        if (y.Shape != yPred.Shape && y.Size == yPred.Size) y = y.Reshape(yPred.Shape.ToArray());
        RequireSameShape(y, yPred);
        if (fromLogits)
        {
            // max(x, 0) - x·y + log(1 + e^-|x|)
            var loss = Ops.Add(Ops.Subtract(Ops.Relu(yPred), Ops.Multiply(yPred, y)), Ops.Softplus(Ops.Negate(Ops.Abs(yPred))));
            return PerSampleMean(loss);
        }
        var p = Ops.Clip(yPred, Epsilon, 1 - Epsilon);
        var ll = Ops.Add(Ops.Multiply(y, Ops.Log(p)), Ops.Multiply(Ops.Subtract(Tensor.Scalar(1), y), Ops.Log(Ops.Subtract(Tensor.Scalar(1), p))));
        return Ops.Negate(PerSampleMean(ll));
    }
}
