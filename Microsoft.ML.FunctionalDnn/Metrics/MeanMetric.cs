namespace Microsoft.ML.FunctionalDnn.Metrics;

/// <summary>
/// The mean of a per-sample value (weighted by sample weights): accuracies, MSE, MAE. As Keras's
/// <c>Mean</c>, the state is two float32 scalars, the weighted total and the total weight, each
/// batch added with <see cref="Tensor.AssignAdd"/>.
/// </summary>
public class MeanMetric(string name, Func<Tensor, Tensor, Tensor> perSample) : Metric
{
    private readonly Tensor _total = StateVariable(Shape.Scalar), _count = StateVariable(Shape.Scalar);

    /// <inheritdoc/>
    public override string Name => name;

    /// <inheritdoc/>
    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null)
    {
        ArgumentNullException.ThrowIfNull(yTrue);
        ArgumentNullException.ThrowIfNull(yPred);
        using (GradMode.NoGrad())
        {
            var values = perSample(yTrue, yPred);
            if (sampleWeight is null)
            {
                _total.AssignAdd(Ops.Sum(values));
                _count.AssignAdd(Tensor.Scalar(values.Size));
                return;
            }
            var weights = WeightsFor(values, sampleWeight);
            _total.AssignAdd(Ops.Sum(Ops.Multiply(values, weights)));
            _count.AssignAdd(Ops.Sum(weights));
        }
    }

    /// <inheritdoc/>
    public override float Result()
    {
        float count = _count.Item();
        return count == 0 ? 0 : _total.Item() / count;
    }

    /// <inheritdoc/>
    public override void Reset()
    {
        using (TensorScope.Begin())
        {
            _total.Assign(Tensor.Scalar(0));
            _count.Assign(Tensor.Scalar(0));
        }
    }
}
