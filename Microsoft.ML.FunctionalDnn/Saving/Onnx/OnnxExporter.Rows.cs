using Microsoft.ML.FunctionalDnn.OnnxProtos;
using Microsoft.ML.FunctionalDnn.Transforms;
using static Microsoft.ML.FunctionalDnn.Saving.Onnx.OnnxGraphBuilder;

namespace Microsoft.ML.FunctionalDnn.Saving.Onnx;

// The ONNX graph ML.NET's OnnxTransformer runs in place of a fitted FunctionalDnnTransformer. ML.NET feeds
// the ONNX model one row at a time and types its columns from the graph's declared shapes, so this graph
// speaks in columns: its inputs are the bound columns (named as they are; keys as their raw uint32 value,
// cast to the ids the model takes; a variable-length token column padded or truncated to the model's
// length as the transformer does), and its outputs are per-row values — without the batch axis — named as
// the transformer's output columns, with the predicted labels and raw scores computed in the graph.
// OnnxTransformer reads tensors of rank 1 or more only (a rank-0 output fails inside it), so a one-value
// output is a vector of one element.
internal static partial class OnnxExporter
{
    /// <summary>A model input fed by a column: the column's name, whether it holds keys, and how a variable-length one is fitted to the model's length.</summary>
    internal sealed record RowInput(string Column, bool Key, bool Variable, SequencePadding Padding, SequencePadding Truncating);

    /// <summary>
    /// What one predictor output becomes: its values column (per-sample <paramref name="Dims"/>; empty
    /// dims for one value), a boolean predicted label, a raw score (logit), and for a key label the
    /// predicted class's 1-based index (<paramref name="LabelIndexColumn"/>, which ML.NET's own transforms
    /// turn into the key: OnnxTransformer cannot read string tensors back).
    /// </summary>
    internal sealed record RowOutput(string ValuesColumn, int[] Dims, bool Logits, string? BooleanColumn, string? RawScoreColumn, string? LabelIndexColumn);

