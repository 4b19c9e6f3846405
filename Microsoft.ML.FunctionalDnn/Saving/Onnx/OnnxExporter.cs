using System.Reflection;
using Google.Protobuf;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.OnnxProtos;

namespace Microsoft.ML.FunctionalDnn.Saving.Onnx;

/// <summary>
/// Writes a model as an ONNX graph (what <see cref="Model.Export"/> does). The graph is walked as
/// <see cref="Model.CallMasked"/> runs it — nodes in execution order, nested models inlined, a shared
/// layer's weights stored once and read by each call — and every layer becomes the ONNX operators
/// that compute the same function in inference (the per-family files hold the mappings). Keras's
/// tensors are channels-last; ONNX's convolutions and pools are channels-first, so those are wrapped
/// in transposes (ONNX Runtime's optimizer removes the pairs that cancel). Masks from
/// <c>Embedding(maskZero: true)</c> travel as boolean tensors beside the values they mask.
/// </summary>
internal static partial class OnnxExporter
{
    internal const int DefaultOpset = 17, MinOpset = 13, MaxOpset = 21;

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> (atomically: a failure leaves any earlier file whole).</summary>
    internal static void Export(Model model, string path, int opset)
    {
        Write(Build(model, opset), path);
    }

    /// <summary>The ONNX model of <paramref name="model"/>.</summary>
    internal static ModelProto Build(Model model, int opset)
    {
        if (opset is < MinOpset or > MaxOpset)
            throw new ArgumentOutOfRangeException(nameof(opset), opset, $"ONNX export supports opsets {MinOpset} to {MaxOpset}; received {opset}.");
        if (model.Inputs.Count == 0)
            throw new InvalidOperationException($"Model '{model.Name}' has no graph yet (a Sequential without an input shape): build it before exporting.");
        var builder = new OnnxGraphBuilder(opset);
        builder.Graph.Name = model.Name;
        var values = new Dictionary<SymbolicTensor, Value>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < model.Inputs.Count; i++)
        {
            string name = builder.Unique(model.InputNames[i]);
            builder.Graph.Input.Add(OnnxGraphBuilder.ValueInfo(name, model.Inputs[i].Shape, model.Inputs[i].DType));
            values[model.Inputs[i]] = new Value(name, null);
        }
        EmitModel(builder, model, values, model.Name);
        var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < model.Outputs.Count; i++)
        {
            var output = model.Outputs[i];
            string wanted = model.OutputNames[i];
            string name = values[output].Name;
            while (renamed.TryGetValue(name, out var newer)) name = newer;
            // Outputs carry the model's output names; a value that is also an input or another output gets an Identity.
            if (name != wanted || builder.Graph.Input.Any(v => v.Name == name) || builder.Graph.Output.Any(v => v.Name == name))
            {
                string target = builder.Graph.Output.Any(v => v.Name == wanted) || builder.Graph.Input.Any(v => v.Name == wanted) ? builder.Unique(wanted) : wanted;
                if (RenameOutput(builder, name, target)) renamed[name] = target;
                name = target;
            }
            builder.Graph.Output.Add(OnnxGraphBuilder.ValueInfo(name, output.Shape, output.DType));
        }
        return Wrap(builder, $"Model '{model.Name}' exported by Microsoft.ML.FunctionalDnn (inference: dropout is identity, batch normalization uses its moving statistics).");
    }

    /// <summary>The model file around a built graph: the IR version of its opset, the producer, the opset import.</summary>
    private static ModelProto Wrap(OnnxGraphBuilder builder, string docString)
    {
        var proto = new ModelProto
        {
            IrVersion = IrVersion(builder.Opset),
            ProducerName = "Microsoft.ML.FunctionalDnn",
            ProducerVersion = typeof(Model).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "",
            DocString = docString,
            Graph = builder.Graph,
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = builder.Opset });
        return proto;
    }

    /// <summary>Writes <paramref name="proto"/> to <paramref name="path"/> atomically (a failure leaves any earlier file whole).</summary>
    internal static void Write(ModelProto proto, string path) => SafeTensors.WriteAtomically(path, stream => proto.WriteTo(stream));

    /// <summary>The IR version each opset was released with (a reader of that opset reads that IR).</summary>
    private static long IrVersion(int opset) => opset switch
    {
        <= 14 => 7,
        <= 18 => 8,
        <= 20 => 9,
        _ => 10,
    };

    /// <summary>Makes <paramref name="target"/> the name of the output: renames the producing node's output when it is a plain intermediate, otherwise adds an Identity.</summary>
    /// <returns>Whether the value itself was renamed (later references to it then use <paramref name="target"/>).</returns>
    private static bool RenameOutput(OnnxGraphBuilder builder, string name, string target)
    {
        bool isInput = builder.Graph.Input.Any(v => v.Name == name) || builder.Graph.Initializer.Any(t => t.Name == name);
        bool isOutput = builder.Graph.Output.Any(v => v.Name == name);
        if (!isInput && !isOutput && builder.TryRenameValue(name, target)) return true;
        builder.Identity(name, target);
        return false;
    }

    /// <summary>A value in the ONNX graph: its name and, when it carries one, its mask's name (bool, the batch and step axes).</summary>
    internal readonly record struct Value(string Name, string? Mask);

    /// <summary>Emits every call of <paramref name="model"/>'s graph; its inputs' values are in <paramref name="values"/>.</summary>
    private static void EmitModel(OnnxGraphBuilder builder, Model model, Dictionary<SymbolicTensor, Value> values, string scope)
    {
        foreach (var node in model.Nodes)
        {
            if (node.Inputs.Count == 0) continue;
            var inputs = node.Inputs.Select(t => values[t]).ToArray();
            var outputs = EmitLayer(builder, node, inputs, scope);
            // As the engine: only a call's first output carries a mask on (states and a nested model's other outputs do not).
            for (int i = 0; i < outputs.Count; i++) values[node.Outputs[i]] = i == 0 ? outputs[i] : outputs[i] with { Mask = null };
        }
    }

    private static IReadOnlyList<Value> EmitLayer(OnnxGraphBuilder builder, Node node, Value[] inputs, string scope)
    {
        var layer = node.Layer;
        if (layer is Model nested)
        {
            var inner = new Dictionary<SymbolicTensor, Value>(ReferenceEqualityComparer.Instance);
            for (int i = 0; i < nested.Inputs.Count; i++) inner[nested.Inputs[i]] = inputs[i];
            EmitModel(builder, nested, inner, scope + "/" + nested.Name);
            return [.. nested.Outputs.Select(t => inner[t])];
        }
        var call = new LayerCall(builder, node, inputs, $"{scope}/{layer.Name}");
        return Convert(call) ?? throw NotExportable(layer, $"{layer.ClassName} has no ONNX mapping yet");
    }

    /// <summary>The error for a layer the exporter cannot express: names the layer and says why.</summary>
    internal static NotSupportedException NotExportable(Layer layer, string why) =>
        new($"Layer '{layer.Name}' ({layer.ClassName}) cannot be exported to ONNX: {why}. See docs/onnx.md for the layers ONNX export supports.");

    /// <summary>One call of a layer being converted: its inputs' values and shapes, and the builder to emit into.</summary>
    internal sealed class LayerCall(OnnxGraphBuilder builder, Node node, Value[] inputs, string name)
    {
        internal OnnxGraphBuilder B { get; } = builder;

        internal Node Node => node;

        internal Layer Layer => node.Layer;

        internal Value[] Inputs { get; } = inputs;

        /// <summary>The first input's value name.</summary>
        internal string X => Inputs[0].Name;

        /// <summary>The first input's mask, if it carries one.</summary>
        internal string? Mask => Inputs[0].Mask;

        internal TensorShape InputShape(int i = 0) => node.Inputs[i].Shape;

        internal TensorShape OutputShape(int i = 0) => node.Outputs[i].Shape;

        /// <summary>The call's name in the graph (<c>model/nested/layer</c>), the stem of its nodes' and values' names.</summary>
        internal string Name { get; } = name;

        internal string Op(string opType, IEnumerable<string> inputs, params AttributeProto[] attributes) => B.Op(opType, Name, inputs, attributes);

        internal string Op(string opType, string input, params AttributeProto[] attributes) => B.Op(opType, Name, [input], attributes);

        internal string Weight(string weightName) =>
            B.Weight(Layer.Weights.Single(w => w.Name == weightName).Value, $"{Layer.Name}/{weightName}");

        internal float[] WeightValues(string weightName) => Layer.Weights.Single(w => w.Name == weightName).Value.ToArray();

        internal NotSupportedException NotExportable(string why) => OnnxExporter.NotExportable(Layer, why);
    }

    /// <summary>The layer's ONNX form, or null when the exporter has none for its type.</summary>
    private static IReadOnlyList<Value>? Convert(LayerCall call) =>
        ConvertCore(call) ?? ConvertMerging(call) ?? ConvertConvolution(call) ?? ConvertNormalization(call) ?? ConvertRecurrent(call);

    /// <summary>A single output without a mask (the layer consumed or dropped it).</summary>
    internal static IReadOnlyList<Value> One(string name) => [new Value(name, null)];

    /// <summary>A single output carrying <paramref name="mask"/> on.</summary>
    internal static IReadOnlyList<Value> One(string name, string? mask) => [new Value(name, mask)];
}
