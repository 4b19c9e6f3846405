using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.OnnxProtos;
using static Microsoft.ML.FunctionalDnn.Saving.Onnx.OnnxGraphBuilder;

namespace Microsoft.ML.FunctionalDnn.Saving.Onnx;

// Convolutions and pooling. Keras keeps channels last, ONNX's Conv, ConvTranspose and pools want them
// first: each is wrapped in Transposes, and the kernels are reordered once, here, into ONNX's layout
// (out, in / group, spatial…). 'same' is ONNX's SAME_UPPER (the extra padding after, as Keras);
// 'causal' pads the steps before.
internal static partial class OnnxExporter
{
    private static IReadOnlyList<Value>? ConvertConvolution(LayerCall c) => c.Layer switch
    {
        Conv2D conv => One(Conv(c, conv, 2, "kernel", [3, 2, 0, 1], [conv.Strides.H, conv.Strides.W], [conv.DilationRate.H, conv.DilationRate.W], [conv.KernelSize.H, conv.KernelSize.W], 1)),
        Conv1D conv => One(Conv(c, conv, 1, "kernel", [2, 1, 0], [conv.Strides], [conv.DilationRate], [conv.KernelSize], 1)),
        DepthwiseConv2D depthwise => One(Conv(c, depthwise, 2, "depthwise_kernel", null, [depthwise.Strides, depthwise.Strides], [1, 1], [depthwise.KernelSize, depthwise.KernelSize], Channels(c))),
        SeparableConv2D separable => One(Separable(c, separable, 2, separable.Strides, separable.KernelSize)),
        SeparableConv1D separable => One(Separable(c, separable, 1, separable.Strides, separable.KernelSize)),
        Conv2DTranspose transpose => One(ConvTranspose(c, transpose)),
        MaxPooling2D or AveragePooling2D => One(Pool(c, 2, ((Pooling2DLayer)c.Layer).PoolSize, ((Pooling2DLayer)c.Layer).Strides, ((Pooling2DLayer)c.Layer).Padding, c.Layer is MaxPooling2D)),
        MaxPooling1D or AveragePooling1D => One(Pool(c, 1, ((Pooling1DLayer)c.Layer).PoolSize, ((Pooling1DLayer)c.Layer).Strides, ((Pooling1DLayer)c.Layer).Padding, c.Layer is MaxPooling1D)),
        GlobalAveragePooling1D when c.Mask is { } mask => One(MaskedMean(c, mask)),
        GlobalMaxPooling1D => One(Reduce(c, "ReduceMax", c.X, [1], keepDims: false)),
        GlobalAveragePooling1D => One(Reduce(c, "ReduceMean", c.X, [1], keepDims: false)),
        GlobalMaxPooling2D => One(Reduce(c, "ReduceMax", c.X, [1, 2], keepDims: false)),
        GlobalAveragePooling2D => One(Reduce(c, "ReduceMean", c.X, [1, 2], keepDims: false)),
        _ => null,
    };

    private static int Channels(LayerCall c) => c.InputShape()[-1] ?? throw c.NotExportable("the channel count of its input is unknown");

    /// <summary>Channels last → first: (batch, spatial…, channels) → (batch, channels, spatial…).</summary>
    private static string ToChannelsFirst(LayerCall c, string x, int spatial) =>
        c.Op("Transpose", x, Ints("perm", [0, spatial + 1, .. Enumerable.Range(1, spatial).Select(a => (long)a)]));

    /// <summary>Channels first → last.</summary>
    private static string ToChannelsLast(LayerCall c, string x, int spatial) =>
        c.Op("Transpose", x, Ints("perm", [0, .. Enumerable.Range(2, spatial).Select(a => (long)a), 1]));

