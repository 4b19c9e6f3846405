namespace Microsoft.ML.FunctionalDnn;

public partial class Model
{
    /// <summary>
    /// The model's architecture as Keras's <c>model.to_json()</c> gives it: <c>class_name</c>,
    /// <c>config</c> (layers, inbound nodes, input and output layers) and <c>module</c>; no weights.
    /// TensorBoard's conceptual graph reads this form.
    /// </summary>
    /// <exception cref="InvalidOperationException">A Sequential model that has not been built yet.</exception>
    public string ToJson()
    {
        RequireGraph();
        return System.Text.Json.JsonSerializer.Serialize(SerializableConfig(), Saving.Json.Options);
    }

    internal Dictionary<string, object?> SerializableConfig() =>
        new() { ["module"] = "Microsoft.ML.FunctionalDnn", ["class_name"] = ClassName, ["config"] = GetConfig() };

    /// <summary>
    /// Keras 3's functional config: <c>layers</c> (each with <c>class_name</c>, <c>name</c>,
    /// <c>config</c> and <c>inbound_nodes</c>, whose tensors carry <c>keras_history</c>
    /// [layer, node, tensor] with node indices counted within this model), <c>input_layers</c>
    /// and <c>output_layers</c>.
    /// </summary>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries()
    {
        // A shared layer's calls in this model are numbered 0, 1, … in execution order.
        var local = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        foreach (var group in Nodes.GroupBy(n => n.Layer, ReferenceEqualityComparer.Instance))
        {
            int i = 0;
            foreach (var node in group) local[node] = i++;
        }
        object[] History(SymbolicTensor t) => [t.Layer.Name, local[t.Node], t.TensorIndex];
        var layers = Layers.Select(layer => new Dictionary<string, object?>
        {
            ["class_name"] = layer.ClassName,
            ["name"] = layer.Name,
            ["config"] = layer.GetConfig(),
            ["inbound_nodes"] = Nodes.Where(n => ReferenceEquals(n.Layer, layer) && n.Inputs.Count > 0)
                .Select(n => new Dictionary<string, object?>
                {
                    ["args"] = n.Inputs.Select(t => new Dictionary<string, object?>
                    {
                        ["class_name"] = "__keras_tensor__",
                        ["config"] = new Dictionary<string, object?>
                        {
                            ["shape"] = t.Shape.ToArray(),
                            ["dtype"] = t.DType == DType.Float32 ? "float32" : "int32",
                            ["keras_history"] = History(t),
                        },
                    }).ToArray(),
                    ["kwargs"] = new Dictionary<string, object?>(),
                }).ToArray(),
        }).ToArray();
        return
        [
            new("layers", layers),
            new("input_layers", Inputs.Select(History).ToArray()),
            new("output_layers", Outputs.Select(History).ToArray()),
            new("output_names", OutputNames.ToArray()),
        ];
    }
}
