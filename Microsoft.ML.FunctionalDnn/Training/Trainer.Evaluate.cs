using Microsoft.ML.FunctionalDnn.Callbacks;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>Evaluate: the loss and metrics over data, batch by batch, with the test hooks.</summary>
internal sealed partial class Trainer
{
    /// <summary>Evaluate on tensors (see <see cref="Model.Evaluate"/>).</summary>
    internal IReadOnlyDictionary<string, float> Evaluate(DataSpec x, DataSpec y, int batchSize, Tensor? sampleWeight, IReadOnlyList<Callback>? callbacks)
    {
        _ = Compiled;
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        RequirePositiveBatchSize(batchSize);
        var (inputs, targets) = CheckedData(x, y, sampleWeight, "Evaluate", requireFinite: false);
        var all = callbacks?.ToList() ?? [];
        foreach (var c in all) c.Model = Model;
        return EvaluateCore(new TensorBatchSource(inputs, targets, sampleWeight, inputs[0].Shape[0]), batchSize, all, notify: true);
    }

    /// <summary>Evaluate's results as a list in Keras's order; their names become <see cref="MetricsNames"/>.</summary>
    internal float[] EvaluateValues(DataSpec x, DataSpec y, int batchSize, Tensor? sampleWeight)
    {
        var results = Evaluate(x, y, batchSize, sampleWeight, null);
        MetricsNames = [.. results.Keys];
        return [.. results.Values];
    }

    /// <summary>
    /// The evaluation loop over any batch source. With <paramref name="notify"/> the callbacks get
    /// the test hooks (Evaluate); Fit's validation passes false, as Keras runs it silently.
    /// </summary>
    internal Dictionary<string, float> EvaluateCore(IBatchSource data, int batchSize, List<Callback> callbacks, bool notify)
    {
        var setup = Compiled;
        RequirePositiveBatchSize(batchSize);
        if (data.Count == 0) throw Error("Evaluate received 0 samples; it needs at least one.");
        var metrics = setup.CreateMetrics(Model);
        var sums = new LossSums(Model.OutputNames.Count);
        var empty = new Dictionary<string, float>();
        if (notify) foreach (var c in callbacks) c.OnTestBegin(empty);
        int batchIndex = 0;
        foreach (var batch in data.Batches(batchSize, null))
        {
            if (notify) foreach (var c in callbacks) c.OnTestBatchBegin(batchIndex, empty);
            var (total, perOutput) = TestStep(batch, metrics);
            sums.Add(total, perOutput, batch.Count);
            if (notify) foreach (var c in callbacks) c.OnTestBatchEnd(batchIndex, Logs(sums, metrics));
            batchIndex++;
        }
        var logs = Logs(sums, metrics);
        if (notify) foreach (var c in callbacks) c.OnTestEnd(logs);
        return logs;
    }
}
