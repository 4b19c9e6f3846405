namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// Keras's training API on functional models: Compile, Fit, Evaluate, Predict and the per-batch
/// methods. This file is the loop; data resolution is in <see cref="DataSpec"/>, the compiled
/// state in <see cref="TrainingSetup"/>.
/// </summary>
public partial class Model
{
    private TrainingSetup? _training;

    /// <summary>Set by a callback to end Fit after the current epoch (Keras's <c>model.stop_training</c>).</summary>
    public bool StopTraining { get; set; }

    /// <summary>The compiled optimizer (null before Compile).</summary>
    public Optimizer? Optimizer => _training?.Optimizer;

    /// <summary>The losses, loss weights and metrics of Compile, or null.</summary>
    internal TrainingSetup? TrainingConfiguration => _training;

    /// <summary>
    /// Configures training (Keras's <c>compile</c>): an optimizer (instance or name such as
    /// <c>"rmsprop"</c>), the loss (one for all outputs, a list in output order, or a dictionary by
    /// output name), optional loss weights, and metrics (names for all outputs, a list per output,
    /// or a dictionary by output name; <c>accuracy</c>/<c>acc</c> resolve to the right accuracy).
    /// </summary>
    public void Compile(Optimizer optimizer, LossSpec loss, LossWeights? lossWeights = null, MetricSpec? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(loss);
        RequireGraph();
        var losses = loss.Resolve(this);
        var weights = lossWeights?.Resolve(OutputNames) ?? [.. OutputNames.Select(_ => 1f)];
        var metricNames = metrics?.Resolve(OutputNames) ?? [.. OutputNames.Select(_ => System.Array.Empty<string>())];
        var setup = new TrainingSetup(optimizer, losses, weights, metricNames);
        setup.CreateMetrics(this); // unknown metric names fail here, not in the first epoch
        _training = setup;
    }

    /// <summary>Compiles with <paramref name="other"/>'s losses, loss weights and metrics (its outputs must match) and the given optimizer.</summary>
    internal void CompileLike(Model other, Optimizer optimizer)
    {
        var setup = other.Compiled;
        Compile(optimizer, setup.Losses, setup.LossWeights, setup.MetricNames);
    }

    private TrainingSetup Compiled => _training ?? throw new InvalidOperationException(
        $"Model '{Name}' must be compiled before training or evaluation: call Compile(optimizer, loss, …) first.");