    /// <summary>A kernel reordered into ONNX's layout: <paramref name="perm"/> over Keras's axes, or a depthwise kernel (spatial…, C, multiplier) → (C·multiplier, 1, spatial…).</summary>
    private static string Kernel(LayerCall c, string weight, int[]? perm)
    {
        var value = c.Layer.Weights.Single(w => w.Name == weight).Value;
        int[] dims = value.Shape.ToArray();
        float[] data = value.ToArray();
        if (perm is not null) return c.B.Floats($"{c.Layer.Name}/{weight}", [.. perm.Select(p => (long)dims[p])], Permute(data, dims, perm));
        // Depthwise: output channel c·m + j reads input channel c, as Keras orders them.
        int spatial = dims.Length - 2, channels = dims[^2], multiplier = dims[^1];
        int[] depthPerm = [spatial, spatial + 1, .. Enumerable.Range(0, spatial)];
        float[] permuted = Permute(data, dims, depthPerm);
        return c.B.Floats($"{c.Layer.Name}/{weight}", [channels * multiplier, 1, .. dims[..spatial].Select(d => (long)d)], permuted);
    }

    /// <summary>The elements of a row-major array of shape <paramref name="dims"/> reordered as Transpose(<paramref name="perm"/>).</summary>
    internal static float[] Permute(float[] data, int[] dims, int[] perm)
    {
        int rank = dims.Length;
        int[] outDims = [.. perm.Select(p => dims[p])];
        var inStrides = new int[rank];
        for (int d = rank - 1, s = 1; d >= 0; s *= dims[d], d--) inStrides[d] = s;
        var result = new float[data.Length];
        var index = new int[rank];
        for (int i = 0; i < result.Length; i++)
        {
            int source = 0;
            for (int d = 0; d < rank; d++) source += index[d] * inStrides[perm[d]];
            result[i] = data[source];
            for (int d = rank - 1; d >= 0 && ++index[d] == outDims[d]; d--) index[d] = 0;
        }
        return result;
    }

    /// <summary>
    /// ONNX's padding attributes for Keras's padding of a window of <paramref name="kernel"/> (dilated).
    /// 'same' is SAME_UPPER; with a dilation (Keras then allows only stride 1) the padding is fixed,
    /// (kernel - 1)·dilation split with the extra after, and spelled out (ONNX Runtime refuses SAME with dilations).
    /// </summary>
    private static AttributeProto[] PaddingAttributes(Padding padding, int[] kernel, int[] dilation)
    {
        long[] total = [.. kernel.Select((k, i) => (long)(k - 1) * dilation[i])];
        return padding switch
        {
            Padding.Same when dilation.Any(d => d > 1) => [Ints("pads", [.. total.Select(t => t / 2), .. total.Select(t => t - t / 2)])],
            Padding.Same => [String("auto_pad", "SAME_UPPER")],
            Padding.Causal => [Ints("pads", total[0], 0)],
            _ => [String("auto_pad", "VALID")],
        };
    }

    private static string Conv(LayerCall c, ConvolutionLayer layer, int spatial, string weight, int[]? perm, int[] strides, int[] dilations, int[] kernel, int group)
    {
        var inputs = new List<string> { ToChannelsFirst(c, c.X, spatial), Kernel(c, weight, perm) };
        if (layer.UseBias) inputs.Add(c.Weight("bias"));
        var attributes = new List<AttributeProto>
        {
            Ints("strides", [.. strides.Select(s => (long)s)]),
            Ints("dilations", [.. dilations.Select(d => (long)d)]),
            Int("group", group),
        };
        attributes.AddRange(PaddingAttributes(layer.Padding, kernel, dilations));
        string y = c.Op("Conv", inputs, [.. attributes]);
        return Activate(c, layer.ActivationFunction, ToChannelsLast(c, y, spatial));
    }

