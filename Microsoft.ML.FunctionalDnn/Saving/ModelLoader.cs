using System.Text.Json;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// Rebuilds a functional model from its saved config: creates every layer, then replays each
/// layer's calls in their recorded order, waiting for a later pass when a call's inputs do not
/// exist yet (layers shared at different depths), as Keras's <c>from_config</c> does.
/// </summary>
internal static class ModelLoader
{
    internal static Model FromConfig(JsonElement config, string className, IReadOnlyDictionary<string, Func<Tensor, Tensor>>? customObjects, string source)
    {
        var reader = new ConfigReader(config, config.TryGetProperty("name", out var n) ? n.GetString() ?? "?" : "?", source);
        string modelName = reader.String("name");
        if (!config.TryGetProperty("layers", out var layersEl) || layersEl.ValueKind != JsonValueKind.Array)
            throw reader.Bad("has no 'layers' list");

        var layers = new List<(Layer Layer, JsonElement[] Nodes)>();
        var outputs = new Dictionary<(string Layer, int Node), IReadOnlyList<SymbolicTensor>>();
        foreach (var entry in layersEl.EnumerateArray())
        {
            string cls = entry.TryGetProperty("class_name", out var c) ? c.GetString() ?? "" : throw reader.Bad("has a layer without class_name");
            if (!entry.TryGetProperty("config", out var layerConfig)) throw reader.Bad("has a layer without config");
            var layerReader = new ConfigReader(layerConfig, entry.TryGetProperty("name", out var ln) ? ln.GetString() ?? "?" : "?", source);
            if (cls == "InputLayer")
            {
                var shape = layerReader.NullableInts("batch_shape");
                var dtype = layerReader.String("dtype") == "int32" ? DType.Int32 : DType.Float32;
                var input = Keras.Input(shape[1..], dtype, layerReader.String("name"));
                outputs[(input.Layer.Name, 0)] = [input];
                continue;
            }
            var layer = LayerFactory.Create(cls, layerReader, customObjects, source);
            var nodes = entry.TryGetProperty("inbound_nodes", out var inbound) && inbound.ValueKind == JsonValueKind.Array ? inbound.EnumerateArray().ToArray() : [];
            layers.Add((layer, nodes));
        }

        if (className == "Sequential")
        {
            var input = outputs.Values.Single()[0];
            var stack = new Sequential(modelName);
            stack.Add(input);
            foreach (var (layer, _) in layers) stack.Add(layer);
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
                while (next[i] < nodes.Length && TryInputs(nodes[next[i]], outputs, reader, out var inputs))
                {
                    outputs[(layer.Name, next[i])] = layer.ApplyMany(inputs);
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
        var names = config.TryGetProperty("output_names", out var on) && on.ValueKind == JsonValueKind.Array
            ? on.EnumerateArray().Select(e => e.GetString() ?? "").ToArray() : null;
        var model = names is not null && !names.SequenceEqual(modelOutputs.Select(o => o.Layer.Name))
            ? new Model(modelInputs, names.Zip(modelOutputs).ToDictionary(p => p.First, p => p.Second), modelName)
            : new Model(modelInputs, modelOutputs, modelName);
        return model;
    }

    private static bool TryInputs(JsonElement node, Dictionary<(string, int), IReadOnlyList<SymbolicTensor>> outputs, ConfigReader reader, out SymbolicTensor[] inputs)
    {
        inputs = [];
        if (!node.TryGetProperty("args", out var args) || args.ValueKind != JsonValueKind.Array) throw reader.Bad("has a call without 'args'");
        var list = new List<SymbolicTensor>();
        foreach (var arg in args.EnumerateArray())
        {
            var history = arg.GetProperty("config").GetProperty("keras_history");
            string layer = history[0].GetString() ?? "";
            int nodeIndex = history[1].GetInt32(), tensorIndex = history[2].GetInt32();
            if (!outputs.TryGetValue((layer, nodeIndex), out var produced)) return false;
            if (tensorIndex >= produced.Count) throw reader.Bad($"refers to output {tensorIndex} of '{layer}' call {nodeIndex}, which has {produced.Count}");
            list.Add(produced[tensorIndex]);
        }
        inputs = [.. list];
        return true;
    }

    private static SymbolicTensor[] References(JsonElement config, string key, Dictionary<(string, int), IReadOnlyList<SymbolicTensor>> outputs, ConfigReader reader)
    {
        if (!config.TryGetProperty(key, out var refs) || refs.ValueKind != JsonValueKind.Array) throw reader.Bad($"has no '{key}'");
        return [.. refs.EnumerateArray().Select(r =>
        {
            string layer = r[0].GetString() ?? "";
            return outputs.TryGetValue((layer, r[1].GetInt32()), out var produced) && r[2].GetInt32() < produced.Count
                ? produced[r[2].GetInt32()]
                : throw reader.Bad($"lists {key} entry [{layer}, {r[1]}, {r[2]}], which the graph does not produce");
        })];
    }
}