    /// <summary>
    /// Trains for <paramref name="epochs"/> epochs (Keras's <c>fit</c>). <paramref name="x"/> and
    /// <paramref name="y"/> are one tensor, a list in model order, or a dictionary by input/output
    /// name; samples on the first axis.
    /// </summary>
    /// <param name="x">Inputs.</param>
    /// <param name="y">Targets.</param>
    /// <param name="epochs">Index of the last epoch (training runs from <paramref name="initialEpoch"/>).</param>
    /// <param name="batchSize">Samples per gradient update (Keras's default 32).</param>
    /// <param name="validationSplit">The fraction of samples, taken from the end before shuffling, held out for validation.</param>
    /// <param name="validationData">Separate validation inputs and targets (overrides the split).</param>
    /// <param name="shuffle">Shuffle the training samples every epoch.</param>
    /// <param name="classWeight">For a single classification output: a weight per class index, applied to each sample's loss.</param>
    /// <param name="sampleWeight">A weight per sample (samples,), applied to every output's loss.</param>
    /// <param name="initialEpoch">The epoch to start from (to resume training).</param>
    /// <param name="callbacks">Callbacks besides the History (and the progress logger when verbose).</param>
    /// <param name="verbose">0 silent, 1 a progress line per batch, 2 one line per epoch.</param>
    /// <param name="seed">Fixes the shuffling; otherwise it comes from the current <see cref="SeedScope"/>.</param>
    /// <returns>The History of every epoch's logs.</returns>
    public History Fit(DataSpec x, DataSpec y, int epochs = 1, int batchSize = 32, float validationSplit = 0,
        (DataSpec X, DataSpec Y)? validationData = null, bool shuffle = true, IReadOnlyDictionary<int, float>? classWeight = null,
        Tensor? sampleWeight = null, int initialEpoch = 0, IReadOnlyList<Callback>? callbacks = null, int verbose = 1, long? seed = null)
    {
        var setup = Compiled;
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batchSize must be positive; received {batchSize}.");
        if (!(validationSplit >= 0 && validationSplit < 1)) throw new ArgumentOutOfRangeException(nameof(validationSplit), $"validationSplit must be in [0, 1); received {validationSplit}.");
        var inputs = x.Resolve(InputNames, "input");
        var targets = PrepareTargets(y.Resolve(OutputNames, "target"));
        CheckSampleCounts(inputs, targets, sampleWeight);
        RequireSamples(inputs, "Fit");
        CheckData(inputs, targets, sampleWeight, "", requireFinite: true);
        var weights = SampleWeights(targets, sampleWeight, classWeight);

        int n = inputs[0].Shape[0];
        int trainCount = n;
        IBatchSource? validation = null;
        if (validationData is { } vd)
        {
            var valX = vd.X.Resolve(InputNames, "validation input");
            var valY = PrepareTargets(vd.Y.Resolve(OutputNames, "validation target"));
            CheckSampleCounts(valX, valY, null);
            RequireSamples(valX, "Fit's validationData");
            // Validation runs after the first epoch's updates, so its data is checked before them too.
            CheckData(valX, valY, null, "validation ", requireFinite: true);
            validation = new TensorBatchSource(valX, valY, null, valX[0].Shape[0]);
        }
        else if (validationSplit > 0)
        {
            // Keras takes the last fraction, before any shuffling.
            trainCount = (int)(n * (1 - validationSplit));
            if (trainCount == 0 || trainCount == n)
                throw new ArgumentException($"validationSplit {validationSplit} of {n} samples leaves {trainCount} for training and {n - trainCount} for validation; both need at least one.");
            int[] valRows = [.. Enumerable.Range(trainCount, n - trainCount)];
            validation = new TensorBatchSource([.. inputs.Select(t => DataSpec.Rows(t, valRows))], [.. targets.Select(t => DataSpec.Rows(t, valRows))],
                weights is null ? null : DataSpec.Rows(weights, valRows), valRows.Length);
        }
        return FitCore(new TensorBatchSource(inputs, targets, weights, trainCount), validation, epochs, batchSize, shuffle, initialEpoch, callbacks, verbose, seed);
    }

    /// <summary>The training loop over any batch source (tensors, or an ML.NET data view streamed through cursors).</summary>
    internal History FitCore(IBatchSource train, IBatchSource? validation, int epochs, int batchSize, bool shuffle, int initialEpoch,
        IReadOnlyList<Callback>? callbacks, int verbose, long? seed)
    {
        var setup = Compiled;
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batchSize must be positive; received {batchSize}.");
        if (train.Count == 0) throw Error("Fit received 0 training samples; it needs at least one.");
        var history = new History();
        var all = new List<Callback> { history };
        if (verbose > 0) all.Add(new ProgressLogger(verbose));
        if (callbacks is not null) all.AddRange(callbacks);
        int steps = (train.Count + batchSize - 1) / batchSize;
        var parameters = new TrainingParams(epochs, steps, verbose);
        foreach (var c in all) (c.Model, c.Params) = (this, parameters);
        long baseSeed = seed ?? (long)SeedScope.NextGenerator().NextUInt64();
        var metrics = setup.CreateMetrics(this);
        var empty = new Dictionary<string, float>();
        StopTraining = false;
        ResumeAtEpoch = null;
        foreach (var c in all) c.OnTrainBegin(empty);
        if (ResumeAtEpoch is int resume) initialEpoch = resume;
        IReadOnlyDictionary<string, float> epochLogs = empty;
        for (int epoch = initialEpoch; epoch < epochs && !StopTraining; epoch++)
        {
            foreach (var c in all) c.OnEpochBegin(epoch, empty);
            foreach (var m in metrics.SelectMany(ms => ms)) m.Reset();
            // Shuffling and dropout depend only on (seed, epoch), so a run resumed at epoch k replays epoch k exactly.
            var epochRandom = new RandomGenerator(MixSeed(baseSeed, epoch));
            ReseedLayers(this, epochRandom);
            var sums = new LossSums(OutputNames.Count);
            int step = 0;
            foreach (var batch in train.Batches(batchSize, shuffle ? epochRandom : null))
            {
                foreach (var c in all) c.OnTrainBatchBegin(step, empty);
                var (total, perOutput) = TrainStep(batch.X, batch.Y, batch.Weights, metrics);
                sums.Add(total, perOutput, batch.Count);
                var logs = Logs(sums, metrics, "");
                foreach (var c in all) c.OnTrainBatchEnd(step, logs);
                step++;
                // Keras checks after every batch, so a callback can stop mid-epoch (TerminateOnNaN).
                if (StopTraining) break;
            }
            var results = new Dictionary<string, float>(Logs(sums, metrics, ""));
            if (validation is not null)
                foreach (var (key, value) in EvaluateCore(validation, batchSize, all, notify: false)) results["val_" + key] = value;
            results["learning_rate"] = setup.Optimizer.LearningRate;
            epochLogs = results;
            foreach (var c in all) c.OnEpochEnd(epoch, results);
        }
        foreach (var c in all) c.OnTrainEnd(epochLogs);
        return history;
    }

