using System.Numerics.Tensors;
using Microsoft.ML.FunctionalDnn.Backends;
using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn;

public static partial class Ops
{
    /// <summary>Sum over <paramref name="axes"/> (all when null); reduced axes are kept as size 1 when <paramref name="keepDims"/>.</summary>
    public static Tensor Sum(Tensor x, int[]? axes = null, bool keepDims = false) => Backend.Current.Sum(x, axes, keepDims);

    /// <summary>Mean over <paramref name="axes"/> (all when null).</summary>
    public static Tensor Mean(Tensor x, int[]? axes = null, bool keepDims = false) => Backend.Current.Mean(x, axes, keepDims);

    /// <summary>Maximum over <paramref name="axes"/> (all when null); tied maxima share the gradient equally.</summary>
    public static Tensor Max(Tensor x, int[]? axes = null, bool keepDims = false) => Backend.Current.Max(x, axes, keepDims);

    /// <summary>Minimum over <paramref name="axes"/> (all when null); tied minima share the gradient equally.</summary>
    public static Tensor Min(Tensor x, int[]? axes = null, bool keepDims = false) => Backend.Current.Min(x, axes, keepDims);

    /// <summary>The index of the largest element along <paramref name="axis"/> (first on ties), as int32. Not differentiable.</summary>
    public static Tensor ArgMax(Tensor x, int axis = -1, bool keepDims = false) => Backend.Current.ArgMax(x, axis, keepDims);

    /// <summary>exp(x) / Σ exp(x) along <paramref name="axis"/>, computed after subtracting the maximum.</summary>
    public static Tensor Softmax(Tensor x, int axis = -1) => Backend.Current.Softmax(x, axis);

    /// <summary>log(softmax(x)) along <paramref name="axis"/>, computed as x - max - log Σ exp(x - max).</summary>
    public static Tensor LogSoftmax(Tensor x, int axis = -1) => Backend.Current.LogSoftmax(x, axis);

    /// <summary>Sum over one axis.</summary>
    public static Tensor Sum(Tensor x, int axis, bool keepDims = false) => Sum(x, [axis], keepDims);

    /// <summary>Mean over one axis.</summary>
    public static Tensor Mean(Tensor x, int axis, bool keepDims = false) => Mean(x, [axis], keepDims);

    /// <summary>Maximum over one axis.</summary>
    public static Tensor Max(Tensor x, int axis, bool keepDims = false) => Max(x, [axis], keepDims);

    /// <summary>Minimum over one axis.</summary>
    public static Tensor Min(Tensor x, int axis, bool keepDims = false) => Min(x, [axis], keepDims);

    /// <summary>Variance over <paramref name="axes"/> (population variance, dividing by the count, as Keras).</summary>
    public static Tensor Var(Tensor x, int[]? axes = null, bool keepDims = false)
    {
        var centered = Subtract(x, Mean(x, axes, keepDims: true));
        return Mean(Square(centered), axes, keepDims);
    }

    /// <summary>Standard deviation over <paramref name="axes"/> (square root of <see cref="Var"/>).</summary>
    public static Tensor Std(Tensor x, int[]? axes = null, bool keepDims = false) => Sqrt(Var(x, axes, keepDims));

    /// <summary>log Σ exp(x) over <paramref name="axes"/>, shifted by the maximum so large inputs do not overflow.</summary>
    public static Tensor LogSumExp(Tensor x, int[]? axes = null, bool keepDims = false)
    {
        Tensor shift;
        using (GradMode.NoGrad()) shift = Max(x, axes, keepDims: true);
        var y = Add(Log(Sum(Exp(Subtract(x, shift)), axes, keepDims: true)), shift);
        if (keepDims) return y;
        var ax = ReduceKernel.NormalizeAxes(axes, x.Rank);
        return Reshape(y, OpChecks.ReducedShape(x.Shape, ax, false).ToArray());
    }
}
