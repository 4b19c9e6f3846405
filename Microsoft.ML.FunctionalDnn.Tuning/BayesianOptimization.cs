namespace Microsoft.ML.FunctionalDnn.Tuning;

/// <summary>
/// Bayesian optimization (KerasTuner's BayesianOptimization): after
/// <c>numInitialPoints</c> random trials, a Gaussian process models the objective over the
/// hyperparameters (each mapped to [0, 1], log ranges on their logarithm) and each next trial
/// minimizes the lower confidence bound μ − β·σ of the loss (the upper bound of a score to
/// maximize): where the model predicts well or knows little.
/// </summary>
/// <param name="hypermodel">Builds and compiles a model from a trial's hyperparameters (null to search a function).</param>
/// <param name="objective">The log key to optimize.</param>
/// <param name="maxTrials">The number of trials.</param>
/// <param name="numInitialPoints">Random trials before the model is used (default: 3 per hyperparameter, as KerasTuner, at most half the trials).</param>
/// <param name="alpha">Noise added to the covariance's diagonal (the objective's noise).</param>
/// <param name="beta">How much the acquisition favours exploring (KerasTuner's default 2.6).</param>
/// <param name="executionsPerTrial">Models trained per trial.</param>
/// <param name="seed">Makes the search reproducible.</param>
/// <param name="directory">Where projects are kept.</param>
/// <param name="projectName">This search's folder.</param>
/// <param name="overwrite">Start afresh instead of resuming.</param>
public sealed class BayesianOptimization(Func<HyperParameters, Model>? hypermodel, Objective objective, int maxTrials = 10, int? numInitialPoints = null,
    double alpha = 1e-4, double beta = 2.6, int executionsPerTrial = 1, long seed = 0, string directory = "tuning", string projectName = "bayesian_optimization",
    bool overwrite = false)
    : Tuner(hypermodel, objective, maxTrials, executionsPerTrial, seed, directory, projectName, overwrite)
{
    private const int RandomCandidates = 2000, LocalCandidates = 200, LocalCentres = 5;

    private protected override string Kind => "BayesianOptimization";

    private protected override Proposal? Propose(int trialIndex, RandomGenerator random)
    {
        var observed = Completed.ToList();
        int initial = numInitialPoints ?? Math.Max(2, Math.Min(3 * KnownSpace.Count, (MaxTrials ?? 10) / 2));
        if (KnownSpace.Count == 0 || observed.Count < initial)
            return RandomProposal(random);

        var x = observed.Select(t => Encode(t.HyperParameters.Values)).ToList();
        var y = observed.Select(t => Objective.Loss(t.Score!.Value)).ToList();
        var gp = new GaussianProcess(x, y, alpha);

        // Candidates: uniform over the cube, and perturbations around the best points seen.
        var centres = observed.OrderBy(t => Objective.Loss(t.Score!.Value)).Take(LocalCentres).Select(t => Encode(t.HyperParameters.Values)).ToList();
        var candidates = Enumerable.Range(0, RandomCandidates).Select(_ => KnownSpace.Select(_ => random.NextDouble()).ToArray()).ToList();
        foreach (var centre in centres)
            for (int i = 0; i < LocalCandidates / LocalCentres * 4; i++)
                candidates.Add([.. centre.Select(c => Math.Clamp(c + 0.08 * random.NextNormal(), 0, 1))]);

        (double Score, Dictionary<string, object> Values)? best = null;
        foreach (var candidate in candidates)
        {
            var values = ValuesAt(candidate);
            if (AlreadyTried(values)) continue;
            var (mean, std) = gp.Predict(Encode(values));
            double bound = mean - beta * std;
            if (best is null || bound < best.Value.Score) best = (bound, values);
        }
        return best is null ? RandomProposal(random) : new Proposal(best.Value.Values);
    }

    private Proposal? RandomProposal(RandomGenerator random)
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            var values = RandomValues(random);
            if (!AlreadyTried(values)) return new Proposal(values);
        }
        return null;
    }

    /// <summary>The point of the unit cube for these values (inactive parameters at their default's position).</summary>
    private double[] Encode(IReadOnlyDictionary<string, object> values) =>
        [.. KnownSpace.Select(p => p.ToUnit(values.TryGetValue(p.Name, out var v) ? v : p.Default))];
}
