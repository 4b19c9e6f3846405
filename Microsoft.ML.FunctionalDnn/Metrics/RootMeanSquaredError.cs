using Microsoft.ML.FunctionalDnn.Losses;

namespace Microsoft.ML.FunctionalDnn.Metrics;

/// <summary>√(mean squared error) over everything seen.</summary>
public sealed class RootMeanSquaredError(string name = "root_mean_squared_error") : Metric
{
    private readonly MeanMetric _mse = new("mse", (y, p) => new MeanSquaredError().PerSample(y, p));

    /// <inheritdoc/>
    public override string Name => name;

    /// <inheritdoc/>
    public override void Update(Tensor yTrue, Tensor yPred, Tensor? sampleWeight = null) => _mse.Update(yTrue, yPred, sampleWeight);

    /// <inheritdoc/>
    public override float Result() => MathF.Sqrt(_mse.Result());

    /// <inheritdoc/>
    public override void Reset() => _mse.Reset();
}
