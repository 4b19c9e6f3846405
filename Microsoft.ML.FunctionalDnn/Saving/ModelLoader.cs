using System.Text.Json;
using Microsoft.ML.FunctionalDnn.Layers;

namespace Microsoft.ML.FunctionalDnn.Saving;

/// <summary>
/// Rebuilds a functional model from its saved config: creates every layer, then replays each
/// layer's calls in their recorded order, waiting for a later pass when a call's inputs do not
/// exist yet (layers shared at different depths), as Keras's <c>from_config</c> does.
/// </summary>
internal static class ModelLoader
{
    internal static Model FromConfig(JsonElement config, string className, IReadOnlyDictionary<string, Func<Tensor, Tensor>>? customObjects, string source, WeightBudget budget)
    {
        var reader = new ConfigReader(config, "?", source);
        string modelName = reader.String("name");
        reader = new ConfigReader(config, modelName, source);
        if (!config.TryGetProperty("layers", out var layersEl) || layersEl.ValueKind != JsonValueKind.Array)
            throw reader.Bad("has no 'layers' list");

        var layers = new List<(Layer Layer, JsonElement[] Nodes)>();
        var outputs = new Dictionary<(string Layer, int Node), IReadOnlyList<SymbolicTensor>>();
        int index = 0;
        foreach (var entry in layersEl.EnumerateArray())
        {
            var entryReader = new ConfigReader(entry, $"layers[{index++}]", source);
            string cls = entryReader.String("class_name");
            var layerReader = new ConfigReader(entryReader.Object("config"), entryReader.OptionalString("name") ?? entryReader.Layer, source);
            if (cls == "InputLayer")
            {
                var shape = layerReader.NullableInts("batch_shape");
                if (shape.Length == 0) throw layerReader.Bad("has an empty 'batch_shape'");
                var dtype = layerReader.String("dtype") switch
                {
                    "int32" => DType.Int32,
                    "float32" => DType.Float32,
                    var other => throw layerReader.Bad($"has dtype '{other}'; expected 'float32' or 'int32'"),
                };
                var input = Wrap(layerReader, () => Keras.Input(shape[1..], dtype, layerReader.String("name")));
                if (!outputs.TryAdd((input.Layer.Name, 0), [input])) throw layerReader.Bad("repeats the name of another layer");
                continue;
            }
            var layer = Wrap(layerReader, () => LayerFactory.Create(cls, layerReader, customObjects, source, budget));
            var nodes = entry.TryGetProperty("inbound_nodes", out var inbound) && inbound.ValueKind == JsonValueKind.Array ? inbound.EnumerateArray().ToArray() : [];
            layers.Add((layer, nodes));
        }

        if (className == "Sequential")
        {
            if (outputs.Count != 1) throw reader.Bad($"is a Sequential with {outputs.Count} InputLayers; expected 1");
            var input = outputs.Values.Single()[0];
            var stack = new Sequential(modelName);
            stack.Add(input);
            foreach (var (layer, _) in layers)
            {
                budget.Charge(layer, stack.Outputs[0].Shape);
                Wrap(new ConfigReader(default, layer.Name, source), () => stack.Add(layer));
            }
            return stack;
        }

        // Replay the calls; a layer's node k is created only after its node k-1.
        var next = new int[layers.Count];
        bool progress = true;
        while (progress)
        {
            progress = false;
            for (int i = 0; i < layers.Count; i++)
            {
                var (layer, nodes) = layers[i];
                var layerReader = new ConfigReader(default, layer.Name, source);
                while (next[i] < nodes.Length && TryInputs(nodes[next[i]], outputs, new ConfigReader(nodes[next[i]], $"{layer.Name} (call {next[i]})", source), out var inputs))
                {
                    budget.Charge(layer, inputs[0].Shape);
                    var produced = Wrap(layerReader, () => layer.ApplyMany(inputs));
                    if (!outputs.TryAdd((layer.Name, next[i]), produced)) throw layerReader.Bad("repeats the name of another layer");
                    next[i]++;
                    progress = true;
                }
            }
        }
        int stuck = Enumerable.Range(0, layers.Count).FirstOrDefault(i => next[i] < layers[i].Nodes.Length, -1);
        if (stuck >= 0)
            throw reader.Bad($"cannot be rebuilt: call {next[stuck]} of layer '{layers[stuck].Layer.Name}' reads tensors that no other call produces (the graph has loops or missing nodes)");

        var modelInputs = References(config, "input_layers", outputs, reader);
        var modelOutputs = References(config, "output_layers", outputs, reader);
        string[]? names = null;
        if (config.TryGetProperty("output_names", out var on) && on.ValueKind != JsonValueKind.Null)
        {
            names = on.ValueKind == JsonValueKind.Array
                ? [.. on.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw reader.Bad("has an 'output_names' entry that is not a string"))]
                : throw reader.Bad("has 'output_names' that is not a list");
            if (names.Length != modelOutputs.Length) throw reader.Bad($"lists {names.Length} output_names for {modelOutputs.Length} outputs");
            if (names.Distinct().Count() != names.Length) throw reader.Bad($"repeats a name in output_names [{string.Join(", ", names)}]");
        }
        return Wrap(reader, () => names is not null && !names.SequenceEqual(modelOutputs.Select(o => o.Layer.Name))
            ? new Model(modelInputs, names.Zip(modelOutputs).ToDictionary(p => p.First, p => p.Second), modelName)
            : new Model(modelInputs, modelOutputs, modelName));
    }

    /// <summary>
    /// Runs a constructor or call with values from the file; the argument checks of layers and models
    /// (a negative size, shapes that do not fit) become the file's error, naming the layer.
    /// </summary>
    private static T Wrap<T>(ConfigReader reader, Func<T> create)
    {
        try
        {
            return create();
        }
        catch (ArgumentException e)
        {
            throw reader.Bad($"is rejected: {e.Message}");
        }
        catch (InvalidOperationException e)
        {
            throw reader.Bad($"is rejected: {e.Message}");
        }
    }

    private static void Wrap(ConfigReader reader, Action action) => Wrap(reader, () =>
    {
        action();
        return 0;
    });

    private static bool TryInputs(JsonElement node, Dictionary<(string, int), IReadOnlyList<SymbolicTensor>> outputs, ConfigReader reader, out SymbolicTensor[] inputs)
    {
        inputs = [];
        if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty("args", out var args) || args.ValueKind != JsonValueKind.Array || args.GetArrayLength() == 0)
            throw reader.Bad("has no 'args' list of tensors");
        var list = new List<SymbolicTensor>();
        foreach (var arg in args.EnumerateArray())
        {
            if (arg.ValueKind != JsonValueKind.Object || !arg.TryGetProperty("config", out var argConfig) || argConfig.ValueKind != JsonValueKind.Object
                || !argConfig.TryGetProperty("keras_history", out var history))
                throw reader.Bad("has an argument without config.keras_history");
            var (layer, nodeIndex, tensorIndex) = Reference(history, reader, "keras_history");
            if (!outputs.TryGetValue((layer, nodeIndex), out var produced)) return false;
            if (tensorIndex >= produced.Count) throw reader.Bad($"refers to output {tensorIndex} of '{layer}' call {nodeIndex}, which has {produced.Count}");
            list.Add(produced[tensorIndex]);
        }
        inputs = [.. list];
        return true;
    }

    /// <summary>Reads a [layer name, node index, tensor index] triple.</summary>
    private static (string Layer, int Node, int Tensor) Reference(JsonElement r, ConfigReader reader, string key) =>
        r.ValueKind == JsonValueKind.Array && r.GetArrayLength() == 3 && r[0].ValueKind == JsonValueKind.String
        && ConfigReader.AsInt(r[1]) is int node && node >= 0 && ConfigReader.AsInt(r[2]) is int tensor && tensor >= 0
            ? (r[0].GetString()!, node, tensor)
            : throw reader.Bad($"has a '{key}' entry {r.GetRawText()}; expected [layer name, node index, tensor index]");

    private static SymbolicTensor[] References(JsonElement config, string key, Dictionary<(string, int), IReadOnlyList<SymbolicTensor>> outputs, ConfigReader reader)
    {
        if (!config.TryGetProperty(key, out var refs) || refs.ValueKind != JsonValueKind.Array) throw reader.Bad($"has no '{key}'");
        return [.. refs.EnumerateArray().Select(r =>
        {
            var (layer, node, tensor) = Reference(r, reader, key);
            return outputs.TryGetValue((layer, node), out var produced) && tensor < produced.Count
                ? produced[tensor]
                : throw reader.Bad($"lists {key} entry [{layer}, {node}, {tensor}], which the graph does not produce");
        })];
    }
}