    /// <summary>Set by a callback in OnTrainBegin to start from a later epoch (BackupAndRestore).</summary>
    internal int? ResumeAtEpoch { get; set; }

    private static long MixSeed(long seed, int epoch)
    {
        ulong z = (ulong)seed + 0x9E3779B97F4A7C15UL * (ulong)(epoch + 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        return (long)(z ^ (z >> 31));
    }

    private static void ReseedLayers(Model model, RandomGenerator random)
    {
        foreach (var layer in model.Layers)
        {
            layer.Reseed((long)random.NextUInt64());
            if (layer is Model nested) ReseedLayers(nested, random);
        }
    }

    /// <summary>Loss and metrics on data (Keras's <c>evaluate</c>), keyed as in Fit's logs (without <c>val_</c>).</summary>
    public IReadOnlyDictionary<string, float> Evaluate(DataSpec x, DataSpec y, int batchSize = 32, Tensor? sampleWeight = null, IReadOnlyList<Callback>? callbacks = null)
    {
        _ = Compiled;
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batchSize must be positive; received {batchSize}.");
        var inputs = x.Resolve(InputNames, "input");
        var targets = PrepareTargets(y.Resolve(OutputNames, "target"));
        CheckSampleCounts(inputs, targets, sampleWeight);
        RequireSamples(inputs, "Evaluate");
        CheckData(inputs, targets, sampleWeight, "", requireFinite: false);
        var all = callbacks?.ToList() ?? [];
        foreach (var c in all) c.Model = this;
        return EvaluateCore(new TensorBatchSource(inputs, targets, sampleWeight, inputs[0].Shape[0]), batchSize, all, notify: true);
    }

    /// <summary>
    /// Evaluate's results as a list in Keras's order (its <c>return_dict=False</c> form): the total
    /// loss, each output's loss (for several outputs), then the metrics; the names are in
    /// <see cref="MetricsNames"/> after the call.
    /// </summary>
    public float[] EvaluateValues(DataSpec x, DataSpec y, int batchSize = 32, Tensor? sampleWeight = null)
    {
        var results = Evaluate(x, y, batchSize, sampleWeight);
        MetricsNames = [.. results.Keys];
        return [.. results.Values];
    }

    /// <summary>The keys of the last evaluation, in order (Keras's <c>model.metrics_names</c>).</summary>
    public IReadOnlyList<string> MetricsNames { get; private set; } = [];

    /// <summary>One gradient update on one batch (Keras's <c>train_on_batch</c>); returns the batch's loss and metrics.</summary>
    public IReadOnlyDictionary<string, float> TrainOnBatch(DataSpec x, DataSpec y, Tensor? sampleWeight = null)
    {
        var setup = Compiled;
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        var inputs = x.Resolve(InputNames, "input");
        var targets = PrepareTargets(y.Resolve(OutputNames, "target"));
        CheckSampleCounts(inputs, targets, sampleWeight);
        RequireSamples(inputs, "TrainOnBatch");
        CheckData(inputs, targets, sampleWeight, "", requireFinite: true);
        var metrics = setup.CreateMetrics(this);
        var sums = new LossSums(OutputNames.Count);
        var (total, perOutput) = TrainStep(inputs, targets, sampleWeight, metrics);
        sums.Add(total, perOutput, inputs[0].Shape[0]);
        return Logs(sums, metrics, "");
    }

    /// <summary>Loss and metrics on one batch without updating (Keras's <c>test_on_batch</c>).</summary>
    public IReadOnlyDictionary<string, float> TestOnBatch(DataSpec x, DataSpec y, Tensor? sampleWeight = null) =>
        Evaluate(x, y, int.MaxValue, sampleWeight);

    private (float Total, float[] PerOutput) TrainStep(Tensor[] xb, Tensor[] yb, Tensor? wb, Metric[][] metrics)
    {
        var setup = Compiled;
        using var scope = TensorScope.Begin();
        var predictions = ApplyMany(xb, training: true);
        var (total, perOutput) = LossOf(setup, yb, predictions, wb);
        total.Backward();
        var weights = Weights;
        setup.Optimizer.Apply([.. weights.Where(w => w.Trainable).Select(w => w.Value)]);
        foreach (var w in weights) w.Value.ZeroGrad();
        UpdateMetrics(metrics, yb, predictions, wb);
        return (total.Item(), perOutput);
    }

    internal Dictionary<string, float> EvaluateCore(IBatchSource data, int batchSize, List<Callback> callbacks, bool notify)
    {
        var setup = Compiled;
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batchSize must be positive; received {batchSize}.");
        if (data.Count == 0) throw Error("Evaluate received 0 samples; it needs at least one.");
        var metrics = setup.CreateMetrics(this);
        var sums = new LossSums(OutputNames.Count);
        var empty = new Dictionary<string, float>();
        if (notify) foreach (var c in callbacks) c.OnTestBegin(empty);
        int batchIndex = 0;
        foreach (var batch in data.Batches(batchSize, null))
        {
            if (notify) foreach (var c in callbacks) c.OnTestBatchBegin(batchIndex, empty);
            using (var scope = TensorScope.Begin())
            using (GradMode.NoGrad())
            {
                var predictions = ApplyMany(batch.X, training: false);
                var (total, perOutput) = LossOf(setup, batch.Y, predictions, batch.Weights);
                sums.Add(total.Item(), perOutput, batch.Count);
                UpdateMetrics(metrics, batch.Y, predictions, batch.Weights);
            }
            if (notify) foreach (var c in callbacks) c.OnTestBatchEnd(batchIndex, Logs(sums, metrics, ""));
            batchIndex++;
        }
        var logs = Logs(sums, metrics, "");
        if (notify) foreach (var c in callbacks) c.OnTestEnd(logs);
        return logs;
    }

    private (Tensor Total, float[] PerOutput) LossOf(TrainingSetup setup, Tensor[] targets, IReadOnlyList<Tensor> predictions, Tensor? weights)
    {
        Tensor? total = null;
        var perOutput = new float[predictions.Count];
        for (int o = 0; o < predictions.Count; o++)
        {
            Tensor loss;
            try
            {
                loss = setup.Losses[o].Compute(targets[o], predictions[o], weights);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"Output '{OutputNames[o]}' of model '{Name}': {e.Message}", e);
            }
            perOutput[o] = loss.Item();
            var weighted = setup.LossWeights[o] == 1 ? loss : Ops.Multiply(loss, Tensor.Scalar(setup.LossWeights[o]));
            total = total is null ? weighted : Ops.Add(total, weighted);
        }
        return (total!, perOutput);
    }

