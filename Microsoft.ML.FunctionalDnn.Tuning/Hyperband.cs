using System.Text.Json.Nodes;

namespace Microsoft.ML.FunctionalDnn.Tuning;

/// <summary>
/// Hyperband (Li et al.; KerasTuner's Hyperband): brackets of successive halving. A bracket starts
/// many random configurations with a few epochs, keeps the best 1/<c>factor</c> of them, and
/// continues those from their best weights for <c>factor</c> times more epochs, until the survivors
/// reach <c>maxEpochs</c>. Brackets range from many short trials to a few full-length ones.
/// Each continuation is a trial of its own whose <see cref="Trial.ParentId"/> is the trial it
/// continues, with <see cref="Trial.InitialEpoch"/> and <see cref="Trial.Epochs"/> set.
/// </summary>
public sealed class Hyperband : Tuner
{
    private int _iteration, _bracket, _round;
    private readonly List<List<string>> _rounds = [];

    /// <param name="hypermodel">Builds and compiles a model from a trial's hyperparameters.</param>
    /// <param name="objective">The log key to optimize.</param>
    /// <param name="maxEpochs">The epochs of the longest trials (the search's own epochs are ignored).</param>
    /// <param name="factor">The reduction factor between rounds (3 keeps a third and trains them three times longer).</param>
    /// <param name="hyperbandIterations">How many times to run all the brackets.</param>
    /// <param name="executionsPerTrial">Models trained per trial.</param>
    /// <param name="seed">Makes the search reproducible.</param>
    /// <param name="directory">Where projects are kept.</param>
    /// <param name="projectName">This search's folder.</param>
    /// <param name="overwrite">Start afresh instead of resuming.</param>
    /// <param name="maxTrials">An optional cap on the trials (the brackets set the budget otherwise).</param>
    public Hyperband(Func<HyperParameters, Model>? hypermodel, Objective objective, int maxEpochs = 100, int factor = 3, int hyperbandIterations = 1,
        int executionsPerTrial = 1, long seed = 0, string directory = "tuning", string projectName = "hyperband", bool overwrite = false, int? maxTrials = null)
        : base(hypermodel, objective, maxTrials, executionsPerTrial, seed, directory, projectName, overwrite)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEpochs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(factor, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(hyperbandIterations, 1);
        (MaxEpochs, Factor, HyperbandIterations) = (maxEpochs, factor, hyperbandIterations);
    }

    /// <summary>The epochs of the longest trials.</summary>
    public int MaxEpochs { get; }

    /// <summary>The reduction factor between rounds.</summary>
    public int Factor { get; }

    /// <summary>How many times all the brackets run.</summary>
    public int HyperbandIterations { get; }

    /// <summary>The largest bracket index: ⌊log_factor(maxEpochs)⌋ (brackets run from it down to 0).</summary>
    public int MaxBracket => (int)Math.Floor(Math.Log(MaxEpochs) / Math.Log(Factor) + 1e-9);

    /// <summary>Bracket <paramref name="s"/>'s rounds: (configurations, epochs trained to), by successive halving.</summary>
    public IReadOnlyList<(int Trials, int Epochs)> Rounds(int s)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(s, MaxBracket);
        int n = (int)Math.Ceiling((MaxBracket + 1) / (double)(s + 1) * Math.Pow(Factor, s));
        double r = MaxEpochs * Math.Pow(Factor, -s);
        return [.. Enumerable.Range(0, s + 1).Select(i => (
            Math.Max(1, (int)Math.Floor(n * Math.Pow(Factor, -i))),
            i == s ? MaxEpochs : Math.Max(1, (int)Math.Round(r * Math.Pow(Factor, i)))))];
    }

    /// <summary>The epochs all brackets of one iteration train, counting continued trials' extra epochs only.</summary>
    public int EpochsPerIteration => Enumerable.Range(0, MaxBracket + 1).Sum(s =>
    {
        var rounds = Rounds(s);
        return rounds.Select((round, i) => round.Trials * (round.Epochs - (i == 0 ? 0 : rounds[i - 1].Epochs))).Sum();
    });

    private protected override string Kind => "Hyperband";

    private protected override Proposal? Propose(int trialIndex, RandomGenerator random)
    {
        while (_iteration < HyperbandIterations)
        {
            int s = MaxBracket - _bracket;
            var rounds = Rounds(s);
            while (_rounds.Count <= _round) _rounds.Add([]);
            var current = _rounds[_round];
            if (current.Count < rounds[_round].Trials)
            {
                if (_round == 0)
                {
                    var values = RandomValues(random);
                    for (int attempt = 0; attempt < 100 && AlreadyTried(values); attempt++) values = RandomValues(random);
                    return Register(new Proposal(values, rounds[0].Epochs));
                }
                // Promote the next best of the previous round that is not promoted yet.
                var previous = _rounds[_round - 1].Select(id => AllTrials.First(t => t.Id == id)).Where(t => t.Status == TrialStatus.Completed).ToList();
                var ranked = (Objective.Direction == ObjectiveDirection.Max ? previous.OrderByDescending(t => t.Score) : previous.OrderBy(t => t.Score)).ThenBy(t => t.Id, StringComparer.Ordinal).ToList();
                var promoted = current.Select(id => AllTrials.First(t => t.Id == id).ParentId).ToHashSet();
                var next = ranked.FirstOrDefault(t => !promoted.Contains(t.Id));
                if (next is not null)
                    return Register(new Proposal(next.HyperParameters.Values, rounds[_round].Epochs, rounds[_round - 1].Epochs, next.Id));
            }
            // This round is full (or has no survivors left): the next round, bracket or iteration.
            if (_round < s && current.Count > 0) _round++;
            else
            {
                _rounds.Clear();
                _round = 0;
                if (++_bracket > MaxBracket)
                {
                    _bracket = 0;
                    _iteration++;
                }
            }
        }
        return null;
    }

    private Proposal Register(Proposal proposal)
    {
        _rounds[_round].Add(TrialId(AllTrials.Count));
        return proposal;
    }

    private protected override JsonObject SaveState() => new()
    {
        ["iteration"] = _iteration,
        ["bracket"] = _bracket,
        ["round"] = _round,
        ["rounds"] = new JsonArray([.. _rounds.Select(r => (JsonNode)new JsonArray([.. r.Select(id => (JsonNode?)JsonValue.Create(id))]))]),
    };

    private protected override void LoadState(JsonObject state)
    {
        _iteration = state["iteration"]?.GetValue<int>() ?? 0;
        _bracket = state["bracket"]?.GetValue<int>() ?? 0;
        _round = state["round"]?.GetValue<int>() ?? 0;
        _rounds.Clear();
        foreach (var r in state["rounds"]?.AsArray() ?? []) _rounds.Add([.. r!.AsArray().Select(id => id!.GetValue<string>())]);
    }
}
