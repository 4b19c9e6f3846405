namespace Microsoft.ML.FunctionalDnn.Losses;

/// <summary>mean(max(1 - y·ŷ, 0)) with 0/1 targets mapped to -1/1.</summary>
public sealed class Hinge : Loss
{
    /// <inheritdoc/>
    public override string Name => "hinge";

    /// <inheritdoc/>
    public override Tensor PerSample(Tensor yTrue, Tensor yPred)
    {
        RequireSameShape(yTrue, yPred);
        var y = AsFloat(yTrue);
        // Keras converts {0, 1} targets to {-1, 1}; targets already in {-1, 1} are kept.
        bool zeroOne = y.Size == 0 || Ops.Min(Ops.Add(Ops.Equal(y, Tensor.Scalar(0)), Ops.Equal(y, Tensor.Scalar(1)))).Item() == 1;
        if (zeroOne) y = Ops.Subtract(Ops.Multiply(y, Tensor.Scalar(2)), Tensor.Scalar(1));
        return PerSampleMean(Ops.Relu(Ops.Subtract(Tensor.Scalar(1), Ops.Multiply(y, yPred))));
    }
}
