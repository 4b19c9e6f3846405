using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.OnnxProtos;
using static Microsoft.ML.FunctionalDnn.Saving.Onnx.OnnxGraphBuilder;

namespace Microsoft.ML.FunctionalDnn.Saving.Onnx;

// Recurrent layers. Without a mask, ONNX's own LSTM, GRU and RNN operators: the weights reordered into
// their layout (LSTM's gates from Keras's i, f, c, o to ONNX's i, o, f, c; GRU keeps z, r, h, with
// linear_before_reset for Keras's reset_after), the sequence time-major, go_backwards as the "reverse"
// direction with its sequence put back in Keras's processing order. With a mask, ONNX's operators cannot
// express Keras's rule (a masked step keeps the previous state wherever it is, not only at the end, which
// is all sequence_lens can say), so the cell is written out as the body of a Scan over the steps, with a
// Where that keeps the state on masked steps.
internal static partial class OnnxExporter
{
    private static readonly int[] KerasToOnnxLstmGates = [0, 3, 1, 2];

    private static IReadOnlyList<Value>? ConvertRecurrent(LayerCall c) => c.Layer switch
    {
        RecurrentLayer recurrent => Recurrent(c, recurrent, c.X, c.Mask, [.. c.Inputs.Skip(1).Select(v => v.Name)]),
        Bidirectional bidirectional => Bidirectional(c, bidirectional),
        _ => null,
    };

    private static int StateCount(RecurrentLayer layer) => layer is Lstm ? 2 : 1;

    /// <summary>The layer's outputs (sequence or last output, then the final states when it returns them), the sequence keeping the mask.</summary>
    private static List<Value> Recurrent(LayerCall c, RecurrentLayer layer, string x, string? mask, string[] initialStates)
    {
        var (output, states) = mask is null ? NativeRecurrent(c, layer, x, initialStates) : ScannedRecurrent(c, layer, x, mask, initialStates);
        string? outputMask = layer.ReturnSequences && mask is not null ? (layer.GoBackwards ? ReverseSteps(c, mask) : mask) : null;
        var values = new List<Value> { new(output, outputMask) };
        if (layer.ReturnState) values.AddRange(states.Select(s => new Value(s, null)));
        return values;
    }

    /// <summary>Axis 1 (the steps) in reverse order, for any length.</summary>
    private static string ReverseSteps(LayerCall c, string x) =>
        c.Op("Slice", [x, c.B.Int64s(c.Name + "/starts", -1), c.B.Int64s(c.Name + "/ends", long.MinValue), c.B.Int64s(c.Name + "/axes", 1), c.B.Int64s(c.Name + "/steps", -1)]);

    private static LayerWeight WeightOf(RecurrentLayer layer, string name) => layer.Weights.Single(w => w.Name == name);

    /// <summary>A Keras (rows, gates·units) matrix as ONNX's (1, gates·units, rows), gate blocks taken in <paramref name="order"/>.</summary>
    private static string GateMatrix(LayerCall c, RecurrentLayer layer, string weight, int gates, int[] order)
    {
        var value = WeightOf(layer, weight).Value;
        int rows = value.Shape[0], units = layer.Units;
        float[] data = value.ToArray();
        var result = new float[data.Length];
        for (int g = 0; g < gates; g++)
            for (int u = 0; u < units; u++)
                for (int r = 0; r < rows; r++)
                    result[(g * units + u) * rows + r] = data[r * gates * units + order[g] * units + u];
        return c.B.Floats($"{layer.Name}/{weight}_onnx", [1, gates * units, rows], result);
    }

    /// <summary>ONNX's B input (1, 2·gates·units): the input-side bias then the recurrent-side bias.</summary>
    private static string GateBias(LayerCall c, RecurrentLayer layer, int gates, int[] order)
    {
        int units = layer.Units;
        float[] bias = WeightOf(layer, "bias").Value.ToArray();
        var result = new float[2 * gates * units];
        if (layer is Gru)
            Array.Copy(bias, result, bias.Length); // Keras's (2, 3·units): the input bias, then the recurrent bias, both z, r, h.
        else
            for (int g = 0; g < gates; g++) Array.Copy(bias, order[g] * units, result, g * units, units);
        return c.B.Floats($"{layer.Name}/bias_onnx", [1, 2 * gates * units], result);
    }

