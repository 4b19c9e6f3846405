using Microsoft.ML.FunctionalDnn.Layers;
using static Microsoft.ML.FunctionalDnn.Saving.Onnx.OnnxGraphBuilder;

namespace Microsoft.ML.FunctionalDnn.Saving.Onnx;

// Core layers: Dense, Activation, Dropout, Flatten, Reshape, Permute, RepeatVector, Embedding — and the
// activation functions every layer with an `activation` uses.
internal static partial class OnnxExporter
{
    private static IReadOnlyList<Value>? ConvertCore(LayerCall c) => c.Layer switch
    {
        InputLayer => One(c.X, c.Mask),
        Dense dense => One(Activate(c, dense.ActivationFunction, Dense(c, dense.UseBias)), c.Mask),
        Activation activation => One(Activate(c, activation.Function, c.X), c.Mask),
        Dropout => One(c.X, c.Mask),   // identity in inference, as Keras's
        Flatten => One(c.Op("Flatten", c.X, Int("axis", 1))),
        Reshape reshape => One(c.Op("Reshape", [c.X, BatchAnd(c, [.. reshape.TargetShape.Select(d => (long)d)])])),
        Permute permute => One(c.Op("Transpose", c.X, Ints("perm", [0, .. permute.Dims.Select(d => (long)d)]))),
        RepeatVector repeat => One(c.Op("Tile", [Unsqueeze(c, c.X, 1), c.B.Int64s(c.Name + "/repeats", 1, repeat.N, 1)])),
        Embedding embedding => Embedding(c, embedding),
        Lambda => throw c.NotExportable("a Lambda layer runs .NET code that ONNX cannot hold; rebuild that step from built-in layers, or export the model up to it"),
        _ => null,
    };

    /// <summary>x · kernel (+ bias) on the last axis, for any rank (MatMul broadcasts the leading axes).</summary>
    private static string Dense(LayerCall c, bool useBias)
    {
        string y = c.Op("MatMul", [c.X, c.Weight("kernel")]);
        return useBias ? c.Op("Add", [y, c.Weight("bias")]) : y;
    }

    /// <summary>The input's batch size followed by <paramref name="dims"/>: the shape a Reshape of the non-batch axes needs (-1 allowed in them).</summary>
    internal static string BatchAnd(LayerCall c, long[] dims)
    {
        string shape = c.Op("Shape", c.X);
        string batch = c.Op("Slice", [shape, c.B.Int64s(c.Name + "/starts", 0), c.B.Int64s(c.Name + "/ends", 1)]);
        return c.Op("Concat", [batch, c.B.Int64s(c.Name + "/dims", dims)], Int("axis", 0));
    }

    internal static string Unsqueeze(LayerCall c, string x, params long[] axes) => c.Op("Unsqueeze", [x, c.B.Int64s(c.Name + "/axes", axes)]);

    internal static string Squeeze(LayerCall c, string x, params long[] axes) => c.Op("Squeeze", [x, c.B.Int64s(c.Name + "/axes", axes)]);

    /// <summary>A reduction over <paramref name="axes"/> (opset 18 moved the axes from an attribute to an input).</summary>
    internal static string Reduce(LayerCall c, string op, string x, long[] axes, bool keepDims) =>
        c.B.Opset >= 18 || op == "ReduceSum"
            ? c.Op(op, [x, c.B.Int64s(c.Name + "/axes", axes)], Int("keepdims", keepDims ? 1 : 0))
            : c.Op(op, x, Ints("axes", axes), Int("keepdims", keepDims ? 1 : 0));

    /// <summary>Gathers the rows of the embedding matrix; with maskZero, the mask is ids ≠ 0.</summary>
    private static IReadOnlyList<Value> Embedding(LayerCall c, Embedding embedding)
    {
        string y = c.Op("Gather", [c.Weight("embeddings"), c.X], Int("axis", 0));
        if (!embedding.MaskZero) return One(y);
        string zero = c.B.Int32Scalar(c.Name + "/zero", 0);
        return One(y, c.Op("Not", c.Op("Equal", [c.X, zero])));
    }

    /// <summary>The ONNX form of a built-in activation; a custom one cannot be exported.</summary>
    internal static string Activate(LayerCall c, ActivationFunction f, string x)
    {
        if (ReferenceEquals(f, Activations.Linear)) return x;
        if (ReferenceEquals(f, Activations.Relu)) return c.Op("Relu", x);
        if (ReferenceEquals(f, Activations.Sigmoid)) return c.Op("Sigmoid", x);
        if (ReferenceEquals(f, Activations.Tanh)) return c.Op("Tanh", x);
        if (ReferenceEquals(f, Activations.Softmax)) return c.Op("Softmax", x, Int("axis", -1));
        if (ReferenceEquals(f, Activations.Elu)) return c.Op("Elu", x, Float("alpha", 1f));
        if (ReferenceEquals(f, Activations.Selu)) return c.Op("Selu", x);
        if (ReferenceEquals(f, Activations.Softplus)) return c.Op("Softplus", x);
        if (ReferenceEquals(f, Activations.Softsign)) return c.Op("Softsign", x);
        if (ReferenceEquals(f, Activations.Swish)) return c.Op("Mul", [x, c.Op("Sigmoid", x)]);
        if (ReferenceEquals(f, Activations.HardSigmoid)) return c.Op("HardSigmoid", x, Float("alpha", 1f / 6), Float("beta", 0.5f));
        if (ReferenceEquals(f, Activations.LeakyRelu)) return c.Op("LeakyRelu", x, Float("alpha", 0.2f));
        if (ReferenceEquals(f, Activations.Gelu))
        {
            if (c.B.Opset >= 20) return c.Op("Gelu", x, String("approximate", "none"));
            // 0.5 · x · (1 + erf(x / √2)), the exact form Keras's "gelu" activation uses.
            string erf = c.Op("Erf", [c.Op("Mul", [x, c.B.Scalar(c.Name + "/rsqrt2", (float)(1 / Math.Sqrt(2)))])]);
            string onePlus = c.Op("Add", [erf, c.B.Scalar(c.Name + "/one", 1f)]);
            return c.Op("Mul", [c.Op("Mul", [x, onePlus]), c.B.Scalar(c.Name + "/half", 0.5f)]);
        }
        throw c.NotExportable($"its activation '{f.Name}' is a custom function, which ONNX cannot hold; use a built-in activation");
    }
}
