namespace Microsoft.ML.FunctionalDnn;

/// <summary>Keras's per-batch calls: <c>train_on_batch</c> and <c>test_on_batch</c>.</summary>
internal sealed partial class Trainer
{
    /// <summary>One gradient update on one batch; the batch's loss and metrics.</summary>
    internal IReadOnlyDictionary<string, float> TrainOnBatch(DataSpec x, DataSpec y, Tensor? sampleWeight)
    {
        var setup = Compiled;
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        var (inputs, targets) = CheckedData(x, y, sampleWeight, "TrainOnBatch", requireFinite: true);
        var metrics = CallMetrics();
        var sums = new LossSums(Model.OutputNames.Count);
        var batch = new Batch(inputs, targets, sampleWeight);
        var (total, perOutput) = TrainStep(batch, metrics);
        sums.Add(total, perOutput, batch.Count);
        return Logs(sums, metrics);
    }

    /// <summary>The loss and metrics of one batch, without updating.</summary>
    internal IReadOnlyDictionary<string, float> TestOnBatch(DataSpec x, DataSpec y, Tensor? sampleWeight) =>
        Evaluate(x, y, int.MaxValue, sampleWeight, null);
}
