using Microsoft.ML.FunctionalDnn.Callbacks;
using Microsoft.ML.FunctionalDnn.Layers;

namespace Microsoft.ML.FunctionalDnn.Tuning;

public abstract partial class Tuner
{
    /// <summary>
    /// Builds and trains the trial's model <see cref="ExecutionsPerTrial"/> times; the score is the
    /// mean of each execution's best objective value, and the best execution's best-epoch weights
    /// become the trial's checkpoint.
    /// </summary>
    private (double Score, int? BestEpoch) RunModelTrial(Trial trial, Func<HyperParameters, Model> build, FitArguments fit, CancellationToken cancellationToken)
    {
        var scores = new List<double>();
        (double Score, int Epoch, float[][] Weights, Model Model, History History)? best = null;
        int index = int.Parse(trial.Id, System.Globalization.CultureInfo.InvariantCulture);
        for (int execution = 0; execution < ExecutionsPerTrial; execution++)
        {
            long seed = MixSeed(Seed, 1_000_003L * (index + 1) + execution);
            Model model;
            using (SeedScope.Begin(seed))
            using (LayerNames.FreshScope()) model = build(trial.HyperParameters);
            if (model is null || model.Optimizer is null)
                throw new InvalidOperationException("The model-building function must return a compiled model (call model.Compile(...) before returning it).");
            if (trial.ParentId is { } parent) model.LoadWeights(CheckpointPath(parent));
            var tracker = new BestEpochTracker(Objective);
            var callbacks = new List<Callback>(fit.Callbacks) { tracker, new CancellationCallback(cancellationToken) };
            if (TensorBoardLogDir is not null)
                callbacks.Add(new TensorBoard(Path.Combine(TensorBoardLogDir, $"trial_{trial.Id}" + (ExecutionsPerTrial > 1 ? $"/execution{execution}" : ""))));
            var history = model.Fit(fit.X, fit.Y, trial.Epochs ?? fit.Epochs, fit.BatchSize, fit.ValidationSplit, fit.ValidationData, fit.Shuffle,
                initialEpoch: trial.InitialEpoch, callbacks: callbacks, verbose: fit.Verbose, seed: seed);
            if (tracker.BestWeights is null)
                throw new InvalidOperationException($"Trial {trial.Id} trained no epoch, so '{Objective.Name}' was never logged.");
            scores.Add(tracker.Best);
            if (best is null || Objective.IsBetter(tracker.Best, best.Value.Score))
                best = (tracker.Best, tracker.BestEpoch, tracker.BestWeights, model, history);
        }
        var (_, epoch, weights, bestModel, bestHistory) = best!.Value;
        bestModel.SetWeights(weights);
        bestModel.SaveWeights(CheckpointPath(trial.Id));
        trial.Metrics = bestHistory.Values.ToDictionary(p => p.Key, p => p.Value.ToList());
        return (scores.Average(), epoch);
    }

    /// <summary>Follows the objective over the epochs and copies the weights of the best one.</summary>
    private sealed class BestEpochTracker(Objective objective) : Callback
    {
        internal double Best { get; private set; } = objective.Direction == ObjectiveDirection.Max ? double.NegativeInfinity : double.PositiveInfinity;

        internal int BestEpoch { get; private set; } = -1;

        internal float[][]? BestWeights { get; private set; }

        public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs)
        {
            if (!logs.TryGetValue(objective.Name, out float value))
                throw new KeyNotFoundException($"The objective '{objective.Name}' is not in the training logs. Available: [{string.Join(", ", logs.Keys)}]. (val_ objectives need validationSplit or validationData in Search.)");
            if (BestWeights is null || objective.IsBetter(value, Best))
            {
                (Best, BestEpoch) = (value, epoch);
                BestWeights = Model.GetWeights();
            }
        }
    }

    /// <summary>Stops a trial between batches when the search is cancelled.</summary>
    private sealed class CancellationCallback(CancellationToken token) : Callback
    {
        public override void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, float> logs) => token.ThrowIfCancellationRequested();
    }
}
