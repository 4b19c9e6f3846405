using Google.Protobuf;
using Microsoft.ML.FunctionalDnn.TensorBoardProtos;

namespace Microsoft.ML.FunctionalDnn.Summaries;

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
        foreach (var layer in LayerGraph.Build(model, expandNested: true))
        {
            var node = new NodeDef { Name = layer.Id, Op = layer.Layer.ClassName };
            node.Input.AddRange(layer.Inputs.Select(i => i.Output == 0 ? i.Source : $"{i.Source}:{i.Output}"));
            var shapes = new AttrValue.Types.ListValue();
            shapes.Shape.AddRange(layer.OutputShapes.Select(ShapeProto));
            node.Attr["_output_shapes"] = new AttrValue { List = shapes };
            node.Attr["keras_class"] = new AttrValue { S = ByteString.CopyFromUtf8(layer.Layer.ClassName) };
            graph.Node.Add(node);
        }
        return graph;
    }

    private static TensorShapeProto ShapeProto(TensorShape shape)
    {
        var proto = new TensorShapeProto();
        foreach (var d in shape) proto.Dim.Add(new TensorShapeProto.Types.Dim { Size = d ?? -1 });
        return proto;
    }
}