    private static (string Output, string[] States) NativeRecurrent(LayerCall c, RecurrentLayer layer, string x, string[] initialStates)
    {
        var (op, gates, order) = layer switch
        {
            Lstm => ("LSTM", 4, KerasToOnnxLstmGates),
            Gru => ("GRU", 3, new[] { 0, 1, 2 }),
            _ => ("RNN", 1, new[] { 0 }),
        };
        var inputs = new List<string>
        {
            c.Op("Transpose", x, Ints("perm", 1, 0, 2)),
            GateMatrix(c, layer, "kernel", gates, order),
            GateMatrix(c, layer, "recurrent_kernel", gates, order),
            layer.UseBias ? GateBias(c, layer, gates, order) : "",
            "",
        };
        inputs.AddRange(initialStates.Select(s => Unsqueeze(c, s, 0)));
        while (inputs.Count > 0 && inputs[^1] == "") inputs.RemoveAt(inputs.Count - 1);
        var attributes = new List<AttributeProto> { Int("hidden_size", layer.Units), String("direction", layer.GoBackwards ? "reverse" : "forward") };
        if (layer is Gru) attributes.Add(Int("linear_before_reset", 1));
        int outputs = 1 + StateCount(layer);
        string[] results = c.B.Node(op, inputs, c.Name, outputs, [.. attributes]);
        string[] states = [.. results.Skip(1).Select(s => Squeeze(c, s, 0))];
        if (!layer.ReturnSequences) return (states[0], states);
        // Y is (steps, 1, batch, units) in input order; Keras's sequence is (batch, steps, units) in processing order.
        string sequence = c.Op("Transpose", Squeeze(c, results[0], 1), Ints("perm", 1, 0, 2));
        return (layer.GoBackwards ? ReverseSteps(c, sequence) : sequence, states);
    }

    /// <summary>The cell as a Scan body: (states…, x_t, keep_t) → (states'…, y_t), a masked step keeping the states.</summary>
    private static (string Output, string[] States) ScannedRecurrent(LayerCall c, RecurrentLayer layer, string x, string mask, string[] initialStates)
    {
        int stateCount = StateCount(layer), units = layer.Units;
        int features = WeightOf(layer, "kernel").Value.Shape[0];
        var states = initialStates.Length == stateCount ? initialStates : [.. Enumerable.Range(0, stateCount).Select(_ => ZeroState(c, x, units))];

        var body = new OnnxGraphBuilder(c.B);
        var scope = new LayerCall(body, c.Node, c.Inputs, c.Name + "/step");
        string[] previous = [.. Enumerable.Range(0, stateCount).Select(i => body.Unique($"{c.Name}/state{i}_in"))];
        string xt = body.Unique($"{c.Name}/x_t"), keep = body.Unique($"{c.Name}/keep_t");
        foreach (var name in previous) body.Graph.Input.Add(BodyValue(name, TensorProto.Types.DataType.Float, [null, units]));
        body.Graph.Input.Add(BodyValue(xt, TensorProto.Types.DataType.Float, [null, features]));
        body.Graph.Input.Add(BodyValue(keep, TensorProto.Types.DataType.Bool, [null]));

        string kernel = body.Weight(WeightOf(layer, "kernel").Value, $"{layer.Name}/kernel");
        string recurrentKernel = body.Weight(WeightOf(layer, "recurrent_kernel").Value, $"{layer.Name}/recurrent_kernel");
        string? bias = layer.UseBias ? body.Weight(WeightOf(layer, "bias").Value, $"{layer.Name}/bias") : null;
        string[] next = layer switch
        {
            Lstm => LstmStep(scope, xt, previous[0], previous[1], kernel, recurrentKernel, bias, units),
            Gru => [GruStep(scope, xt, previous[0], kernel, recurrentKernel, bias, units)],
            _ => [SimpleRnnStep(scope, xt, previous[0], kernel, recurrentKernel, bias)],
        };
        string keepColumn = Unsqueeze(scope, keep, 1);
        string[] kept = [.. next.Select((s, i) => scope.Op("Where", [keepColumn, s, previous[i]]))];
        string yt = scope.Op("Identity", kept[0]);
        foreach (var state in kept) body.Graph.Output.Add(BodyValue(state, TensorProto.Types.DataType.Float, [null, units]));
        body.Graph.Output.Add(BodyValue(yt, TensorProto.Types.DataType.Float, [null, units]));
        body.Graph.Name = c.Name + "/cell";

        long direction = layer.GoBackwards ? 1 : 0;
        string[] results = c.B.Node("Scan", [.. states, x, mask], c.Name, stateCount + 1,
            GraphAttribute("body", body.Graph), Int("num_scan_inputs", 2), Ints("scan_input_axes", 1, 1),
            Ints("scan_input_directions", direction, direction), Ints("scan_output_axes", 1));
        string[] finals = results[..stateCount];
        return (layer.ReturnSequences ? results[stateCount] : finals[0], finals);
    }

