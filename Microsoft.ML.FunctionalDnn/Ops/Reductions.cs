using System.Numerics.Tensors;
using Microsoft.ML.FunctionalDnn.Kernels;

namespace Microsoft.ML.FunctionalDnn;

public static partial class Ops
{
    /// <summary>Sum over <paramref name="axes"/> (all when null); reduced axes are kept as size 1 when <paramref name="keepDims"/>.</summary>
    public static Tensor Sum(Tensor x, int[]? axes = null, bool keepDims = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        RequireFloat(x, nameof(Sum));
        var ax = ReduceKernel.NormalizeAxes(axes, x.Rank);
        var kept = ReduceKernel.Reduce(x, ax, ReduceKind.Sum);
        var y = keepDims ? kept : kept.View(ReduceKernel.ReducedShape(x.Shape, ax, false));
        if (Tape.ShouldRecord(x))
        {
            Tape.Record(nameof(Sum), y, [x], n =>
                n.AccumulateInputGrad(0, BroadcastKernel.BroadcastTo(n.Grad.View(kept.Shape), x.Shape, nameof(Sum))));
        }
        return y;
    }

    /// <summary>Sum over one axis.</summary>
    public static Tensor Sum(Tensor x, int axis, bool keepDims = false) => Sum(x, [axis], keepDims);

    /// <summary>Mean over <paramref name="axes"/> (all when null).</summary>
    public static Tensor Mean(Tensor x, int[]? axes = null, bool keepDims = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        var ax = ReduceKernel.NormalizeAxes(axes, x.Rank);
        int count = 1;
        foreach (int a in ax) count *= x.Shape[a];
        return Multiply(Sum(x, ax, keepDims), Tensor.Scalar(1f / Math.Max(count, 1)));
    }

    /// <summary>Mean over one axis.</summary>
    public static Tensor Mean(Tensor x, int axis, bool keepDims = false) => Mean(x, [axis], keepDims);

    /// <summary>Maximum over <paramref name="axes"/> (all when null); tied maxima share the gradient equally.</summary>
    public static Tensor Max(Tensor x, int[]? axes = null, bool keepDims = false) => Extreme(x, axes, keepDims, ReduceKind.Max, nameof(Max));

    /// <summary>Maximum over one axis.</summary>
    public static Tensor Max(Tensor x, int axis, bool keepDims = false) => Max(x, [axis], keepDims);

    /// <summary>Minimum over <paramref name="axes"/> (all when null); tied minima share the gradient equally.</summary>
    public static Tensor Min(Tensor x, int[]? axes = null, bool keepDims = false) => Extreme(x, axes, keepDims, ReduceKind.Min, nameof(Min));

    /// <summary>Minimum over one axis.</summary>
    public static Tensor Min(Tensor x, int axis, bool keepDims = false) => Min(x, [axis], keepDims);

