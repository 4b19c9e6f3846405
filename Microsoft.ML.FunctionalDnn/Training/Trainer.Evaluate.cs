using Microsoft.ML.FunctionalDnn.Metrics;
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
    /// the test hooks (Evaluate); Fit's validation passes false, as Keras runs it silently, and
    /// its own <paramref name="metrics"/>, reset here, so every epoch reuses one set of metric state.
    /// </summary>
    internal Dictionary<string, float> EvaluateCore(IBatchSource data, int batchSize, List<Callback> callbacks, bool notify, Metric[][]? metrics = null)
    {
        var setup = Compiled;
        RequirePositiveBatchSize(batchSize);
        if (data.Count == 0) throw Error("Evaluate received 0 samples; it needs at least one.");
        if (metrics is null) metrics = CallMetrics();
        else ResetAll(metrics);
        var sums = new LossSums(Model.OutputNames.Count);
        var empty = new Dictionary<string, float>();
        if (notify) foreach (var c in callbacks) c.OnTestBegin(empty);
        int batchIndex = 0;
        using var batches = data.Batches(batchSize, null).GetEnumerator();
        while (NextStep(batches, batch =>
        {
            if (notify) foreach (var c in callbacks) c.OnTestBatchBegin(batchIndex, empty);
            return TestStep(batch, metrics);
        }, out float total, out float[] perOutput, out int count))
        {
            sums.Add(total, perOutput, count);
            if (notify) foreach (var c in callbacks) c.OnTestBatchEnd(batchIndex, Logs(sums, metrics));
            batchIndex++;
        }
        var logs = Logs(sums, metrics);
        if (notify) foreach (var c in callbacks) c.OnTestEnd(logs);
        return logs;
    }
}