    private static void UpdateMetrics(Metric[][] metrics, Tensor[] targets, IReadOnlyList<Tensor> predictions, Tensor? weights)
    {
        using (GradMode.NoGrad())
            for (int o = 0; o < metrics.Length; o++)
                foreach (var m in metrics[o]) m.Update(targets[o], predictions[o].Detach(), weights);
    }

    private Dictionary<string, float> Logs(LossSums sums, Metric[][] metrics, string prefix)
    {
        var logs = new Dictionary<string, float> { [prefix + "loss"] = sums.Mean };
        if (OutputNames.Count > 1)
            for (int o = 0; o < OutputNames.Count; o++) logs[$"{prefix}{OutputNames[o]}_loss"] = sums.OutputMean(o);
        for (int o = 0; o < metrics.Length; o++)
            foreach (var m in metrics[o]) logs[prefix + TrainingSetup.MetricKey(this, o, m)] = m.Result();
        return logs;
    }

    /// <summary>Targets of rank one less than a single-unit output, such as (n,) labels for a (None, 1) sigmoid, get the missing axis, as Keras does.</summary>
    private Tensor[] PrepareTargets(Tensor[] targets)
    {
        var result = new Tensor[targets.Length];
        for (int o = 0; o < targets.Length; o++)
        {
            var t = targets[o];
            var output = Outputs[o].Shape;
            bool sparse = Compiled.Losses[o] is SparseCategoricalCrossentropy;
            if (!sparse && t.Rank == output.Rank - 1 && output[-1] == 1) t = t.Reshape([.. t.Shape, 1]);
            if (!sparse && t.DType == DType.Int32) t = Ops.Cast(t, DType.Float32);
            if (!sparse && t.Rank == output.Rank)
                for (int d = 1; d < t.Rank; d++)
                    if (output[d] is int size && size != t.Shape[d])
                        throw new ArgumentException($"The target for output '{OutputNames[o]}' has shape {t.Shape}, but the output has shape {output}: dimension {d} is {t.Shape[d]}, expected {size}.");
            result[o] = t;
        }
        return result;
    }

