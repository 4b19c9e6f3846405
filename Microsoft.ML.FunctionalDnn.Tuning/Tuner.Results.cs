using System.Globalization;
using System.Text;
using Microsoft.ML.FunctionalDnn.Layers;

namespace Microsoft.ML.FunctionalDnn.Tuning;

public abstract partial class Tuner
{
    /// <summary>The completed trials, best first (ties in creation order).</summary>
    public IReadOnlyList<Trial> GetBestTrials(int numTrials = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numTrials, 1);
        Load();
        var completed = Completed.ToList();
        var ordered = Objective.Direction == ObjectiveDirection.Max
            ? completed.OrderByDescending(t => t.Score!.Value)
            : completed.OrderBy(t => t.Score!.Value);
        return [.. ordered.ThenBy(t => t.Id, StringComparer.Ordinal).Take(numTrials)];
    }

    /// <summary>The hyperparameters of the best trials, best first (KerasTuner's <c>get_best_hyperparameters</c>); build a fresh model from them to retrain on all the data.</summary>
    public IReadOnlyList<HyperParameters> GetBestHyperParameters(int numTrials = 1) =>
        [.. GetBestTrials(numTrials).Select(t => new HyperParameters(Space, t.HyperParameters.Values))];

    /// <summary>
    /// The best trials' models, built with their hyperparameters and loaded with the weights of
    /// their best epoch, best first (KerasTuner's <c>get_best_models</c>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The tuner has no model-building function.</exception>
    public IReadOnlyList<Model> GetBestModels(int numModels = 1)
    {
        var build = _hypermodel ?? throw new InvalidOperationException($"This {Kind} searched a function; there are no models to return.");
        var models = new List<Model>();
        foreach (var trial in GetBestTrials(numModels))
        {
            Model model;
            using (SeedScope.Begin(Seed))
            using (LayerNames.FreshScope()) model = build(new HyperParameters(Space, trial.HyperParameters.Values));
            model.LoadWeights(CheckpointPath(trial.Id));
            models.Add(model);
        }
        return models;
    }

    /// <summary>
    /// KerasTuner's results summary: the project folder, the objective, then for each of the best
    /// <paramref name="numTrials"/> trials its hyperparameters and score.
    /// </summary>
    /// <param name="numTrials">How many trials to show.</param>
    /// <param name="print">Also write it to the console.</param>
    public string ResultsSummary(int numTrials = 10, bool print = false)
    {
        var best = GetBestTrials(numTrials);
        var text = new StringBuilder();
        text.AppendLine("Results summary");
        text.AppendLine(CultureInfo.InvariantCulture, $"Results in {ProjectDirectory}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Showing {best.Count} best trials");
        text.AppendLine(Objective.ToString());
        foreach (var trial in best)
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"Trial {trial.Id} summary");
            text.AppendLine("Hyperparameters:");
            foreach (var (name, value) in trial.HyperParameters.Values)
                text.AppendLine(CultureInfo.InvariantCulture, $"{name}: {FormatValue(name, value)}");
            if (trial.ParentId is not null)
                text.AppendLine(CultureInfo.InvariantCulture, $"tuner/epochs: {trial.Epochs}{Environment.NewLine}tuner/initial_epoch: {trial.InitialEpoch}{Environment.NewLine}tuner/trial_id: {trial.ParentId}");
            text.AppendLine(CultureInfo.InvariantCulture, $"Score: {trial.Score!.Value.ToString("G6", CultureInfo.InvariantCulture)}");
        }
        string summary = text.ToString();
        if (print) Console.Write(summary);
        return summary;
    }

    /// <summary>
    /// The best <paramref name="numTrials"/> completed trials as an HTML table — trial, each
    /// hyperparameter, score, best first — what a notebook shows for a tuner; null before any trial
    /// completed (the notebook's default view then).
    /// </summary>
    internal string? ResultsHtml(int numTrials = 10)
    {
        var best = GetBestTrials(numTrials);
        if (best.Count == 0) return null;
        static string E(string text) => System.Net.WebUtility.HtmlEncode(text);
        var names = best.SelectMany(t => t.HyperParameters.Values.Keys).Distinct().ToList();
        var html = new StringBuilder("<div class=\"functionaldnn-tuner\"><table><caption>");
        html.Append(E($"{Kind}: {best.Count} best trials, {Objective}")).Append("</caption><thead><tr><th>Trial</th>");
        foreach (var name in names) html.Append("<th>").Append(E(name)).Append("</th>");
        html.Append("<th>Score</th></tr></thead><tbody>");
        foreach (var trial in best)
        {
            html.Append("<tr><td>").Append(E(trial.Id)).Append("</td>");
            foreach (var name in names)
            {
                string cell = "";
                if (trial.HyperParameters.Values.TryGetValue(name, out var value)) cell = FormatValue(name, value);
                html.Append("<td>").Append(E(cell)).Append("</td>");
            }
            html.Append("<td style=\"text-align:right\">").Append(trial.Score!.Value.ToString("G6", CultureInfo.InvariantCulture)).Append("</td></tr>");
        }
        return html.Append("</tbody></table></div>").ToString();
    }

    /// <summary>A trial's value of hyperparameter <paramref name="name"/> as its definition writes it (plain text for a name outside the space).</summary>
    private string FormatValue(string name, object value) =>
        Space.FirstOrDefault(p => p.Name == name)?.Format(value) ?? Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";

    /// <summary>KerasTuner's search-space summary: each hyperparameter with its kind and range.</summary>
    public string SearchSpaceSummary(bool print = false)
    {
        var text = new StringBuilder();
        text.AppendLine("Search space summary");
        text.AppendLine(CultureInfo.InvariantCulture, $"Default search space size: {Space.Count}");
        foreach (var p in Space)
        {
            string details = p switch
            {
                IntHyperParameter i => $"Int (min_value: {i.Min}, max_value: {i.Max}, step: {i.Step?.ToString(CultureInfo.InvariantCulture) ?? "1"}, sampling: {i.Sampling.ToString().ToLowerInvariant()}, default: {i.Default})",
                FloatHyperParameter f => $"Float (min_value: {f.Format(f.Min)}, max_value: {f.Format(f.Max)}, step: {(f.Step is double s ? f.Format(s) : "None")}, sampling: {f.Sampling.ToString().ToLowerInvariant()}, default: {f.Format(f.Default)})",
                ChoiceHyperParameter c => $"Choice (values: [{string.Join(", ", c.Values.Select(c.Format))}], default: {c.Format(c.Default)})",
                BooleanHyperParameter b => $"Boolean (default: {b.Default})",
                FixedHyperParameter x => $"Fixed (value: {x.Format(x.Value)})",
                _ => p.GetType().Name,
            };
            string condition = p.Conditions.Count == 0 ? "" : " if " + string.Join(" and ", p.Conditions.Select(c => $"{c.Parent} in [{string.Join(", ", c.Values)}]"));
            text.AppendLine(CultureInfo.InvariantCulture, $"{p.Name} ({details}){condition}");
        }
        string summary = text.ToString();
        if (print) Console.Write(summary);
        return summary;
    }
}
