using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.FunctionalDnn.Callbacks;

namespace Microsoft.ML.FunctionalDnn.Tuning;

/// <summary>What a tuner proposes for its next trial.</summary>
/// <param name="Values">The hyperparameter values (the others take their defaults).</param>
/// <param name="Epochs">The epochs to train to, when the tuner decides (Hyperband).</param>
/// <param name="InitialEpoch">The epoch to start from.</param>
/// <param name="ParentId">The trial whose best weights to start from.</param>
internal sealed record Proposal(IReadOnlyDictionary<string, object> Values, int? Epochs = null, int InitialEpoch = 0, string? ParentId = null);

/// <summary>
/// The search loop shared by every tuner (KerasTuner's Tuner and Oracle): builds a model per trial
/// from the proposed hyperparameters, trains it with Fit, keeps the weights of its best epoch,
/// and records every trial under <c>directory/projectName</c>, so that an interrupted search
/// resumes where it stopped (finished trials are kept; the interrupted one runs again).
/// </summary>
[Visualization.TypeFormatterSource(typeof(TunerFormatterSource), PreferredMimeTypes = ["text/html"])]
public abstract partial class Tuner
{
    private const int MaxConsecutiveFailures = 3;
    private readonly Func<HyperParameters, Model>? _hypermodel;
    private readonly List<HyperParameter> _space = [];
    private readonly List<Trial> _trials = [];
    private bool _loaded;

    /// <param name="hypermodel">Builds and compiles a model from a trial's hyperparameters (null to search a function with <see cref="SearchFunction"/>).</param>
    /// <param name="objective">The log key to optimize and its direction (a string infers it).</param>
    /// <param name="maxTrials">The most trials to run (null: until the tuner's space or budget is exhausted).</param>
    /// <param name="executionsPerTrial">Models trained per trial; the score is their mean (smooths the noise of initialization).</param>
    /// <param name="seed">Makes the search reproducible: proposals, initial weights and shuffling.</param>
    /// <param name="directory">Where projects are kept.</param>
    /// <param name="projectName">This search's folder under <paramref name="directory"/>.</param>
    /// <param name="overwrite">Start afresh instead of resuming the project's trials.</param>
    private protected Tuner(Func<HyperParameters, Model>? hypermodel, Objective objective, int? maxTrials, int executionsPerTrial,
        long seed, string directory, string projectName, bool overwrite)
    {
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentOutOfRangeException.ThrowIfLessThan(executionsPerTrial, 1);
        if (maxTrials is < 1) throw new ArgumentOutOfRangeException(nameof(maxTrials), maxTrials, "maxTrials must be at least 1 (or null).");
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentException.ThrowIfNullOrWhiteSpace(projectName);
        (_hypermodel, Objective, MaxTrials, ExecutionsPerTrial, Seed) = (hypermodel, objective, maxTrials, executionsPerTrial, seed);
        ProjectDirectory = Path.GetFullPath(Path.Combine(directory, projectName));
        Overwrite = overwrite;
    }

    /// <summary>What the search optimizes.</summary>
    public Objective Objective { get; }

    /// <summary>The most trials to run, or null.</summary>
    public int? MaxTrials { get; }

    /// <summary>Models trained per trial.</summary>
    public int ExecutionsPerTrial { get; }

    /// <summary>The seed of the search.</summary>
    public long Seed { get; }

    /// <summary>The project's folder: <c>tuner.json</c> and one <c>trial_&lt;id&gt;</c> folder per trial.</summary>
    public string ProjectDirectory { get; }

    /// <summary>Whether the project is started afresh.</summary>
    public bool Overwrite { get; }

    /// <summary>When set, each trial's training writes TensorBoard logs to <c>TensorBoardLogDir/trial_&lt;id&gt;</c> (one run per trial).</summary>
    public string? TensorBoardLogDir { get; init; }

    /// <summary>Every trial so far, in creation order (loaded from the project when resuming).</summary>
    public IReadOnlyList<Trial> Trials
    {
        get
        {
            Load();
            return _trials;
        }
    }

    /// <summary>The search space: every hyperparameter the model-building function has declared.</summary>
    public IReadOnlyList<HyperParameter> Space
    {
        get
        {
            Load();
            return _space;
        }
    }

    /// <summary>The tuner's name in the project file and summaries.</summary>
    private protected abstract string Kind { get; }

    /// <summary>The next trial's values, or null when the search is over.</summary>
    private protected abstract Proposal? Propose(int trialIndex, RandomGenerator random);

