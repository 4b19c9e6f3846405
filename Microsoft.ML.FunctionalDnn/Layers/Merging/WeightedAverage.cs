using Microsoft.ML.FunctionalDnn.Initializers;

namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>
/// A learned convex combination of its inputs: Σᵢ softmax(w)ᵢ · xᵢ, with one trainable logit per
/// input (zeros at first: the plain average). Used by <see cref="Ensemble.WeightedAverage"/> to
/// weigh ensemble members on validation data; the weights stay positive and sum to 1.
/// </summary>
public sealed class WeightedAverage(string? name = null) : Merge(name)
{
    private Tensor _logits = null!;

    /// <summary>The current weights of the inputs (positive, summing to 1).</summary>
    public float[] InputWeights => _logits is null ? [] : Ops.Softmax(_logits).ToArray();

    /// <inheritdoc/>
    protected override void Build(IReadOnlyList<TensorShape> inputShapes) =>
        _logits = AddWeight("logits", new Shape(inputShapes.Count), Initializer.Zeros);

    /// <inheritdoc/>
    protected override Tensor Combine(Tensor a, Tensor b) => Ops.Add(a, b);

    /// <inheritdoc/>
    protected internal override IReadOnlyList<Tensor> Call(IReadOnlyList<Tensor> inputs, bool training)
    {
        if (inputs.Count != _logits.Shape[0])
            throw Error($"was built for {_logits.Shape[0]} inputs; received {inputs.Count}.");
        var weights = Ops.Softmax(_logits);
        Tensor? sum = null;
        for (int i = 0; i < inputs.Count; i++)
        {
            var term = Ops.Multiply(inputs[i], Ops.Slice(weights, 0, i, 1));
            sum = sum is null ? term : Ops.Add(sum, term);
        }
        return [sum!];
    }
}
