using Microsoft.ML.FunctionalDnn.Layers;
using static Microsoft.ML.FunctionalDnn.Saving.Onnx.OnnxGraphBuilder;

namespace Microsoft.ML.FunctionalDnn.Saving.Onnx;

// Merging layers: Add, Subtract, Multiply, Average, Maximum, Minimum, WeightedAverage, Concatenate, Dot —
// with Keras 3's mask rules (a merged mask is the OR of its inputs' masks; Maximum and Minimum let a
// masked step take the other input's value).
internal static partial class OnnxExporter
{
    private static IReadOnlyList<Value>? ConvertMerging(LayerCall c) => c.Layer switch
    {
        WeightedAverage average => One(WeightedSum(c, average), OrMasks(c)),
        Maximum => One(Substituting(c, "Max"), OrMasks(c)),
        Minimum => One(Substituting(c, "Min"), OrMasks(c)),
        Add => One(Chain(c, "Add"), OrMasks(c)),
        Subtract => One(Chain(c, "Sub"), OrMasks(c)),
        Multiply => One(Chain(c, "Mul"), OrMasks(c)),
        Average => One(c.Op("Mul", [Chain(c, "Add"), c.B.Scalar(c.Name + "/scale", 1f / c.Inputs.Length)]), OrMasks(c)),
        Concatenate concatenate => Concatenate(c, concatenate),
        Dot dot => One(Dot(c, dot)),
        _ => null,
    };

    /// <summary>Inputs combined pairwise in order, as the layer does (the same rounding).</summary>
    private static string Chain(LayerCall c, string op)
    {
        string result = c.Inputs[0].Name;
        for (int i = 1; i < c.Inputs.Length; i++) result = c.Op(op, [result, c.Inputs[i].Name]);
        return result;
    }

    /// <summary>Σ softmax(logits)ᵢ · xᵢ, the weights computed now (they are constants in inference).</summary>
    private static string WeightedSum(LayerCall c, WeightedAverage layer)
    {
        float[] weights = layer.InputWeights;
        string? sum = null;
        for (int i = 0; i < c.Inputs.Length; i++)
        {
            string term = c.Op("Mul", [c.Inputs[i].Name, c.B.Scalar($"{c.Name}/weight{i}", weights[i])]);
            sum = sum is null ? term : c.Op("Add", [sum, term]);
        }
        return sum!;
    }

    /// <summary>Keras 3's merged mask: none when an input has none, otherwise the OR of the masks.</summary>
    private static string? OrMasks(LayerCall c)
    {
        if (c.Inputs.Any(v => v.Mask is null)) return null;
        string mask = c.Inputs[0].Mask!;
        for (int i = 1; i < c.Inputs.Length; i++) mask = c.Op("Or", [mask, c.Inputs[i].Mask!]);
        return mask;
    }

    /// <summary>A mask (batch, steps) broadcast against a value of <paramref name="rank"/>: trailing unit axes.</summary>
    internal static string Indicator(LayerCall c, string mask, int rank) =>
        rank <= 2 ? mask : Unsqueeze(c, mask, [.. Enumerable.Range(2, rank - 2).Select(a => (long)a)]);

    /// <summary>Maximum or minimum where a masked step takes the other side's value (the layer's CombineMasked, step by step).</summary>
    private static string Substituting(LayerCall c, string op)
    {
        if (c.Inputs.All(v => v.Mask is null)) return Chain(c, op);
        int rank = c.OutputShape().Rank;
        string output = c.Inputs[0].Name;
        string? outputKeep = c.Inputs[0].Mask is { } m0 ? Indicator(c, m0, rank) : null;
        for (int i = 1; i < c.Inputs.Length; i++)
        {
            string x = c.Inputs[i].Name;
            string? keep = c.Inputs[i].Mask is { } m ? Indicator(c, m, rank) : null;
            if (keep is not null) x = c.Op("Where", [keep, x, output]);
            if (outputKeep is not null) output = c.Op("Where", [outputKeep, output, x]);
            outputKeep = keep is not null && outputKeep is not null ? c.Op("Or", [outputKeep, keep]) : null;
            output = c.Op(op, [output, x]);
        }
        return output;
    }

    private static IReadOnlyList<Value> Concatenate(LayerCall c, Concatenate layer)
    {
        int rank = c.OutputShape().Rank;
        string y = c.Op("Concat", c.Inputs.Select(v => v.Name), Int("axis", layer.Axis));
        if (c.Inputs.All(v => v.Mask is null)) return One(y);
        int axis = Shape.NormalizeAxis(layer.Axis, rank);
        if (axis == rank - 1)
        {
            // Along the features a step is kept when any input keeps it; an input without a mask keeps all, and so does the result.
            return One(y, c.Inputs.Any(v => v.Mask is null) ? null : OrMasks(c));
        }
        // Along a step axis the masks are joined like the values; an input without one counts as all kept.
        var masks = c.Inputs.Select(v => v.Mask ?? c.Op("Expand", [c.B.Bool(c.Name + "/kept", true),
            c.Op("Slice", [c.Op("Shape", v.Name), c.B.Int64s(c.Name + "/starts", 0), c.B.Int64s(c.Name + "/ends", rank - 1)])]));
        return One(y, c.Op("Concat", masks, Int("axis", axis)));
    }

    /// <summary>Keras's batched dot, L2-normalized first when asked (x / √(Σx² + 1e-12), as the layer).</summary>
    private static string Dot(LayerCall c, Dot layer)
    {
        int rank = c.InputShape(0).Rank;
        int ax = Shape.NormalizeAxis(layer.AxisA, rank), bx = Shape.NormalizeAxis(layer.AxisB, rank);
        string a = c.Inputs[0].Name, b = c.Inputs[1].Name;
        if (layer.Normalize)
        {
            a = L2Normalize(c, a, ax);
            b = L2Normalize(c, b, bx);
        }
        if (rank == 2) return Reduce(c, "ReduceSum", c.Op("Mul", [a, b]), [-1], keepDims: true);
        // (batch, n, d)·(batch, d, m) after moving the contracted axes: a's last, b's middle.
        if (ax == 1) a = c.Op("Transpose", a, Ints("perm", 0, 2, 1));
        if (bx == 2) b = c.Op("Transpose", b, Ints("perm", 0, 2, 1));
        return c.Op("MatMul", [a, b]);
    }

    private static string L2Normalize(LayerCall c, string x, int axis)
    {
        string sumSquares = Reduce(c, "ReduceSum", c.Op("Mul", [x, x]), [axis], keepDims: true);
        string norm = c.Op("Sqrt", [c.Op("Add", [sumSquares, c.B.Scalar(c.Name + "/epsilon", 1e-12f)])]);
        return c.Op("Div", [x, norm]);
    }
}
