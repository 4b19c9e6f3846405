using Microsoft.ML.FunctionalDnn.Callbacks;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>Fit: in-memory data resolved and checked into batch sources, then the epoch loop.</summary>
internal sealed partial class Trainer
{
    /// <summary>Fit on tensors (see <see cref="Model.Fit"/> for the arguments).</summary>
    internal History Fit(DataSpec x, DataSpec y, int epochs, int batchSize, float validationSplit, (DataSpec X, DataSpec Y)? validationData,
        bool shuffle, IReadOnlyDictionary<int, float>? classWeight, Tensor? sampleWeight, int initialEpoch, IReadOnlyList<Callback>? callbacks,
        int verbose, long? seed)
    {
        _ = Compiled;
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        RequirePositiveBatchSize(batchSize);
        if (!(validationSplit >= 0 && validationSplit < 1)) throw new ArgumentOutOfRangeException(nameof(validationSplit), $"validationSplit must be in [0, 1); received {validationSplit}.");
        var (inputs, targets) = CheckedData(x, y, sampleWeight, "Fit", requireFinite: true);
        var weights = SampleWeights(targets, sampleWeight, classWeight);

        int n = inputs[0].Shape[0];
        int trainCount = n;
        IBatchSource? validation = null;
        if (validationData is { } vd)
        {
            // Validation runs after the first epoch's updates, so its data is checked before them too.
            var (valX, valY) = CheckedData(vd.X, vd.Y, null, "Fit's validationData", requireFinite: true, "validation ");
            validation = new TensorBatchSource(valX, valY, null, valX[0].Shape[0]);
        }
        else if (validationSplit > 0)
        {
            // Keras takes the last fraction, before any shuffling.
            trainCount = (int)(n * (1 - validationSplit));
            if (trainCount == 0 || trainCount == n)
                throw new ArgumentException($"validationSplit {validationSplit} of {n} samples leaves {trainCount} for training and {n - trainCount} for validation; both need at least one.");
            int[] valRows = [.. Enumerable.Range(trainCount, n - trainCount)];
            var held = DataSpec.Rows(inputs, targets, weights, valRows);
            validation = new TensorBatchSource(held.X, held.Y, held.Weights, valRows.Length);
        }
        return FitCore(new TensorBatchSource(inputs, targets, weights, trainCount), validation, epochs, batchSize, shuffle, initialEpoch, callbacks, verbose, seed);
    }

    /// <summary>The training loop over any batch source (tensors, or an ML.NET data view streamed through cursors).</summary>
    internal History FitCore(IBatchSource train, IBatchSource? validation, int epochs, int batchSize, bool shuffle, int initialEpoch,
        IReadOnlyList<Callback>? callbacks, int verbose, long? seed)
    {
        var setup = Compiled;
        RequirePositiveBatchSize(batchSize);
        if (train.Count == 0) throw Error("Fit received 0 training samples; it needs at least one.");
        var history = new History();
        var all = new List<Callback> { history };
        if (verbose > 0) all.Add(new ProgressLogger(verbose));
        if (callbacks is not null) all.AddRange(callbacks);
        // Started by mpirun as one of several ranks: data-parallel (Distributed/DataParallel.cs).
        var parallel = Distributed.DataParallel.Current();
        if (parallel is not null)
        {
            all = [.. all.Where(parallel.Runs)];
            parallel.BroadcastWeights(Model);
            parallel.BroadcastOptimizerState(Model, setup.Optimizer);
            train = new ShardedBatchSource(train, parallel);
        }
        int steps = (train.Count + batchSize - 1) / batchSize;
        var parameters = new TrainingParams(epochs, steps, verbose);
        foreach (var c in all) (c.Model, c.Params) = (Model, parameters);
        long baseSeed = seed ?? (long)SeedScope.NextGenerator().NextUInt64();
        var metrics = setup.CreateMetrics(Model);
        var validationMetrics = validation is null ? null : setup.CreateMetrics(Model);
        var empty = new Dictionary<string, float>();
        StopTraining = false;
        ResumeAtEpoch = null;
        foreach (var c in all) c.OnTrainBegin(empty);
        if (ResumeAtEpoch is int resume) initialEpoch = resume;
        IReadOnlyDictionary<string, float> epochLogs = empty;
        for (int epoch = initialEpoch; epoch < epochs && !StopTraining; epoch++)
        {
            foreach (var c in all) c.OnEpochBegin(epoch, empty);
            ResetAll(metrics);
            // Shuffling and dropout depend only on (seed, epoch), so a run resumed at epoch k replays epoch k exactly.
            var epochRandom = new RandomGenerator(MixSeed(baseSeed, epoch));
            ReseedLayers(Model, epochRandom);
            var sums = new LossSums(Model.OutputNames.Count);
            long samples = 0;
            int step = 0;
            using var batches = train.Batches(batchSize, shuffle ? epochRandom : null).GetEnumerator();
            while (NextStep(batches, batch =>
            {
                foreach (var c in all) c.OnTrainBatchBegin(step, empty);
                return TrainStep(batch, metrics, parallel);
            }, out float total, out float[] perOutput, out int count))
            {
                sums.Add(total, perOutput, count);
                samples += count;
                var logs = Logs(sums, metrics);
                foreach (var c in all) c.OnTrainBatchEnd(step, logs);
                step++;
                // Keras checks after every batch, so a callback can stop mid-epoch (TerminateOnNaN).
                if (StopTraining) break;
            }
            var results = new Dictionary<string, float>(Logs(sums, metrics));
            if (parallel is not null)
            {
                // The same epoch logs on every rank (so EarlyStopping and ReduceLROnPlateau decide alike), and the
                // statistics each rank updated from its own rows (batch normalization's moving moments) averaged.
                results = parallel.ReduceLogs(results, samples);
                parallel.AverageNonTrainable(Model);
            }
            if (validation is not null)
                foreach (var (key, value) in EvaluateCore(validation, batchSize, all, notify: false, validationMetrics)) results["val_" + key] = value;
            results["learning_rate"] = setup.Optimizer.LearningRate;
            epochLogs = results;
            foreach (var c in all) c.OnEpochEnd(epoch, results);
        }
        foreach (var c in all) c.OnTrainEnd(epochLogs);
        return history;
    }

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
}
