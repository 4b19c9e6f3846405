using Google.Protobuf;
using Microsoft.ML.FunctionalDnn.TensorBoardProtos;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// A model as a TensorBoard GraphDef: one node per layer (op = the layer's class), nested models
/// as name scopes (<c>outer/inner/layer</c>) whose input layers take the tensors the outer model
/// feeds them, one edge per call (a shared layer is one node with the edges of all its calls), and
/// the output shapes as <c>_output_shapes</c> so the dashboard labels the edges.
/// </summary>
internal static class ModelGraph
{
    internal static GraphDef Build(Model model)
    {
        var graph = new GraphDef { Versions = new VersionDef { Producer = 22 } };
        AddModel(graph, model, "", new Dictionary<Layer, List<string>>(ReferenceEqualityComparer.Instance));
        return graph;
    }

    /// <param name="graph">The graph being built.</param>
    /// <param name="model">The (possibly nested) model whose layers are added.</param>
    /// <param name="scope">The name prefix of this model's nodes.</param>
    /// <param name="fedInputs">For a nested model: the outer node names feeding each of its input layers.</param>
    private static void AddModel(GraphDef graph, Model model, string scope, Dictionary<Layer, List<string>> fedInputs)
    {
        foreach (var layer in model.Layers)
        {
            var calls = model.Nodes.Where(n => ReferenceEquals(n.Layer, layer)).ToList();
            if (layer is Model nested)
            {
                var feeds = new Dictionary<Layer, List<string>>(ReferenceEqualityComparer.Instance);
                foreach (var call in calls)
                    for (int i = 0; i < call.Inputs.Count && i < nested.Inputs.Count; i++)
                    {
                        var inner = nested.Inputs[i].Layer;
                        if (!feeds.TryGetValue(inner, out var list)) feeds[inner] = list = [];
                        list.Add(Reference(call.Inputs[i], model, scope));
                    }
                AddModel(graph, nested, $"{scope}{nested.Name}/", feeds);
                continue;
            }
            var node = new NodeDef { Name = scope + layer.Name, Op = layer.ClassName };
            if (layer is InputLayer && fedInputs.TryGetValue(layer, out var fed)) node.Input.AddRange(fed);
            foreach (var call in calls)
                foreach (var input in call.Inputs) node.Input.Add(Reference(input, model, scope));
            var shapes = new AttrValue.Types.ListValue();
            var first = calls.FirstOrDefault();
            if (first is not null) shapes.Shape.AddRange(first.Outputs.Select(o => ShapeProto(o.Shape)));
            node.Attr["_output_shapes"] = new AttrValue { List = shapes };
            node.Attr["keras_class"] = new AttrValue { S = ByteString.CopyFromUtf8(layer.ClassName) };
            graph.Node.Add(node);
        }
    }

    /// <summary>The node name (with <c>:k</c> for a layer's output k) that produces <paramref name="tensor"/>, looking inside nested models.</summary>
    private static string Reference(SymbolicTensor tensor, Model model, string scope)
    {
        while (tensor.Layer is Model nested && !ReferenceEquals(nested, model))
        {
            scope = $"{scope}{nested.Name}/";
            model = nested;
            tensor = nested.Outputs[tensor.TensorIndex];
        }
        return tensor.TensorIndex == 0 ? scope + tensor.Layer.Name : $"{scope}{tensor.Layer.Name}:{tensor.TensorIndex}";
    }

    private static TensorShapeProto ShapeProto(TensorShape shape)
    {
        var proto = new TensorShapeProto();
        foreach (var d in shape) proto.Dim.Add(new TensorShapeProto.Types.Dim { Size = d ?? -1 });
        return proto;
    }
}