    private void CheckSampleCounts(Tensor[] inputs, Tensor[] targets, Tensor? sampleWeight)
    {
        int n = inputs[0].Shape[0];
        if (targets[0].Shape[0] != n)
            throw new ArgumentException($"Model '{Name}': the inputs have {n} samples but the targets have {targets[0].Shape[0]}.");
        if (sampleWeight is not null && sampleWeight.Size != n)
            throw new ArgumentException($"Model '{Name}': sampleWeight needs one value per sample ({n}); received {sampleWeight.Shape}.");
    }

    private Tensor? SampleWeights(Tensor[] targets, Tensor? sampleWeight, IReadOnlyDictionary<int, float>? classWeight)
    {
        if (classWeight is null) return sampleWeight;
        if (targets.Length != 1) throw new ArgumentException($"classWeight applies to models with one output; model '{Name}' has {targets.Length}. Use sampleWeight instead.");
        var t = targets[0];
        int n = t.Shape[0], per = t.Size / Math.Max(n, 1);
        var w = new float[n];
        for (int i = 0; i < n; i++)
        {
            int label = t.DType == DType.Int32 ? t.IntData[i * per]
                : per == 1 ? (int)MathF.Round(t.Data[i]) : Ops.ArgMax(Ops.Slice(t, 0, i, 1)).IntData[0];
            w[i] = classWeight.TryGetValue(label, out float cw) ? cw : 1f;
            if (sampleWeight is not null) w[i] *= sampleWeight.Data[i];
        }
        return Tensor.FromArray(w);
    }

    /// <summary>Running sums of losses weighted by batch size, for epoch averages.</summary>
    private sealed class LossSums(int outputs)
    {
        private readonly double[] _outputs = new double[outputs];
        private double _total;
        private long _count;

        internal void Add(float total, float[] perOutput, int samples)
        {
            _total += (double)total * samples;
            for (int i = 0; i < perOutput.Length; i++) _outputs[i] += (double)perOutput[i] * samples;
            _count += samples;
        }

        internal float Mean => _count == 0 ? 0 : (float)(_total / _count);

        internal float OutputMean(int o) => _count == 0 ? 0 : (float)(_outputs[o] / _count);
    }
}
