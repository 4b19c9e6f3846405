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

    private void RestoreCompile(JsonElement compile, ZipArchive zip, string path)
    {
        var reader = new ConfigReader(compile, "compile_config", path);
        if (!compile.TryGetProperty("optimizer", out var opt) || !opt.TryGetProperty("class_name", out var cls) || !opt.TryGetProperty("config", out var optConfig)
            || !compile.TryGetProperty("loss", out var lossEl) || lossEl.ValueKind != JsonValueKind.Array)
            throw reader.Bad("needs optimizer {class_name, config} and a loss list");
        var optimizer = Optimizer.FromConfig(cls.GetString() ?? "", new ConfigReader(optConfig, "optimizer", path));
        Loss[] losses = [.. lossEl.EnumerateArray().Select(l => Loss.FromConfig(new ConfigReader(l, "loss", path)))];
        float[] weights = compile.TryGetProperty("loss_weights", out var w) ? [.. w.EnumerateArray().Select(e => e.GetSingle())] : [.. losses.Select(_ => 1f)];
        string[][] metrics = compile.TryGetProperty("metrics", out var m)
            ? [.. m.EnumerateArray().Select(list => list.EnumerateArray().Select(e => e.GetString() ?? "").ToArray())]
            : [.. losses.Select(_ => Array.Empty<string>())];
        Compile(optimizer, losses, weights, metrics);
        if (zip.GetEntry(OptimizerEntry) is { } entry)
        {
            var buffer = new MemoryStream();
            using (var s = entry.Open()) s.CopyTo(buffer);
            buffer.Position = 0;
            optimizer.ImportState(SafeTensors.Read(buffer, $"{path}!{OptimizerEntry}"), NamedWeights());
        }
    }

    /// <summary>
    /// Loads a model saved by <see cref="Save"/>: the same graph, layer names and weights, so its
    /// predictions are bit-identical; a model saved compiled comes back compiled, with its
    /// optimizer's state when it was saved. Loading never runs code from the file: Lambda layers take
    /// their function from <paramref name="customObjects"/> by the name they were saved under.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a saved model, or a part of it is missing or corrupt; the message names the file and the part.</exception>
    public static Model Load(string path, IReadOnlyDictionary<string, Func<Tensor, Tensor>>? customObjects = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{path}' is not a saved model (not a readable zip file: {e.Message}).", e);
        }
        using (zip)
        {
            JsonDocument doc;
            try
            {
                using var s = Entry(zip, ConfigEntry, path).Open();
                doc = JsonDocument.Parse(s);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"'{path}': {ConfigEntry} is not valid JSON ({e.Message}).", e);
            }
            using (doc)
            {
                var root = doc.RootElement;
                if (!root.TryGetProperty("class_name", out var cls) || !root.TryGetProperty("config", out var config))
                    throw new InvalidDataException($"'{path}': {ConfigEntry} needs 'class_name' and 'config'.");
                var model = ModelLoader.FromConfig(config, cls.GetString() ?? "", customObjects, path);
                var weightsEntry = Entry(zip, WeightsEntry, path);
                var buffer = new MemoryStream();
                using (var s = weightsEntry.Open()) s.CopyTo(buffer);
                buffer.Position = 0;
                model.AssignWeights(SafeTensors.Read(buffer, $"{path}!{WeightsEntry}"), $"{path}!{WeightsEntry}");
                if (root.TryGetProperty("compile_config", out var compile)) model.RestoreCompile(compile, zip, path);
                return model;
            }
        }
    }

    private static ZipArchiveEntry Entry(ZipArchive zip, string name, string path) =>
        zip.GetEntry(name) ?? throw new InvalidDataException($"'{path}' is not a saved model: it has no {name} (entries: {string.Join(", ", zip.Entries.Select(e => e.FullName))}).");
}