    private static ValueInfoProto BodyValue(string name, TensorProto.Types.DataType type, int?[] dims)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = new TensorShapeProto() };
        foreach (var d in dims)
            tensorType.Shape.Dim.Add(d is int size ? new TensorShapeProto.Types.Dimension { DimValue = size } : new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
    }

    /// <summary>Zeros (batch, units): the state a recurrent layer starts from when not given one.</summary>
    private static string ZeroState(LayerCall c, string x, int units)
    {
        string batch = c.Op("Slice", [c.Op("Shape", x), c.B.Int64s(c.Name + "/starts", 0), c.B.Int64s(c.Name + "/ends", 1)]);
        string shape = c.Op("Concat", [batch, c.B.Int64s(c.Name + "/units", units)], Int("axis", 0));
        return c.Op("Expand", [c.B.Scalar(c.Name + "/zero", 0f), shape]);
    }

    /// <summary>x·W + h·U (+ b), the gates' pre-activations.</summary>
    private static string Projection(LayerCall c, string x, string h, string kernel, string recurrentKernel, string? bias)
    {
        string z = c.Op("Add", [c.Op("MatMul", [x, kernel]), c.Op("MatMul", [h, recurrentKernel])]);
        return bias is null ? z : c.Op("Add", [z, bias]);
    }

    private static string[] SplitGates(LayerCall c, string z, int gates, int units) =>
        c.B.Node("Split", [z, c.B.Int64s(c.Name + "/split", [.. Enumerable.Repeat((long)units, gates)])], c.Name, gates, Int("axis", 1));

    /// <summary>Keras's LSTM cell: i, f, c̃, o from one projection; c = f·c + i·c̃; h = o·tanh(c).</summary>
    private static string[] LstmStep(LayerCall c, string x, string h, string cell, string kernel, string recurrentKernel, string? bias, int units)
    {
        string[] g = SplitGates(c, Projection(c, x, h, kernel, recurrentKernel, bias), 4, units);
        string i = c.Op("Sigmoid", g[0]), f = c.Op("Sigmoid", g[1]), candidate = c.Op("Tanh", g[2]), o = c.Op("Sigmoid", g[3]);
        string newCell = c.Op("Add", [c.Op("Mul", [f, cell]), c.Op("Mul", [i, candidate])]);
        return [c.Op("Mul", [o, c.Op("Tanh", newCell)]), newCell];
    }

    /// <summary>
    /// Keras's GRU cell with reset_after: z, r from x·W + b_in + h·U + b_rec; h̃ = tanh(x·W_h + b_in,h + r·(h·U_h + b_rec,h));
    /// h' = z·h + (1 - z)·h̃.
    /// </summary>
    private static string GruStep(LayerCall c, string x, string h, string kernel, string recurrentKernel, string? bias, int units)
    {
        string fromX = c.Op("MatMul", [x, kernel]), fromH = c.Op("MatMul", [h, recurrentKernel]);
        if (bias is not null)
        {
            string[] rows = c.B.Node("Split", [bias, c.B.Int64s(c.Name + "/bias_rows", 1, 1)], c.Name, 2, Int("axis", 0));
            fromX = c.Op("Add", [fromX, Squeeze(c, rows[0], 0)]);
            fromH = c.Op("Add", [fromH, Squeeze(c, rows[1], 0)]);
        }
        string[] gx = SplitGates(c, fromX, 3, units), gh = SplitGates(c, fromH, 3, units);
        string z = c.Op("Sigmoid", c.Op("Add", [gx[0], gh[0]]));
        string r = c.Op("Sigmoid", c.Op("Add", [gx[1], gh[1]]));
        string candidate = c.Op("Tanh", c.Op("Add", [gx[2], c.Op("Mul", [r, gh[2]])]));
        string one = c.B.Scalar(c.Name + "/one", 1f);
        return c.Op("Add", [c.Op("Mul", [z, h]), c.Op("Mul", [c.Op("Sub", [one, z]), candidate])]);
    }

    private static string SimpleRnnStep(LayerCall c, string x, string h, string kernel, string recurrentKernel, string? bias) =>
        c.Op("Tanh", Projection(c, x, h, kernel, recurrentKernel, bias));

    /// <summary>Both directions on the same input, the backward sequence flipped to time order, merged; masked steps of a returned sequence are zeros (Keras's zero_output_for_mask).</summary>
    private static IReadOnlyList<Value> Bidirectional(LayerCall c, Bidirectional layer)
    {
        var forward = Recurrent(c, layer.Forward, c.X, c.Mask, []);
        string f = forward[0].Name;
        string b = Recurrent(c, layer.Backward, c.X, c.Mask, [])[0].Name;
        if (layer.Forward.ReturnSequences) b = ReverseSteps(c, b);
        string merged = layer.MergeMode switch
        {
            MergeMode.Concat => c.Op("Concat", [f, b], Int("axis", -1)),
            MergeMode.Sum => c.Op("Add", [f, b]),
            MergeMode.Mul => c.Op("Mul", [f, b]),
            _ => c.Op("Mul", [c.Op("Add", [f, b]), c.B.Scalar(c.Name + "/half", 0.5f)]),
        };
        if (layer.Forward.ReturnSequences && c.Mask is { } mask)
            merged = c.Op("Where", [Indicator(c, mask, 3), merged, c.B.Scalar(c.Name + "/zero", 0f)]);
        return One(merged, forward[0].Mask);
    }
}
