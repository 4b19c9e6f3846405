using Google.Protobuf;
using Microsoft.ML.FunctionalDnn.OnnxProtos;

namespace Microsoft.ML.FunctionalDnn.Saving.Onnx;

/// <summary>
/// Collects an ONNX graph as the exporter walks a model: nodes in execution order, weights as
/// initializers (each tensor once, however many calls share it), small constants, and unique value
/// names derived from the layers' names.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private readonly GraphProto _graph = new();
    private readonly HashSet<string> _names;
    private readonly Dictionary<Tensor, string> _weights;
    private readonly OnnxGraphBuilder? _parent;

    internal OnnxGraphBuilder(int opset)
    {
        Opset = opset;
        _names = new(StringComparer.Ordinal);
        _weights = new(ReferenceEqualityComparer.Instance);
    }

    /// <summary>
    /// A subgraph (a Scan's body): its own nodes and constants, names unique across every scope (ONNX
    /// forbids a subgraph to reuse an outer name), weights stored in — and read from — the main graph.
    /// </summary>
    internal OnnxGraphBuilder(OnnxGraphBuilder parent)
    {
        Opset = parent.Opset;
        _names = parent._names;
        _weights = parent._weights;
        _parent = parent;
    }

    /// <summary>The operator set the graph targets.</summary>
    internal int Opset { get; }

    internal GraphProto Graph => _graph;

    /// <summary>A value name not used before, from <paramref name="hint"/> (a layer or weight name).</summary>
    internal string Unique(string hint)
    {
        string name = hint;
        for (int i = 1; !_names.Add(name); i++) name = $"{hint}_{i}";
        return name;
    }

    /// <summary>Adds a node; its outputs are named from <paramref name="name"/> unless given. Returns the output names.</summary>
    internal string[] Node(string opType, IEnumerable<string> inputs, string name, int outputs = 1, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = Unique("node:" + name) };
        node.Input.AddRange(inputs);
        var names = new string[outputs];
        for (int i = 0; i < outputs; i++) names[i] = Unique(outputs == 1 ? name : $"{name}:{i}");
        node.Output.AddRange(names);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return names;
    }

    /// <summary>Adds a one-output node and returns its output's name.</summary>
    internal string Op(string opType, string name, IEnumerable<string> inputs, params AttributeProto[] attributes) =>
        Node(opType, inputs, name, 1, attributes)[0];

    /// <summary>Renames the output <paramref name="name"/> of the node that produces it (and every later reader); false when no node produces it.</summary>
    internal bool TryRenameValue(string name, string target)
    {
        var producer = _graph.Node.FirstOrDefault(n => n.Output.Contains(name));
        if (producer is null) return false;
        _names.Add(target);
        producer.Output[producer.Output.IndexOf(name)] = target;
        foreach (var node in _graph.Node)
            for (int i = 0; i < node.Input.Count; i++)
                if (node.Input[i] == name) node.Input[i] = target;
        return true;
    }

    /// <summary>Copies <paramref name="name"/> to the value <paramref name="target"/>.</summary>
    internal void Identity(string name, string target)
    {
        _names.Add(target);
        var node = new NodeProto { OpType = "Identity", Name = Unique("node:" + target) };
        node.Input.Add(name);
        node.Output.Add(target);
        _graph.Node.Add(node);
    }

    /// <summary>A weight as an initializer (float32, its shape), added once per tensor.</summary>
    internal string Weight(Tensor value, string name)
    {
        if (_parent is not null) return _parent.Weight(value, name);
        if (_weights.TryGetValue(value, out var existing)) return existing;
        string unique = Add(FloatTensor(Unique(name), [.. value.Shape.ToArray().Select(d => (long)d)], value.ToArray()));
        _weights[value] = unique;
        return unique;
    }

    /// <summary>A float32 initializer from values computed by the exporter (a reordered kernel, a folded constant).</summary>
    internal string Floats(string name, long[] dims, float[] values) => Add(FloatTensor(Unique(name), dims, values));

    /// <summary>A one-dimensional int64 constant (shapes, axes, pads).</summary>
    internal string Int64s(string name, params long[] values) =>
        Add(Constant(name, TensorProto.Types.DataType.Int64, [values.Length], t => t.Int64Data.AddRange(values)));

    /// <summary>An int64 scalar constant.</summary>
    internal string Int64Scalar(string name, long value) => Add(Constant(name, TensorProto.Types.DataType.Int64, [], t => t.Int64Data.Add(value)));

    /// <summary>A bool scalar constant.</summary>
    internal string Bool(string name, bool value) => Add(Constant(name, TensorProto.Types.DataType.Bool, [], t => t.Int32Data.Add(value ? 1 : 0)));

    /// <summary>An int32 scalar constant.</summary>
    internal string Int32Scalar(string name, int value) => Add(Constant(name, TensorProto.Types.DataType.Int32, [], t => t.Int32Data.Add(value)));

    /// <summary>A float32 scalar constant.</summary>
    internal string Scalar(string name, float value) => Floats(name, [], [value]);

    private string Add(TensorProto tensor)
    {
        _graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>A constant of <paramref name="type"/> and <paramref name="dims"/> (none: a scalar) under a unique name, its data written by <paramref name="fill"/>.</summary>
    private TensorProto Constant(string name, TensorProto.Types.DataType type, long[] dims, Action<TensorProto> fill)
    {
        var tensor = new TensorProto { Name = Unique(name), DataType = (int)type };
        tensor.Dims.AddRange(dims);
        fill(tensor);
        return tensor;
    }

    private static TensorProto FloatTensor(string name, long[] dims, float[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw data is little-endian; this machine is not.");
        tensor.RawData = ByteString.CopyFrom(bytes);
        return tensor;
    }

    internal static AttributeProto GraphAttribute(string name, GraphProto graph) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Graph, G = graph };

    internal static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    internal static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    internal static AttributeProto String(string name, string value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    internal static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    internal static AttributeProto Strings(string name, params string[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Strings };
        attribute.Strings.AddRange(values.Select(ByteString.CopyFromUtf8));
        return attribute;
    }

    internal static AttributeProto Floats(string name, params float[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Floats };
        attribute.Floats.AddRange(values);
        return attribute;
    }

    /// <summary>A graph input or output: float32 or int32, the batch axis (and any unknown axis) symbolic.</summary>
    internal static ValueInfoProto ValueInfo(string name, TensorShape shape, DType dtype, string batchName = "batch")
    {
        var tensorType = new TypeProto.Types.Tensor
        {
            ElemType = (int)(dtype == DType.Int32 ? TensorProto.Types.DataType.Int32 : TensorProto.Types.DataType.Float),
            Shape = new TensorShapeProto(),
        };
        for (int d = 0; d < shape.Rank; d++)
        {
            var dim = new TensorShapeProto.Types.Dimension();
            if (d > 0 && shape[d] is int size) dim.DimValue = size;
            else dim.DimParam = d == 0 ? batchName : $"{name}_dim{d}";
            tensorType.Shape.Dim.Add(dim);
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
    }
}