    internal static ModelProto BuildForRows(Model predictor, int opset, IReadOnlyList<RowInput> inputs, IReadOnlyList<RowOutput> outputs)
    {
        var builder = new OnnxGraphBuilder(opset);
        builder.Graph.Name = predictor.Name;
        var values = new Dictionary<SymbolicTensor, Value>(ReferenceEqualityComparer.Instance);
        var columns = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < predictor.Inputs.Count; i++)
        {
            var input = predictor.Inputs[i];
            var spec = inputs[i];
            if (!columns.Add(spec.Column))
                throw new NotSupportedException($"Column '{spec.Column}' feeds two model inputs; ONNX names each graph input once. Copy it to a second column first (mlContext.Transforms.CopyColumns).");
            string name = builder.Unique(spec.Column);
            var shape = spec.Variable ? new TensorShape([.. Enumerable.Range(0, input.Shape.Rank).Select(k => k == 1 ? null : input.Shape[k])]) : input.Shape;
            var info = ValueInfo(name, shape, input.DType);
            if (spec.Key) info.Type.TensorType.ElemType = (int)TensorProto.Types.DataType.Uint32;
            builder.Graph.Input.Add(info);
            string value = name;
            var call = new LayerCall(builder, input.Node, [], $"{predictor.Name}/{spec.Column}");
            if (spec.Key) value = call.Op("Cast", value, Int("to", (long)(input.DType == DType.Int32 ? TensorProto.Types.DataType.Int32 : TensorProto.Types.DataType.Float)));
            if (spec.Variable && input.Shape.Rank == 2 && input.Shape[1] is int length) value = FitLength(call, value, length, spec.Padding, spec.Truncating);
            values[input] = new Value(value, null);
        }
        EmitModel(builder, predictor, values, predictor.Name);
        for (int o = 0; o < outputs.Count; o++)
        {
            var spec = outputs[o];
            var call = new LayerCall(builder, predictor.Outputs[o].Node, [], $"{predictor.Name}/{spec.ValuesColumn}");
            string y = values[predictor.Outputs[o]].Name;
            // Per row: the batch axis (of size 1 here) dropped; one value as a scalar.
            AddOutput(builder, call, y, spec.ValuesColumn, spec.Dims.Length == 0 ? [1] : spec.Dims, TensorProto.Types.DataType.Float);
            bool single = spec.Dims.Aggregate(1, (a, d) => a * d) == 1;
            string first = single ? call.Op("Reshape", [y, builder.Int64s(call.Name + "/scalar", [])]) : "";
            if (single)
            {
                if (spec.BooleanColumn is not null)
                    AddOutput(builder, call, call.Op("Greater", [first, builder.Scalar(call.Name + "/threshold", spec.Logits ? 0f : 0.5f)]), spec.BooleanColumn, [1], TensorProto.Types.DataType.Bool);
                if (spec.RawScoreColumn is not null)
                    AddOutput(builder, call, spec.Logits ? first : Logit(call, first), spec.RawScoreColumn, [1], TensorProto.Types.DataType.Float);
            }
            if (spec.LabelIndexColumn is null) continue;
            // The predicted class, 0-based: the best score, or for one unit whether it is above 0.5 (0 for a logit).
            string index = single
                ? call.Op("Cast", call.Op("Greater", [first, builder.Scalar(call.Name + "/threshold", spec.Logits ? 0f : 0.5f)]), Int("to", (long)TensorProto.Types.DataType.Int64))
                : call.Op("Reshape", [call.Op("ArgMax", call.Op("Reshape", [y, builder.Int64s(call.Name + "/row", 1, -1)]), Int("axis", 1), Int("keepdims", 0)), builder.Int64s(call.Name + "/scalar", [])]);
            AddOutput(builder, call, call.Op("Cast", call.Op("Add", [index, builder.Int64Scalar(call.Name + "/one_based", 1)]), Int("to", (long)TensorProto.Types.DataType.Uint32)), spec.LabelIndexColumn!, [1], TensorProto.Types.DataType.Uint32);
        }
        return Wrap(builder, $"Model '{predictor.Name}' as the columns of a fitted FunctionalDnnTransformer, for ML.NET's OnnxTransformer (one row at a time).");
    }

    /// <summary>A graph output named <paramref name="column"/> holding <paramref name="value"/> reshaped to the per-row <paramref name="dims"/>.</summary>
    private static void AddOutput(OnnxGraphBuilder builder, LayerCall call, string value, string column, int[] dims, TensorProto.Types.DataType type)
    {
        if (builder.Graph.Output.Any(o => o.Name == column) || builder.Graph.Input.Any(i => i.Name == column))
            throw new NotSupportedException($"Column '{column}' would be both an input and an output (or two outputs) of the ONNX graph; give the output columns other names.");
        string shaped = call.Op("Reshape", [value, builder.Int64s(call.Name + "/dims", [.. dims.Select(d => (long)d)])]);
        if (!builder.TryRenameValue(shaped, column)) builder.Identity(shaped, column);
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = new TensorShapeProto() };
        foreach (int d in dims) tensorType.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        builder.Graph.Output.Add(new ValueInfoProto { Name = column, Type = new TypeProto { TensorType = tensorType } });
    }

    /// <summary>ln(p / (1 − p)) with p clamped to [1e-7, 1 − 1e-7], as the transformer's raw score.</summary>
    private static string Logit(LayerCall c, string p)
    {
        string clamped = c.Op("Clip", [p, c.B.Scalar(c.Name + "/low", 1e-7f), c.B.Scalar(c.Name + "/high", 1 - 1e-7f)]);
        return c.Op("Log", [c.Op("Div", [clamped, c.Op("Sub", [c.B.Scalar(c.Name + "/one", 1f), clamped])])]);
    }

    /// <summary>
    /// A (1, n) row of ids padded with 0 or truncated to <paramref name="length"/> as Keras's
    /// pad_sequences (and the transformer) does: padding and truncating each at the start (pre) or the end (post).
    /// </summary>
    private static string FitLength(LayerCall c, string ids, int length, SequencePadding padding, SequencePadding truncating)
    {
        string n = c.Op("Slice", [c.Op("Shape", ids), c.B.Int64s(c.Name + "/one", 1), c.B.Int64s(c.Name + "/two", 2)]);
        string target = c.B.Int64s(c.Name + "/length", length);
        // Truncate: keep the last `length` (pre) or the first (post).
        string truncated = truncating == SequencePadding.Pre
            ? c.Op("Slice", [ids, c.B.Int64s(c.Name + "/from_end", -length), c.B.Int64s(c.Name + "/end", long.MaxValue), c.B.Int64s(c.Name + "/axis", 1)])
            : c.Op("Slice", [ids, c.B.Int64s(c.Name + "/start", 0), target, c.B.Int64s(c.Name + "/axis", 1)]);
        // Pad: max(length − n, 0) zeros before (pre) or after (post).
        string zero = c.B.Int64s(c.Name + "/zero", 0);
        string missing = c.Op("Max", [c.Op("Sub", [target, n]), zero]);
        string pads = padding == SequencePadding.Pre
            ? c.Op("Concat", [zero, missing, zero, zero], Int("axis", 0))
            : c.Op("Concat", [zero, zero, zero, missing], Int("axis", 0));
        return c.Op("Pad", [truncated, pads]);
    }
}
