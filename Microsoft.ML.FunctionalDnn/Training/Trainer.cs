using Microsoft.ML.FunctionalDnn.Metrics;
using Microsoft.ML.FunctionalDnn.Optimizers;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// Trains, evaluates and runs one model, as Keras 3's <c>Trainer</c> (keras/src/trainers/): the
/// compiled state — optimizer, losses, loss weights, metric names, the stop flag, the epoch to
/// resume at — and the loops over batches with their step functions. <see cref="Model"/> stays the
/// graph and forwards its public <c>Compile</c>, <c>Fit</c>, <c>Evaluate</c>, <c>Predict</c> …
/// here. Internal: Keras exposes its Trainer as a base class of Model, but C# has no mixins, and
/// one public surface (the Model's) is easier to keep stable than two.
/// </summary>
/// <remarks>
/// One concern per file: this file is the state and Compile; Trainer.Fit (the epoch loop),
/// Trainer.Steps (train, test and predict steps through the backend), Trainer.Evaluate,
/// Trainer.Predict, Trainer.OnBatch, Trainer.DataChecks and Trainer.SampleWeights.
/// </remarks>
internal sealed partial class Trainer(Model model)
{
    /// <summary>The model this trainer trains.</summary>
    internal Model Model { get; } = model;

    /// <summary>What Compile fixed, or null before Compile.</summary>
    internal TrainingSetup? Setup { get; private set; }

    /// <summary>Set by a callback to end Fit after the current batch (Keras's <c>stop_training</c>).</summary>
    internal bool StopTraining { get; set; }

    /// <summary>Set by a callback in OnTrainBegin to start from a later epoch (BackupAndRestore).</summary>
    internal int? ResumeAtEpoch { get; set; }

    /// <summary>The keys of the last evaluation, in order (Keras's <c>metrics_names</c>).</summary>
    internal IReadOnlyList<string> MetricsNames { get; private set; } = [];

    private (TrainingSetup Setup, Metric[][] Metrics)? _callMetrics;

    /// <summary>
    /// The metrics of one Evaluate or TrainOnBatch call, reset: one set per compilation, reused
    /// from call to call as Keras keeps its compiled metrics on the model, so a loop of such calls
    /// does not leave a set of metric state behind each time.
    /// </summary>
    internal Metric[][] CallMetrics()
    {
        var setup = Compiled;
        if (_callMetrics is not { } cached || !ReferenceEquals(cached.Setup, setup))
        {
            _callMetrics = (setup, setup.CreateMetrics(Model));
            return _callMetrics.Value.Metrics;
        }
        ResetAll(cached.Metrics);
        return cached.Metrics;
    }

    /// <summary>Resets every metric of every output.</summary>
    private static void ResetAll(Metric[][] metrics)
    {
        foreach (var m in metrics.SelectMany(ms => ms)) m.Reset();
    }

    /// <summary>The compiled optimizer, or null before Compile.</summary>
    internal Optimizer? Optimizer => Setup?.Optimizer;

    /// <summary>The compiled state, or the error Keras gives for training an uncompiled model.</summary>
    internal TrainingSetup Compiled => Setup ?? throw new InvalidOperationException(
        $"Model '{Model.Name}' must be compiled before training or evaluation: call Compile(optimizer, loss, …) first.");

    /// <summary>Resolves Compile's arguments against the model's outputs and keeps them (see <see cref="Model.Compile"/>).</summary>
    internal void Compile(Optimizer optimizer, LossSpec loss, LossWeights? lossWeights, MetricSpec? metrics)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(loss);
        Model.RequireGraph();
        var outputs = Model.OutputNames;
        var losses = loss.Resolve(Model);
        var weights = lossWeights?.Resolve(outputs) ?? [.. outputs.Select(_ => 1f)];
        var metricNames = metrics?.Resolve(outputs) ?? [.. outputs.Select(_ => Array.Empty<string>())];
        var setup = new TrainingSetup(optimizer, losses, weights, metricNames);
        setup.CreateMetrics(Model); // unknown metric names fail here, not in the first epoch
        Setup = setup;
    }

    /// <summary>Compiles with <paramref name="other"/>'s losses, loss weights and metrics (its outputs must match) and the given optimizer.</summary>
    internal void CompileLike(Trainer other, Optimizer optimizer)
    {
        var setup = other.Compiled;
        Compile(optimizer, setup.Losses, setup.LossWeights, setup.MetricNames);
    }

    /// <summary>Keras's logs: the mean loss, each output's loss (several outputs), then the metrics.</summary>
    private Dictionary<string, float> Logs(LossSums sums, Metric[][] metrics)
    {
        var names = Model.OutputNames;
        var logs = new Dictionary<string, float> { ["loss"] = sums.Mean };
        if (names.Count > 1)
            for (int o = 0; o < names.Count; o++) logs[$"{names[o]}_loss"] = sums.OutputMean(o);
        for (int o = 0; o < metrics.Length; o++)
            foreach (var m in metrics[o]) logs[TrainingSetup.MetricKey(Model, o, m)] = m.Result();
        return logs;
    }

    /// <summary>An error whose message starts with the model's name, as the model's own errors do.</summary>
    private ArgumentException Error(string message) => new($"{Model.Describe}: {message}");

    private static void RequirePositiveBatchSize(int batchSize)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batchSize must be positive; received {batchSize}.");
    }
}
