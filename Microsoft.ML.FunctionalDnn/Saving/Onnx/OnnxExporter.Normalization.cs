using Microsoft.ML.FunctionalDnn.Layers;
using static Microsoft.ML.FunctionalDnn.Saving.Onnx.OnnxGraphBuilder;

namespace Microsoft.ML.FunctionalDnn.Saving.Onnx;

// BatchNormalization (inference: the moving statistics) and LayerNormalization.
internal static partial class OnnxExporter
{
    private static IReadOnlyList<Value>? ConvertNormalization(LayerCall c) => c.Layer switch
    {
        BatchNormalization batch => One(BatchNormalization(c, batch), c.Mask),
        LayerNormalization layer => One(LayerNormalization(c, layer), c.Mask),
        _ => null,
    };

    /// <summary>
    /// (x - mean) / √(variance + ε) · γ + β with the moving statistics, folded into one scale and one
    /// shift per channel (x·s + t), broadcast along the layer's axis.
    /// </summary>
    private static string BatchNormalization(LayerCall c, BatchNormalization layer)
    {
        int rank = c.InputShape().Rank, axis = Shape.NormalizeAxis(layer.Axis, rank);
        float[] mean = c.WeightValues("moving_mean"), variance = c.WeightValues("moving_variance");
        float[]? gamma = layer.Scale ? c.WeightValues("gamma") : null, beta = layer.Center ? c.WeightValues("beta") : null;
        int n = mean.Length;
        var scale = new float[n];
        var shift = new float[n];
        for (int i = 0; i < n; i++)
        {
            scale[i] = (gamma?[i] ?? 1f) / MathF.Sqrt(variance[i] + layer.Epsilon);
            shift[i] = (beta?[i] ?? 0f) - mean[i] * scale[i];
        }
        // The per-channel vectors shaped to broadcast: (n) on the last axis, (n, 1, …) on an earlier one.
        long[] dims = [n, .. Enumerable.Repeat(1L, rank - 1 - axis)];
        string s = c.B.Floats($"{layer.Name}/scale", dims, scale), t = c.B.Floats($"{layer.Name}/shift", dims, shift);
        return c.Op("Add", [c.Op("Mul", [c.X, s]), t]);
    }

    /// <summary>Normalizes over the last axis: ONNX's LayerNormalization from opset 17, the same arithmetic spelled out before.</summary>
    private static string LayerNormalization(LayerCall c, LayerNormalization layer)
    {
        int features = c.InputShape()[-1] ?? throw c.NotExportable("the size of its input's last axis is unknown");
        string gamma = layer.Scale ? c.Weight("gamma") : c.B.Floats($"{layer.Name}/ones", [features], [.. Enumerable.Repeat(1f, features)]);
        if (c.B.Opset >= 17)
        {
            var inputs = new List<string> { c.X, gamma };
            if (layer.Center) inputs.Add(c.Weight("beta"));
            return c.Op("LayerNormalization", inputs, Int("axis", -1), Float("epsilon", layer.Epsilon));
        }
        string mean = Reduce(c, "ReduceMean", c.X, [-1], keepDims: true);
        string centered = c.Op("Sub", [c.X, mean]);
        string variance = Reduce(c, "ReduceMean", c.Op("Mul", [centered, centered]), [-1], keepDims: true);
        string normalized = c.Op("Div", [centered, c.Op("Sqrt", [c.Op("Add", [variance, c.B.Scalar(c.Name + "/epsilon", layer.Epsilon)])])]);
        string y = c.Op("Mul", [normalized, gamma]);
        return layer.Center ? c.Op("Add", [y, c.Weight("beta")]) : y;
    }
}
