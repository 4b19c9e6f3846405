using System.Globalization;

namespace Microsoft.ML.FunctionalDnn.Tuning;

public abstract partial class Tuner
{
    /// <summary>A random value for every active parameter of the known space (parents first, so conditions see their values).</summary>
    private protected Dictionary<string, object> RandomValues(RandomGenerator random) =>
        ValuesAt([.. KnownSpace.Select(_ => random.NextDouble())]);

    /// <summary>The values at a point of the unit cube (one coordinate per known parameter), snapped to steps and choices; inactive parameters are left out.</summary>
    private protected Dictionary<string, object> ValuesAt(IReadOnlyList<double> point)
    {
        var hp = new HyperParameters(KnownSpace, new Dictionary<string, object>());
        for (int d = 0; d < KnownSpace.Count; d++)
            if (hp.IsActive(KnownSpace[d])) hp.Set(KnownSpace[d].Name, KnownSpace[d].FromUnit(point[d]));
        return hp.Values.ToDictionary();
    }

    /// <summary>The active values of <paramref name="values"/> under the known space's conditions.</summary>
    private protected IReadOnlyDictionary<string, object> ActiveValues(IReadOnlyDictionary<string, object> values) =>
        new HyperParameters(KnownSpace, values).Values;

    /// <summary>True when a trial already has these active values.</summary>
    private protected bool AlreadyTried(IReadOnlyDictionary<string, object> values)
    {
        string key = Key(ActiveValues(values));
        return AllTrials.Any(t => Key(ActiveValues(t.HyperParameters.Values)) == key);
    }

    private static string Key(IReadOnlyDictionary<string, object> values) =>
        string.Join(";", values.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={Convert.ToString(p.Value, CultureInfo.InvariantCulture)}"));
}

/// <summary>
/// Random search (KerasTuner's RandomSearch): each trial draws every hyperparameter at random
/// (uniform, or log-uniform for log sampling), never repeating a combination already tried.
/// </summary>
public sealed class RandomSearch(Func<HyperParameters, Model>? hypermodel, Objective objective, int maxTrials = 10, int executionsPerTrial = 1,
    long seed = 0, string directory = "tuning", string projectName = "random_search", bool overwrite = false)
    : Tuner(hypermodel, objective, maxTrials, executionsPerTrial, seed, directory, projectName, overwrite)
{
    private protected override string Kind => "RandomSearch";

    private protected override Proposal? Propose(int trialIndex, RandomGenerator random)
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            var values = RandomValues(random);
            if (!AlreadyTried(values)) return new Proposal(values);
        }
        return null; // every combination drawn was tried: the space is exhausted
    }
}

/// <summary>
/// Grid search (KerasTuner's GridSearch): every combination of the hyperparameters' values in
/// order (the last declared varies fastest); Int ranges give every step, Float ranges need a step.
/// Parameters declared while the search runs join the grid from then on.
/// </summary>
public sealed class GridSearch(Func<HyperParameters, Model>? hypermodel, Objective objective, int? maxTrials = null, int executionsPerTrial = 1,
    long seed = 0, string directory = "tuning", string projectName = "grid_search", bool overwrite = false)
    : Tuner(hypermodel, objective, maxTrials, executionsPerTrial, seed, directory, projectName, overwrite)
{
    private const long MaxCombinationsScanned = 10_000_000;

    private protected override string Kind => "GridSearch";

    private protected override Proposal? Propose(int trialIndex, RandomGenerator random)
    {
        if (KnownSpace.Count == 0) return AllTrials.Count == 0 ? new Proposal(new Dictionary<string, object>()) : null;
        var grids = KnownSpace.Select(p => p.GridValues()
            ?? throw new InvalidOperationException($"GridSearch needs a finite grid: give the Float hyperparameter '{p.Name}' a step.")).ToArray();
        var index = new int[grids.Length];
        for (long scanned = 0; scanned < MaxCombinationsScanned; scanned++)
        {
            var values = new Dictionary<string, object>();
            for (int d = 0; d < grids.Length; d++) values[KnownSpace[d].Name] = grids[d][index[d]];
            if (!AlreadyTried(values)) return new Proposal(ActiveValues(values));
            // Odometer: the last parameter turns fastest.
            int k = grids.Length - 1;
            while (k >= 0 && ++index[k] == grids[k].Count) index[k--] = 0;
            if (k < 0) return null;
        }
        return null;
    }
}
