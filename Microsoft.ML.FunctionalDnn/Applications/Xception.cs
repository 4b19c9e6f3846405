using Microsoft.ML.FunctionalDnn.Layers;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Applications;

/// <summary>Global pooling applied when an application is built without its classifier.</summary>
public enum Pooling
{
    /// <summary>Return the last convolutional feature map.</summary>
    None,

    /// <summary>Global average pooling.</summary>
    Avg,

    /// <summary>Global max pooling.</summary>
    Max,
}

/// <summary>
/// Xception (Chollet 2017), built with the functional API as Keras's
/// <c>keras.applications.Xception</c>: an entry flow of convolutions and separable convolutions
/// with strided 1×1 residual projections, eight middle-flow residual blocks, and an exit flow.
/// Layer names and parameter counts match Keras (22,910,480 with the top, 20,861,480 without).
/// Weights are freshly initialized: pretrained ImageNet weights cannot be downloaded here.
/// </summary>
public static class Xception
{
    /// <summary>Builds the model.</summary>
    /// <param name="includeTop">Whether to end with global average pooling and a softmax classifier.</param>
    /// <param name="inputShape">(height, width, channels); Keras's default is (299, 299, 3); at least 71 × 71.</param>
    /// <param name="pooling">Global pooling of the features when <paramref name="includeTop"/> is false.</param>
    /// <param name="classes">Classifier size when <paramref name="includeTop"/> is true.</param>
    /// <param name="name">The model's name.</param>
    public static Model Build(bool includeTop = true, (int H, int W, int C)? inputShape = null, Pooling pooling = Pooling.None, int classes = 1000, string name = "xception")
    {
        var (h, w, c) = inputShape ?? (299, 299, 3);
        if (h < 71 || w < 71) throw new ArgumentException($"Xception needs inputs of at least 71 × 71; received {h} × {w}.", nameof(inputShape));
        var input = Input([h, w, c]);

        var x = new Conv2D(32, 3, strides: 2, useBias: false, name: $"block1_conv1").Apply(input);
        x = new BatchNormalization(name: $"block1_conv1_bn").Apply(x);
        x = new Activation("relu", $"block1_conv1_act").Apply(x);
        x = new Conv2D(64, 3, useBias: false, name: $"block1_conv2").Apply(x);
        x = new BatchNormalization(name: $"block1_conv2_bn").Apply(x);
        x = new Activation("relu", $"block1_conv2_act").Apply(x);

        x = EntryBlock(x, 128, 2, reluFirst: false);
        x = EntryBlock(x, 256, 3, reluFirst: true);
        x = EntryBlock(x, 728, 4, reluFirst: true);

        for (int b = 5; b <= 12; b++)
        {
            var residual = x;
            for (int s = 1; s <= 3; s++)
            {
                x = new Activation("relu", $"block{b}_sepconv{s}_act").Apply(x);
                x = SepBn(x, 728, $"block{b}_sepconv{s}");
            }
            x = Add([x, residual], $"add_{b}");
        }

        var projection = Projection(x, 1024, $"block13_residual");
        x = new Activation("relu", $"block13_sepconv1_act").Apply(x);
        x = SepBn(x, 728, $"block13_sepconv1");
        x = new Activation("relu", $"block13_sepconv2_act").Apply(x);
        x = SepBn(x, 1024, $"block13_sepconv2");
        x = new MaxPooling2D(3, strides: 2, padding: Padding.Same, name: $"block13_pool").Apply(x);
        x = Add([x, projection], $"add_13");

        x = SepBn(x, 1536, $"block14_sepconv1");
        x = new Activation("relu", $"block14_sepconv1_act").Apply(x);
        x = SepBn(x, 2048, $"block14_sepconv2");
        x = new Activation("relu", $"block14_sepconv2_act").Apply(x);

        if (includeTop)
        {
            x = new GlobalAveragePooling2D("avg_pool").Apply(x);
            x = new Dense(classes, "softmax", name: "predictions").Apply(x);
        }
        else if (pooling == Pooling.Avg) x = new GlobalAveragePooling2D("avg_pool").Apply(x);
        else if (pooling == Pooling.Max) x = new GlobalMaxPooling2D("max_pool").Apply(x);
        return new Model(input, x, name);
    }

    /// <summary>Entry-flow block: two separable convolutions and a strided max pool, plus a strided 1×1 projection of the block input.</summary>
    private static SymbolicTensor EntryBlock(SymbolicTensor x, int filters, int block, bool reluFirst)
    {
        var residual = Projection(x, filters, $"block{block}_residual");
        if (reluFirst) x = new Activation("relu", $"block{block}_sepconv1_act").Apply(x);
        x = SepBn(x, filters, $"block{block}_sepconv1");
        x = new Activation("relu", $"block{block}_sepconv2_act").Apply(x);
        x = SepBn(x, filters, $"block{block}_sepconv2");
        x = new MaxPooling2D(3, strides: 2, padding: Padding.Same, name: $"block{block}_pool").Apply(x);
        return Add([x, residual], $"add_{block}");
    }

    private static SymbolicTensor Projection(SymbolicTensor x, int filters, string name)
    {
        var r = new Conv2D(filters, 1, strides: 2, padding: Padding.Same, useBias: false, name: $"{name}_conv").Apply(x);
        return new BatchNormalization(name: $"{name}_bn").Apply(r);
    }

    private static SymbolicTensor SepBn(SymbolicTensor x, int filters, string name)
    {
        x = new SeparableConv2D(filters, 3, padding: Padding.Same, useBias: false, name: name).Apply(x);
        return new BatchNormalization(name: $"{name}_bn").Apply(x);
    }
}