    private static Tensor Extreme(Tensor x, int[]? axes, bool keepDims, ReduceKind kind, string name)
    {
        ArgumentNullException.ThrowIfNull(x);
        RequireFloat(x, name);
        var ax = ReduceKernel.NormalizeAxes(axes, x.Rank);
        var kept = ReduceKernel.Reduce(x, ax, kind);
        var y = keepDims ? kept : kept.View(ReduceKernel.ReducedShape(x.Shape, ax, false));
        if (Tape.ShouldRecord(x))
        {
            Tape.Record(name, y, [x], n =>
            {
                var extreme = BroadcastKernel.BroadcastTo(kept, x.Shape, name);
                var mask = Tensor.Empty(x.Shape);
                var xs = x.Data;
                var es = extreme.Data;
                var ms = mask.Data;
                for (int i = 0; i < ms.Length; i++) ms[i] = xs[i] == es[i] ? 1f : 0f;
                var ties = ReduceKernel.Reduce(mask, ax, ReduceKind.Sum);
                var share = BinaryKernel.Run<DivideOperator>(n.Grad.View(kept.Shape), ties, name);
                var dx = BinaryKernel.Run<MultiplyOperator>(mask, share, name);
                n.AccumulateInputGrad(0, dx);
            });
        }
        return y;
    }

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
        return Reshape(y, ReduceKernel.ReducedShape(x.Shape, ax, false).ToArray());
    }

    /// <summary>The index of the largest element along <paramref name="axis"/> (first on ties), as int32. Not differentiable.</summary>
    public static Tensor ArgMax(Tensor x, int axis = -1, bool keepDims = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        RequireFloat(x, nameof(ArgMax));
        int a = x.Shape.NormalizeAxis(axis);
        int outer = x.Shape.SizeOf(0, a), n = x.Shape[a], inner = x.Shape.SizeOf(a + 1, x.Rank);
        var y = Tensor.Empty(ReduceKernel.ReducedShape(x.Shape, [a], keepDims), DType.Int32);
        var xs = x.Data;
        var ys = y.IntData;
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int best = 0;
                float bestValue = float.NegativeInfinity;
                for (int k = 0; k < n; k++)
                {
                    float v = xs[(o * n + k) * inner + i];
                    if (v > bestValue || (k == 0)) { best = k; bestValue = v; }
                }
                ys[o * inner + i] = best;
            }
        }
        return y;
    }

    /// <summary>exp(x) / Σ exp(x) along <paramref name="axis"/>, computed after subtracting the maximum.</summary>
    public static Tensor Softmax(Tensor x, int axis = -1) => SoftmaxCore(x, axis, log: false);

    /// <summary>log(softmax(x)) along <paramref name="axis"/>, computed as x - max - log Σ exp(x - max).</summary>
    public static Tensor LogSoftmax(Tensor x, int axis = -1) => SoftmaxCore(x, axis, log: true);

    private static Tensor SoftmaxCore(Tensor x, int axis, bool log)
    {
        ArgumentNullException.ThrowIfNull(x);
        string name = log ? nameof(LogSoftmax) : nameof(Softmax);
        RequireFloat(x, name);
        int a = x.Shape.NormalizeAxis(axis);
        int outer = x.Shape.SizeOf(0, a), n = x.Shape[a], inner = x.Shape.SizeOf(a + 1, x.Rank);
        var y = Tensor.Empty(x.Shape);
        ForEachLine(x.Data, y.Data, outer, n, inner, (src, dst) =>
        {
            float max = TensorPrimitives.Max(src);
            TensorPrimitives.Subtract(src, max, dst);
            if (log)
            {
                // log Σ exp(x - max), then subtract it.
                float lse = MathF.Log(SumExp(dst));
                TensorPrimitives.Subtract(dst, lse, dst);
            }
            else
            {
                TensorPrimitives.Exp(dst, dst);
                TensorPrimitives.Divide(dst, TensorPrimitives.Sum(dst), dst);
            }
        });
        if (Tape.ShouldRecord(x))
        {
            Tape.Record(name, y, [x], node =>
            {
                var dx = Tensor.Empty(x.Shape);
                ForEachLine2(y.Data, node.Grad.Data, dx.Data, outer, n, inner, (yy, dy, d) =>
                {
                    if (log)
                    {
                        // dx = dy - softmax · Σ dy, with softmax = exp(y).
                        float sum = TensorPrimitives.Sum(dy);
                        TensorPrimitives.Exp(yy, d);
                        TensorPrimitives.Multiply(d, -sum, d);
                        TensorPrimitives.Add(d, dy, d);
                    }
                    else
                    {
                        // dx = y ⊙ (dy - Σ dy ⊙ y)
                        float dot = TensorPrimitives.Dot(dy, yy);
                        TensorPrimitives.Subtract(dy, dot, d);
                        TensorPrimitives.Multiply(d, yy, d);
                    }
                });
                node.AccumulateInputGrad(0, dx);
            });
        }
        return y;
    }

    private static float SumExp(ReadOnlySpan<float> shifted)
    {
        float s = 0;
        foreach (float v in shifted) s += MathF.Exp(v);
        return s;
    }

    private delegate void LineAction(Span<float> src, Span<float> dst);

    private delegate void LineAction2(Span<float> a, Span<float> b, Span<float> dst);

    /// <summary>Runs <paramref name="action"/> on every line along the middle axis of an (outer, n, inner) view, gathering strided lines into contiguous buffers.</summary>
    private static void ForEachLine(Span<float> src, Span<float> dst, int outer, int n, int inner, LineAction action)
    {
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++) action(src.Slice(o * n, n), dst.Slice(o * n, n));
            return;
        }
        Span<float> a = new float[n], d = new float[n];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int b = o * n * inner + i;
                for (int k = 0; k < n; k++) a[k] = src[b + k * inner];
                action(a, d);
                for (int k = 0; k < n; k++) dst[b + k * inner] = d[k];
            }
    }

    private static void ForEachLine2(Span<float> x1, Span<float> x2, Span<float> dst, int outer, int n, int inner, LineAction2 action)
    {
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++) action(x1.Slice(o * n, n), x2.Slice(o * n, n), dst.Slice(o * n, n));
            return;
        }
        Span<float> a = new float[n], b2 = new float[n], d = new float[n];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int b = o * n * inner + i;
                for (int k = 0; k < n; k++) { a[k] = x1[b + k * inner]; b2[k] = x2[b + k * inner]; }
                action(a, b2, d);
                for (int k = 0; k < n; k++) dst[b + k * inner] = d[k];
            }
    }
}
