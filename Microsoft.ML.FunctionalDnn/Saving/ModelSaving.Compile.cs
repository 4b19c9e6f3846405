using System.Text.Json;
using Microsoft.ML.FunctionalDnn.Losses;
using Microsoft.ML.FunctionalDnn.Optimizers;

namespace Microsoft.ML.FunctionalDnn.Saving;

/// <summary>Keras's <c>compile_config</c>: what Compile fixed, written with the model and compiled again on load.</summary>
internal static partial class ModelSaving
{
    /// <summary>Optimizer, losses, loss weights and metric names; null when not compiled or a loss is a custom function.</summary>
    private static Dictionary<string, object?>? CompileConfig(TrainingSetup? setup)
    {
        if (setup is null) return null;
        var losses = setup.Losses.Select(l => l.GetConfig()).ToArray();
        if (losses.Any(l => l is null)) return null;
        return new Dictionary<string, object?>
        {
            ["optimizer"] = new Dictionary<string, object?> { ["class_name"] = setup.Optimizer.Name, ["config"] = setup.Optimizer.GetConfig() },
            ["loss"] = losses,
            ["loss_weights"] = setup.LossWeights,
            ["metrics"] = setup.MetricNames,
        };
    }

    /// <summary>Compiles <paramref name="model"/> from its saved compile config and, when saved, restores the optimizer's state.</summary>
    private static void RestoreCompile(Model model, JsonElement compile, byte[]? optimizerBytes, string source, string optimizerSource)
    {
        var reader = new ConfigReader(compile, "compile_config", source);
        var opt = new ConfigReader(reader.Object("optimizer"), "optimizer", source);
        var optConfig = new ConfigReader(opt.Object("config"), "optimizer", source);
        foreach (string key in (string[])["clipvalue", "clipnorm", "global_clipnorm", "weight_decay"])
            if (optConfig.Has(key) && optConfig.Float(key) < 0) throw optConfig.Bad($"'{key}' is {optConfig.Float(key)}; expected a value of at least 0");
        if (!compile.TryGetProperty("loss", out var lossEl) || lossEl.ValueKind != JsonValueKind.Array) throw reader.Bad("needs a 'loss' list");
        try
        {
            var optimizer = Optimizer.FromConfig(opt.String("class_name"), optConfig);
            Loss[] losses = [.. lossEl.EnumerateArray().Select(l => Loss.FromConfig(new ConfigReader(l, "loss", source)))];
            float[] weights = compile.TryGetProperty("loss_weights", out var w) && w.ValueKind != JsonValueKind.Null
                ? [.. ListOf(w, reader, "loss_weights").Select(e => e.ValueKind == JsonValueKind.Number && float.IsFinite(e.GetSingle()) ? e.GetSingle() : throw reader.Bad("'loss_weights' must hold finite numbers"))]
                : [.. losses.Select(_ => 1f)];
            string[][] metrics = compile.TryGetProperty("metrics", out var m) && m.ValueKind != JsonValueKind.Null
                ? [.. ListOf(m, reader, "metrics").Select(list => ListOf(list, reader, "metrics").Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw reader.Bad("'metrics' must hold lists of names")).ToArray())]
                : [.. losses.Select(_ => Array.Empty<string>())];
            model.Compile(optimizer, losses, weights, metrics);
            if (optimizerBytes is not null)
                optimizer.ImportState(SafeTensors.Read(new MemoryStream(optimizerBytes), optimizerSource), model.NamedWeights(), optimizerSource);
        }
        catch (ArgumentException e)
        {
            throw reader.Bad($"is rejected: {e.Message}");
        }
    }

    private static JsonElement.ArrayEnumerator ListOf(JsonElement e, ConfigReader reader, string key) =>
        e.ValueKind == JsonValueKind.Array ? e.EnumerateArray() : throw reader.Bad($"'{key}' must be a list");
}
