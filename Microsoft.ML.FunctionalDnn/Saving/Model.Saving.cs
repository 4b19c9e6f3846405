using System.Globalization;
using System.IO.Compression;
using System.Text.Json;

namespace Microsoft.ML.FunctionalDnn;

public partial class Model
{
    private const string ConfigEntry = "config.json", WeightsEntry = "model.safetensors", MetadataEntry = "metadata.json", OptimizerEntry = "optimizer.safetensors";

    /// <summary>
    /// Saves the model to one zip file, like Keras's <c>.keras</c>: <c>config.json</c> (the graph,
    /// Keras-3 shaped, and — for a model compiled with built-in losses — its compile config),
    /// <c>model.safetensors</c> (the weights by name), <c>metadata.json</c>, and with
    /// <paramref name="includeOptimizer"/> <c>optimizer.safetensors</c> (the optimizer's moments and
    /// step count, so training continues where it stopped). The file is written beside the target and
    /// renamed into place, so a crash never leaves a torn file.
    /// </summary>
    public void Save(string path, bool includeOptimizer = true)
    {
        ArgumentNullException.ThrowIfNull(path);
        RequireGraph();
        var config = SerializableConfig();
        var compile = CompileConfig();
        if (compile is not null) config["compile_config"] = compile;
        var weights = NamedWeights();
        var optimizerState = includeOptimizer && compile is not null ? _training!.Optimizer.ExportState(weights) : null;
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "fdnn-model",
            ["format_version"] = "1",
            ["library_version"] = typeof(Model).Assembly.GetName().Version?.ToString() ?? "0",
            ["date_saved"] = DateTime.UtcNow.ToString("yyyy-MM-dd@HH:mm:ss", CultureInfo.InvariantCulture),
        };
        foreach (var lambda in Layers.OfType<Lambda>().Where(l => l.FunctionName is null))
            throw new InvalidOperationException($"Model '{Name}' cannot be saved: Lambda layer '{lambda.Name}' has no functionName. Create it with functionName: \"…\" and pass the function in customObjects when loading.");
        SafeTensors.WriteAtomically(path, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            using (var s = zip.CreateEntry(ConfigEntry).Open()) JsonSerializer.Serialize(s, config);
            using (var s = zip.CreateEntry(MetadataEntry).Open()) JsonSerializer.Serialize(s, metadata);
            using (var s = zip.CreateEntry(WeightsEntry, CompressionLevel.NoCompression).Open()) SafeTensors.Write(s, weights);
            if (optimizerState is not null)
                using (var s = zip.CreateEntry(OptimizerEntry, CompressionLevel.NoCompression).Open()) SafeTensors.Write(s, optimizerState);
        });
    }

    /// <summary>Keras's compile_config: optimizer, losses, loss weights and metric names; null when not compiled or a loss is a custom function.</summary>
    private Dictionary<string, object?>? CompileConfig()
    {
        if (_training is not { } t) return null;
        var losses = t.Losses.Select(l => l.GetConfig()).ToArray();
        if (losses.Any(l => l is null)) return null;
        return new Dictionary<string, object?>
        {
            ["optimizer"] = new Dictionary<string, object?> { ["class_name"] = t.Optimizer.Name, ["config"] = t.Optimizer.GetConfig() },
            ["loss"] = losses,
            ["loss_weights"] = t.LossWeights,
            ["metrics"] = t.MetricNames,
        };
    }

    private void RestoreCompile(JsonElement compile, byte[]? optimizerBytes, string source, string optimizerSource)
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
            Compile(optimizer, losses, weights, metrics);
            if (optimizerBytes is not null)
                optimizer.ImportState(SafeTensors.Read(new MemoryStream(optimizerBytes), optimizerSource), NamedWeights(), optimizerSource);
        }
        catch (ArgumentException e)
        {
            throw reader.Bad($"is rejected: {e.Message}");
        }
    }

    private static JsonElement.ArrayEnumerator ListOf(JsonElement e, ConfigReader reader, string key) =>
        e.ValueKind == JsonValueKind.Array ? e.EnumerateArray() : throw reader.Bad($"'{key}' must be a list");

    /// <summary>A config.json larger than this is refused as corrupt (a large model's config is a few hundred kilobytes).</summary>
    private const long MaxConfigBytes = 16L << 20;

    /// <summary>
    /// Loads a model saved by <see cref="Save"/>: the same graph, layer names and weights, so its
    /// predictions are bit-identical; a model saved compiled comes back compiled, with its
    /// optimizer's state when it was saved. Loading never runs code from the file: Lambda layers take
    /// their function from <paramref name="customObjects"/> by the name they were saved under.
    /// Every entry's CRC-32 is verified, weights are read before the graph is rebuilt, and no layer is
    /// built that would create more weight values than the file holds (see docs/saving.md).
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// The file is not a saved model, or a part of it is missing, corrupt or inconsistent; the message
    /// names the file, the entry and what inside it is wrong. Every malformed file ends in this type.
    /// </exception>
    public static Model Load(string path, IReadOnlyDictionary<string, Func<Tensor, Tensor>>? customObjects = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var zip = ModelArchive.Open(path, [ConfigEntry, WeightsEntry, MetadataEntry, OptimizerEntry]);
        string configSource = $"{path}!{ConfigEntry}", weightsSource = $"{path}!{WeightsEntry}", optimizerSource = $"{path}!{OptimizerEntry}";
        byte[] configBytes = ModelArchive.Read(zip, ConfigEntry, path, MaxConfigBytes);
        var weights = SafeTensors.Read(new MemoryStream(ModelArchive.Read(zip, WeightsEntry, path, long.MaxValue)), weightsSource);
        byte[]? optimizerBytes = ModelArchive.TryRead(zip, OptimizerEntry, path, long.MaxValue);
        // metadata.json is not used, but damage anywhere means the file is not the one that was saved.
        ModelArchive.TryRead(zip, MetadataEntry, path, MaxConfigBytes);
        if (!System.Text.Unicode.Utf8.IsValid(configBytes)) throw new InvalidDataException($"'{configSource}' is not valid UTF-8.");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(configBytes);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{configSource}' is not valid JSON ({e.Message}).", e);
        }
        using (doc)
        {
            var root = new ConfigReader(doc.RootElement, "(root)", configSource);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw root.Bad($"is a JSON {doc.RootElement.ValueKind}; expected an object");
            var budget = new WeightBudget(weights.Values.Sum(t => (long)t.Size), weightsSource);
            var model = ModelLoader.FromConfig(root.Object("config"), root.String("class_name"), customObjects, configSource, budget);
            model.AssignWeights(weights, weightsSource);
            if (root.Has("compile_config")) model.RestoreCompile(root.Object("compile_config"), optimizerBytes, configSource, optimizerSource);
            else if (optimizerBytes is not null) throw root.Bad($"has no 'compile_config', yet the file holds {OptimizerEntry}");
            return model;
        }
    }
}