    /// <summary>Tuner-specific state for the project file (Hyperband's brackets).</summary>
    private protected virtual JsonObject SaveState() => [];

    private protected virtual void LoadState(JsonObject state)
    {
    }

    /// <summary>The completed trials.</summary>
    private protected IEnumerable<Trial> Completed => _trials.Where(t => t.Status == TrialStatus.Completed && t.Score is not null);

    /// <summary>The space the proposals sample (read-only for tuners).</summary>
    private protected IReadOnlyList<HyperParameter> KnownSpace => _space;

    /// <summary>The trials created so far (read-only for tuners).</summary>
    private protected IReadOnlyList<Trial> AllTrials => _trials;

    /// <summary>
    /// Runs the search: trials are proposed, built with the model-building function, trained with
    /// <c>Fit</c> on these arguments (Hyperband sets each trial's epochs), and scored by the
    /// objective's best epoch. Resumes the project's trials unless the tuner overwrites.
    /// </summary>
    /// <exception cref="InvalidOperationException">The tuner was made without a model-building function, the function does not return a compiled model, or three trials in a row failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the search resumes from the interrupted trial next time.</exception>
    public void Search(DataSpec x, DataSpec y, int epochs = 1, int batchSize = 32, float validationSplit = 0,
        (DataSpec X, DataSpec Y)? validationData = null, IReadOnlyList<Callback>? callbacks = null, int verbose = 0,
        bool shuffle = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        var build = _hypermodel ?? throw new InvalidOperationException($"This {Kind} was created without a model-building function; pass one, or search a function with SearchFunction.");
        var fit = new FitArguments(x, y, epochs, batchSize, validationSplit, validationData, callbacks ?? [], verbose, shuffle);
        Run(trial => RunModelTrial(trial, build, fit, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Searches a black-box function instead of models (KerasTuner's overridden <c>run_trial</c>):
    /// each trial calls <paramref name="function"/>, which declares its hyperparameters as it
    /// runs and returns the objective's value.
    /// </summary>
    public void SearchFunction(Func<HyperParameters, double> function, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(function);
        Run(trial => (function(trial.HyperParameters), null), cancellationToken);
    }

    private void Run(Func<Trial, (double Score, int? BestEpoch)> execute, CancellationToken cancellationToken)
    {
        Load();
        int failures = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var trial = _trials.FirstOrDefault(t => t.Status == TrialStatus.Running) ?? CreateTrial();
            if (trial is null) return;
            try
            {
                var (score, bestEpoch) = execute(trial);
                if (!double.IsFinite(score)) throw new InvalidOperationException($"the objective '{Objective.Name}' was {score}.");
                (trial.Score, trial.BestEpoch, trial.Status, trial.Error) = (score, bestEpoch, TrialStatus.Completed, null);
                failures = 0;
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or InvalidDataException or IOException or KeyNotFoundException)
            {
                (trial.Status, trial.Error) = (TrialStatus.Failed, e.Message);
                if (++failures >= MaxConsecutiveFailures)
                {
                    SaveTrial(trial);
                    throw new InvalidOperationException($"{MaxConsecutiveFailures} trials in a row failed; the last (trial {trial.Id}): {e.Message}", e);
                }
            }
            MergeSpace(trial.HyperParameters.Space);
            SaveTrial(trial);
            SaveProject();
        }
    }

    private Trial? CreateTrial()
    {
        int index = _trials.Count;
        if (MaxTrials is int max && index >= max) return null;
        var proposal = Propose(index, new RandomGenerator(MixSeed(Seed, index)));
        if (proposal is null) return null;
        var hp = new HyperParameters(_space, proposal.Values);
        var trial = new Trial(TrialId(index), hp, proposal.Epochs, proposal.InitialEpoch, proposal.ParentId);
        _trials.Add(trial);
        SaveTrial(trial);
        SaveProject();
        return trial;
    }

    /// <summary>The id of the trial at <paramref name="index"/>: "00", "01" … (three digits when there may be more than 100).</summary>
    private protected string TrialId(int index) => index.ToString(MaxTrials is > 100 or null ? "D3" : "D2", CultureInfo.InvariantCulture);

    private void MergeSpace(IReadOnlyList<HyperParameter> declared)
    {
        foreach (var p in declared)
            if (_space.All(s => s.Name != p.Name)) _space.Add(p);
    }

    /// <summary>A per-trial seed from the search seed (splitmix64), so a resumed search proposes what an uninterrupted one would.</summary>
    internal static long MixSeed(long seed, long index)
    {
        ulong z = (ulong)seed + 0x9E3779B97F4A7C15UL * (ulong)(index + 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (long)(z ^ (z >> 31));
    }

    private string TrialDirectory(string id) => Path.Combine(ProjectDirectory, $"trial_{id}");

    /// <summary>The weights of a trial's best epoch.</summary>
    private protected string CheckpointPath(string id) => Path.Combine(TrialDirectory(id), "checkpoint.safetensors");

    private string ProjectFile => Path.Combine(ProjectDirectory, "tuner.json");

    private void SaveTrial(Trial trial)
    {
        Directory.CreateDirectory(TrialDirectory(trial.Id));
        WriteJson(Path.Combine(TrialDirectory(trial.Id), "trial.json"), trial.ToJson());
    }

    private void SaveProject() => WriteJson(ProjectFile, new JsonObject
    {
        ["tuner"] = Kind,
        ["objective"] = new JsonObject { ["name"] = Objective.Name, ["direction"] = Objective.Direction.ToString().ToLowerInvariant() },
        ["seed"] = Seed,
        ["space"] = new JsonArray([.. _space.Select(p => (JsonNode)p.ToJson())]),
        ["trials"] = new JsonArray([.. _trials.Select(t => (JsonNode?)JsonValue.Create(t.Id))]),
        ["state"] = SaveState(),
    });

    /// <summary>Written to a temporary file and moved into place, so a kill never leaves half a file.</summary>
    private static void WriteJson(string path, JsonNode node)
    {
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads the project (once), or starts it afresh.</summary>
    private void Load()
    {
        if (_loaded) return;
        _loaded = true;
        if (Overwrite && Directory.Exists(ProjectDirectory)) Directory.Delete(ProjectDirectory, recursive: true);
        Directory.CreateDirectory(ProjectDirectory);
        if (!File.Exists(ProjectFile)) return;
        JsonObject project;
        try { project = JsonNode.Parse(File.ReadAllText(ProjectFile))!.AsObject(); }
        catch (JsonException e) { throw new InvalidDataException($"{ProjectFile}: not valid JSON ({e.Message}); search with overwrite: true to start again.", e); }
        string kind = project["tuner"]?.GetValue<string>() ?? "?";
        string objective = project["objective"]?["name"]?.GetValue<string>() ?? "?";
        if (kind != Kind || objective != Objective.Name)
            throw new InvalidOperationException($"The project {ProjectDirectory} holds a {kind} search of '{objective}', not a {Kind} search of '{Objective.Name}'. Use another projectName, or overwrite: true to replace it.");
        _space.AddRange(project["space"]!.AsArray().Select(n => HyperParameter.FromJsonDefinition(n!.AsObject())));
        foreach (var id in project["trials"]!.AsArray().Select(n => n!.GetValue<string>()))
        {
            string path = Path.Combine(TrialDirectory(id), "trial.json");
            if (!File.Exists(path)) continue;
            JsonObject record;
            try { record = JsonNode.Parse(File.ReadAllText(path))!.AsObject(); }
            catch (JsonException e) { throw new InvalidDataException($"{path}: not valid JSON ({e.Message}).", e); }
            _trials.Add(Trial.FromJson(record, _space, path));
        }
        LoadState(project["state"]?.AsObject() ?? []);
    }

    private sealed record FitArguments(DataSpec X, DataSpec Y, int Epochs, int BatchSize, float ValidationSplit,
        (DataSpec X, DataSpec Y)? ValidationData, IReadOnlyList<Callback> Callbacks, int Verbose, bool Shuffle);
}

/// <summary>
/// A tuner in a .NET Interactive notebook: its best trials as a table and every trial's score as a chart
/// (see the library's Visualization/NotebookFormatters.cs for the convention).
/// </summary>
internal sealed class TunerFormatterSource
{
    /// <summary>Called by the notebook kernel (by name, on an instance it creates).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "The kernel calls it on an instance, by name.")]
    public IEnumerable<object> CreateTypeFormatters() =>
        [new Visualization.NotebookFormatterSource.HtmlFormatter(typeof(Tuner), value => value is Tuner tuner ? Html(tuner) : null)];

    /// <summary>The best trials' table, then the trials chart; null (the kernel's default view) before any scored trial.</summary>
    internal static string? Html(Tuner tuner) =>
        tuner.ResultsHtml() is string table ? table + Visualization.NotebookFormatterSource.InlineSvg(tuner.TrialsSvg(), "functionaldnn-trials") : null;
}
