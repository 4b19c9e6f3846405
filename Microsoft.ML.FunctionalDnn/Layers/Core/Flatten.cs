namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>Flattens every axis after the batch axis into one.</summary>
public sealed class Flatten(string? name = null) : Layer(name)
{
    /// <inheritdoc/>
    public override TensorShape ComputeOutputShape(TensorShape inputShape)
    {
        int? size = 1;
        foreach (var d in inputShape.PerSample()) size = size is int s && d is int v ? s * v : null;
        return new TensorShape(inputShape[0], size);
    }

    /// <inheritdoc/>
    protected override Tensor Call(Tensor input, bool training) => Ops.Reshape(input, input.Shape[0], -1);
}
