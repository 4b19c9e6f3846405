using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Microsoft.ML.FunctionalDnn.Tuning;

/// <summary>Where a trial is.</summary>
public enum TrialStatus
{
    /// <summary>Started and not finished (an interrupted search re-runs it when resumed).</summary>
    Running,

    /// <summary>Finished with a score.</summary>
    Completed,

    /// <summary>The model could not be built or trained; <see cref="Trial.Error"/> says why.</summary>
    Failed,
}

/// <summary>One point of a search: its hyperparameters, and once run its score and best epoch.</summary>
public sealed class Trial
{
    internal Trial(string id, HyperParameters hyperParameters, int? epochs, int initialEpoch, string? parentId)
    {
        (Id, HyperParameters, Epochs, InitialEpoch, ParentId) = (id, hyperParameters, epochs, initialEpoch, parentId);
    }

    /// <summary>"00", "01" …, in the order trials were created.</summary>
    public string Id { get; }

    /// <summary>The values the model was built with.</summary>
    public HyperParameters HyperParameters { get; }

    /// <summary>Running, completed or failed.</summary>
    public TrialStatus Status { get; internal set; }

    /// <summary>The objective's best value over the epochs (averaged over executions); null until completed.</summary>
    public double? Score { get; internal set; }

    /// <summary>The epoch (from 0) at which the objective was best, whose weights were kept.</summary>
    public int? BestEpoch { get; internal set; }

    /// <summary>The epochs the trial trains to (Hyperband sets it per round; otherwise the search's epochs).</summary>
    public int? Epochs { get; internal set; }

    /// <summary>The epoch training starts from (Hyperband continues a trial of the previous round from its weights).</summary>
    public int InitialEpoch { get; }

    /// <summary>The trial whose weights this one continues (Hyperband), or null.</summary>
    public string? ParentId { get; }

    /// <summary>Why the trial failed.</summary>
    public string? Error { get; internal set; }

    /// <summary>The logs per epoch of the best execution (loss, val_loss, accuracy …).</summary>
    public IReadOnlyDictionary<string, List<float>> Metrics { get; internal set; } = new Dictionary<string, List<float>>();

    internal JsonObject ToJson() => new()
    {
        ["trial_id"] = Id,
        ["status"] = Status.ToString().ToUpperInvariant(),
        ["hyperparameters"] = new JsonObject(HyperParameters.Values.Select(p => KeyValuePair.Create(p.Key, HyperParameter.ValueNode(p.Value)))),
        ["score"] = Score is double s && double.IsFinite(s) ? s : null,
        ["best_epoch"] = BestEpoch,
        ["epochs"] = Epochs,
        ["initial_epoch"] = InitialEpoch,
        ["parent_trial_id"] = ParentId,
        ["error"] = Error,
        ["metrics"] = new JsonObject(Metrics.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)new JsonArray([.. p.Value.Select(v => (JsonNode?)JsonValue.Create(float.IsFinite(v) ? v : (float?)null))])))),
    };

    internal static Trial FromJson(JsonObject o, IReadOnlyList<HyperParameter> space, string path)
    {
        try
        {
            var values = new Dictionary<string, object>();
            foreach (var (name, node) in o["hyperparameters"]!.AsObject())
            {
                var definition = space.FirstOrDefault(p => p.Name == name);
                values[name] = definition is null ? HyperParameter.PlainValue(node!) : definition.FromJson(node!);
            }
            var trial = new Trial(o["trial_id"]!.GetValue<string>(), new HyperParameters(space, values), o["epochs"]?.GetValue<int>(),
                o["initial_epoch"]?.GetValue<int>() ?? 0, o["parent_trial_id"]?.GetValue<string>())
            {
                Status = Enum.Parse<TrialStatus>(o["status"]!.GetValue<string>(), ignoreCase: true),
                Score = o["score"]?.GetValue<double>(),
                BestEpoch = o["best_epoch"]?.GetValue<int>(),
                Error = o["error"]?.GetValue<string>(),
                Metrics = o["metrics"]?.AsObject().ToDictionary(p => p.Key, p => p.Value!.AsArray().Select(v => v?.GetValue<float>() ?? float.NaN).ToList())
                    ?? [],
            };
            return trial;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentException or NullReferenceException)
        {
            throw new InvalidDataException($"{path}: not a valid trial record ({e.Message}). Delete the file or search with overwrite: true.", e);
        }
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"Trial {Id} ({Status}{(Score is double s ? ", score " + s.ToString("G6", CultureInfo.InvariantCulture) : "")})";
}
