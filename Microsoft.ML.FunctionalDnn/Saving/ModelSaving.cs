using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Microsoft.ML.FunctionalDnn.Layers;

namespace Microsoft.ML.FunctionalDnn.Saving;

/// <summary>
/// Saving as functions over a model, as Keras 3's <c>saving_api</c> (<c>save_model</c>,
/// <c>load_model</c>, weights to and from files): <see cref="Model.Save"/>, <see cref="Model.Load"/>,
/// <see cref="Model.SaveWeights"/> and <see cref="Model.LoadWeights"/> forward here. This file is the
/// archive; ModelSaving.Compile the compile config, ModelSaving.Weights the weights.
/// </summary>
internal static partial class ModelSaving
{
    private const string ConfigEntry = "config.json", WeightsEntry = "model.safetensors", MetadataEntry = "metadata.json", OptimizerEntry = "optimizer.safetensors";

    /// <summary>A config.json larger than this is refused as corrupt (a large model's config is a few hundred kilobytes).</summary>
    private const long MaxConfigBytes = 16L << 20;

    /// <summary>Writes <paramref name="model"/> as one zip (see <see cref="Model.Save"/>).</summary>
    internal static void Save(Model model, string path, bool includeOptimizer)
    {
        ArgumentNullException.ThrowIfNull(path);
        model.RequireGraph();
        var config = model.SerializableConfig();
        var setup = model.Trainer.Setup;
        var compile = CompileConfig(setup);
        if (compile is not null) config["compile_config"] = compile;
        var weights = model.NamedWeights();
        var optimizerState = includeOptimizer && compile is not null ? setup!.Optimizer.ExportState(weights) : null;
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "fdnn-model",
            ["format_version"] = "1",
            ["library_version"] = typeof(Model).Assembly.GetName().Version?.ToString() ?? "0",
            ["date_saved"] = DateTime.UtcNow.ToString("yyyy-MM-dd@HH:mm:ss", CultureInfo.InvariantCulture),
        };
        foreach (var lambda in model.Layers.OfType<Lambda>().Where(l => l.FunctionName is null))
            throw new InvalidOperationException($"Model '{model.Name}' cannot be saved: Lambda layer '{lambda.Name}' has no functionName. Create it with functionName: \"…\" and pass the function in customObjects when loading.");
        SafeTensors.WriteAtomically(path, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            using (var s = zip.CreateEntry(ConfigEntry).Open()) JsonSerializer.Serialize(s, config, Json.Options);
            using (var s = zip.CreateEntry(MetadataEntry).Open()) JsonSerializer.Serialize(s, metadata, Json.Options);
            using (var s = zip.CreateEntry(WeightsEntry, CompressionLevel.NoCompression).Open()) SafeTensors.Write(s, weights);
            if (optimizerState is not null)
                using (var s = zip.CreateEntry(OptimizerEntry, CompressionLevel.NoCompression).Open()) SafeTensors.Write(s, optimizerState);
        });
    }

    /// <summary>Reads a model written by <see cref="Save"/> (see <see cref="Model.Load"/> for what is checked).</summary>
    internal static Model Load(string path, IReadOnlyDictionary<string, Func<Tensor, Tensor>>? customObjects)
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
            AssignWeights(model, weights, weightsSource);
            if (root.Has("compile_config")) RestoreCompile(model, root.Object("compile_config"), optimizerBytes, configSource, optimizerSource);
            else if (optimizerBytes is not null) throw root.Bad($"has no 'compile_config', yet the file holds {OptimizerEntry}");
            return model;
        }
    }
}
