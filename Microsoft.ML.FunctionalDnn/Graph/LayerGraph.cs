using Microsoft.ML.FunctionalDnn.Layers;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>One layer of a model's drawing: a shared layer is one node with the inputs of all its calls.</summary>
/// <param name="Id">The layer's name, prefixed with the enclosing nested models (<c>outer/inner/layer</c>) when they are expanded.</param>
/// <param name="Layer">The layer (a nested model when it is not expanded).</param>
/// <param name="Scope">The names of the expanded nested models around the layer, outermost first.</param>
/// <param name="Inputs">One entry per input tensor of every call: the producing node's id and which of its outputs.</param>
/// <param name="InputShapes">The input shapes of the layer's first call (the fed shape for an input layer).</param>
/// <param name="OutputShapes">The output shapes of the layer's first call.</param>
internal sealed record LayerGraphNode(string Id, Layer Layer, IReadOnlyList<string> Scope,
    IReadOnlyList<(string Source, int Output)> Inputs, IReadOnlyList<TensorShape> InputShapes, IReadOnlyList<TensorShape> OutputShapes);

/// <summary>
/// A model's layers as a graph for drawing and TensorBoard: nodes in the model's layer order, edges
/// per call, nested models either as one node or expanded in place (their input layers then take
/// the tensors the outer model feeds them).
/// </summary>
internal static class LayerGraph
{
    internal static List<LayerGraphNode> Build(Model model, bool expandNested)
    {
        var nodes = new List<LayerGraphNode>();
        Add(nodes, model, [], expandNested, new Dictionary<Layer, List<(string, int)>>(ReferenceEqualityComparer.Instance));
        return nodes;
    }

    private static void Add(List<LayerGraphNode> into, Model model, string[] scope, bool expand, Dictionary<Layer, List<(string, int)>> fedInputs)
    {
        string prefix = string.Concat(scope.Select(s => s + "/"));
        foreach (var layer in model.Layers)
        {
            var calls = model.Nodes.Where(n => ReferenceEquals(n.Layer, layer)).ToList();
            if (expand && layer is Model nested)
            {
                var feeds = new Dictionary<Layer, List<(string, int)>>(ReferenceEqualityComparer.Instance);
                foreach (var call in calls)
                    for (int i = 0; i < call.Inputs.Count && i < nested.Inputs.Count; i++)
                    {
                        var inner = nested.Inputs[i].Layer;
                        if (!feeds.TryGetValue(inner, out var list)) feeds[inner] = list = [];
                        list.Add(Producer(call.Inputs[i], model, prefix, expand));
                    }
                Add(into, nested, [.. scope, nested.Name], expand, feeds);
                continue;
            }
            var inputs = new List<(string, int)>();
            if (layer is InputLayer && fedInputs.TryGetValue(layer, out var fed)) inputs.AddRange(fed);
            foreach (var call in calls) inputs.AddRange(call.Inputs.Select(t => Producer(t, model, prefix, expand)));
            var first = calls.FirstOrDefault();
            var outputShapes = first?.Outputs.Select(o => o.Shape).ToArray() ?? [];
            var inputShapes = first is null ? [] : first.Inputs.Count > 0 ? first.Inputs.Select(t => t.Shape).ToArray() : outputShapes;
            into.Add(new LayerGraphNode(prefix + layer.Name, layer, scope, inputs, inputShapes, outputShapes));
        }
    }

    /// <summary>The node and output index that produce <paramref name="tensor"/>, looking inside expanded nested models.</summary>
    private static (string Source, int Output) Producer(SymbolicTensor tensor, Model model, string prefix, bool expand)
    {
        while (expand && tensor.Layer is Model nested && !ReferenceEquals(nested, model))
        {
            prefix = $"{prefix}{nested.Name}/";
            model = nested;
            tensor = nested.Outputs[tensor.TensorIndex];
        }
        return (prefix + tensor.Layer.Name, tensor.TensorIndex);
    }
}