    /// <summary>Depthwise (a grouped Conv, no bias) then pointwise (a 1×1 Conv with the bias), as Keras's separable convolutions.</summary>
    private static string Separable(LayerCall c, ConvolutionLayer layer, int spatial, int strides, int kernel)
    {
        int channels = Channels(c);
        string x = ToChannelsFirst(c, c.X, spatial);
        long[] ones = [.. Enumerable.Repeat(1L, spatial)];
        var depthwiseAttributes = new List<AttributeProto> { Ints("strides", [.. Enumerable.Repeat((long)strides, spatial)]), Ints("dilations", ones), Int("group", channels) };
        depthwiseAttributes.AddRange(PaddingAttributes(layer.Padding, [.. Enumerable.Repeat(kernel, spatial)], [.. Enumerable.Repeat(1, spatial)]));
        string depthwise = c.Op("Conv", [x, Kernel(c, "depthwise_kernel", null)], [.. depthwiseAttributes]);
        // Pointwise kernel (1…, C·m, F) → (F, C·m, 1…).
        int[] pointwisePerm = [spatial + 1, spatial, .. Enumerable.Range(0, spatial)];
        var pointwiseInputs = new List<string> { depthwise, Kernel(c, "pointwise_kernel", pointwisePerm) };
        if (layer.UseBias) pointwiseInputs.Add(c.Weight("bias"));
        string y = c.Op("Conv", pointwiseInputs, Ints("strides", ones), Ints("dilations", ones), Int("group", 1));
        return Activate(c, layer.ActivationFunction, ToChannelsLast(c, y, spatial));
    }

    /// <summary>
    /// A transposed convolution: ONNX's ConvTranspose computes the full output ((in - 1)·stride + kernel
    /// per axis); Keras's output (deconv_output_length) is cropped from it at the start as a 'same'
    /// convolution's gradient is (half the excess, rounded down), or grown at the end when longer.
    /// </summary>
    private static string ConvTranspose(LayerCall c, Conv2DTranspose layer)
    {
        int k = layer.KernelSize, s = layer.Strides;
        var attributes = new List<AttributeProto> { Ints("strides", s, s), Ints("kernel_shape", k, k) };
        // The crop does not depend on the input length: full - out is the same for every length.
        int full = s + k, output = Ops.TransposedLength(2, k, s, layer.Padding, layer.OutputPadding);
        int excess = full - output;
        int begin = layer.Padding == Padding.Same ? Math.Max(excess, 0) / 2 : 0;
        int end = excess - begin;
        if (end >= 0) attributes.Add(Ints("pads", begin, begin, end, end));
        else
        {
            attributes.Add(Ints("pads", begin, begin, 0, 0));
            attributes.Add(Ints("output_padding", -end, -end));
        }
        // Keras's kernel (k, k, filters, in) → ONNX's (in, filters, k, k).
        var inputs = new List<string> { ToChannelsFirst(c, c.X, 2), Kernel(c, "kernel", [3, 2, 0, 1]) };
        if (layer.UseBias) inputs.Add(c.Weight("bias"));
        string y = c.Op("ConvTranspose", inputs, [.. attributes]);
        return Activate(c, layer.ActivationFunction, ToChannelsLast(c, y, 2));
    }

    private static string Pool(LayerCall c, int spatial, int size, int strides, Padding padding, bool max)
    {
        string x = ToChannelsFirst(c, c.X, spatial);
        var attributes = new List<AttributeProto>
        {
            Ints("kernel_shape", [.. Enumerable.Repeat((long)size, spatial)]),
            Ints("strides", [.. Enumerable.Repeat((long)strides, spatial)]),
            String("auto_pad", padding == Padding.Same ? "SAME_UPPER" : "VALID"),
        };
        // Keras averages over the window's inputs only (the padding is not counted): count_include_pad 0, ONNX's default.
        string y = c.Op(max ? "MaxPool" : "AveragePool", x, [.. attributes]);
        return ToChannelsLast(c, y, spatial);
    }

    /// <summary>The mean over the unmasked steps: Σ x·m / Σ m.</summary>
    private static string MaskedMean(LayerCall c, string mask)
    {
        string keep = c.Op("Cast", Unsqueeze(c, mask, 2), Int("to", (long)TensorProto.Types.DataType.Float));
        string kept = c.Op("Mul", [c.X, keep]);
        return c.Op("Div", [Reduce(c, "ReduceSum", kept, [1], keepDims: false), Reduce(c, "ReduceSum", keep, [1], keepDims: false)]);
    }
}
