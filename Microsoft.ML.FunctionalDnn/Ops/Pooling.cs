using Microsoft.ML.FunctionalDnn.Backends;
using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn;

public static partial class Ops
{
    /// <summary>2-D max pooling, channels last; strides default to the pool size (as Keras).</summary>
    public static Tensor MaxPool2D(Tensor x, (int H, int W) poolSize, (int H, int W)? strides = null, Padding padding = Padding.Valid) => Backend.Current.MaxPool2D(x, poolSize, strides, padding);

    /// <summary>2-D average pooling, channels last; with 'same' padding only the real inputs are averaged (as TensorFlow).</summary>
    public static Tensor AveragePool2D(Tensor x, (int H, int W) poolSize, (int H, int W)? strides = null, Padding padding = Padding.Valid) => Backend.Current.AveragePool2D(x, poolSize, strides, padding);

    /// <summary>1-D max pooling over (batch, steps, channels); the stride defaults to the pool size.</summary>
    public static Tensor MaxPool1D(Tensor x, int poolSize, int? stride = null, Padding padding = Padding.Valid) => Backend.Current.MaxPool1D(x, poolSize, stride, padding);

    /// <summary>1-D average pooling over (batch, steps, channels); the stride defaults to the pool size.</summary>
    public static Tensor AveragePool1D(Tensor x, int poolSize, int? stride = null, Padding padding = Padding.Valid) => Backend.Current.AveragePool1D(x, poolSize, stride, padding);

    /// <summary>Maximum over the spatial axes: (batch, …, channels) to (batch, channels).</summary>
    public static Tensor GlobalMaxPool(Tensor x) => Max(x, SpatialAxes(x, nameof(GlobalMaxPool)));

    /// <summary>Mean over the spatial axes: (batch, …, channels) to (batch, channels).</summary>
    public static Tensor GlobalAveragePool(Tensor x) => Mean(x, SpatialAxes(x, nameof(GlobalAveragePool)));

    /// <summary>
    /// Mean over the spatial axes of the positions the mask keeps, as Keras's masked
    /// <c>GlobalAveragePooling1D</c>: Σ x·m / Σ m per sample and channel, with m = 1 where
    /// <paramref name="mask"/> (batch, spatial…) is non-zero. Masked positions get no gradient; a
    /// sample with every position masked gives NaN (0 / 0), as in Keras.
    /// </summary>
    public static Tensor GlobalAveragePool(Tensor x, Tensor mask)
    {
        var axes = SpatialAxes(x, nameof(GlobalAveragePool));
        var keep = MaskIndicator(mask, x, nameof(GlobalAveragePool));
        var kept = Where(keep, x, Tensor.Scalar(0));
        return Divide(Sum(kept, axes), Sum(keep, axes));
    }

    /// <summary>
    /// A Keras mask over every axis of <paramref name="x"/> but the last, as 0/1 floats with a trailing
    /// axis of 1 (so it broadcasts over the features); throws when the mask does not fit.
    /// </summary>
    internal static Tensor MaskIndicator(Tensor mask, Tensor x, string op)
    {
        ArgumentNullException.ThrowIfNull(mask);
        var expected = new Shape(x.Shape.ToArray()[..^1]);
        if (mask.Shape != expected)
            throw new ArgumentException($"{op}: the mask must cover every axis of the input {x.Shape} but the last, {expected}; received {mask.Shape}.");
        return Reshape(Backend.Current.NotEqualZero(mask), [.. expected, 1]);
    }

    private static int[] SpatialAxes(Tensor x, string op)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank < 3) throw new ArgumentException($"{op} expects (batch, spatial…, channels) of rank 3 or more; received {x.Shape}.");
        return [.. Enumerable.Range(1, x.Rank - 2)];
    }
}
