using System.Numerics.Tensors;
using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed;

internal sealed partial class ManagedBackend
{
    public Tensor Sum(Tensor x, int[]? axes, bool keepDims)
    {
        ArgumentNullException.ThrowIfNull(x);
        RequireFloat(x, nameof(Sum));
        var ax = ReduceKernel.NormalizeAxes(axes, x.Rank);
        var kept = ReduceKernel.Reduce(x, ax, ReduceKind.Sum);
        var y = keepDims ? kept : kept.View(OpChecks.ReducedShape(x.Shape, ax, false));
        if (Tape.ShouldRecord(x))
        {
            Tape.Record(nameof(Sum), y, [x], n =>
                n.AccumulateInputGrad(0, BroadcastKernel.BroadcastTo(n.Grad.View(kept.Shape), x.Shape, nameof(Sum))));
        }
        return y;
    }

    public Tensor Mean(Tensor x, int[]? axes, bool keepDims)
    {
        ArgumentNullException.ThrowIfNull(x);
        var ax = ReduceKernel.NormalizeAxes(axes, x.Rank);
        int count = 1;
        foreach (int a in ax) count *= x.Shape[a];
        return Multiply(Sum(x, ax, keepDims), Tensor.Scalar(1f / Math.Max(count, 1)));
    }

    public Tensor Max(Tensor x, int[]? axes, bool keepDims) => Extreme(x, axes, keepDims, ReduceKind.Max, nameof(Max));

    public Tensor Min(Tensor x, int[]? axes, bool keepDims) => Extreme(x, axes, keepDims, ReduceKind.Min, nameof(Min));

    private static Tensor Extreme(Tensor x, int[]? axes, bool keepDims, ReduceKind kind, string name)
    {
        ArgumentNullException.ThrowIfNull(x);
        RequireFloat(x, name);
        var ax = ReduceKernel.NormalizeAxes(axes, x.Rank);
        var kept = ReduceKernel.Reduce(x, ax, kind);
        var y = keepDims ? kept : kept.View(OpChecks.ReducedShape(x.Shape, ax, false));
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

    public Tensor ArgMax(Tensor x, int axis, bool keepDims)
    {
        ArgumentNullException.ThrowIfNull(x);
        RequireFloat(x, nameof(ArgMax));
        int a = x.Shape.NormalizeAxis(axis);
        int outer = x.Shape.SizeOf(0, a), n = x.Shape[a], inner = x.Shape.SizeOf(a + 1, x.Rank);
        var y = Tensor.Empty(OpChecks.ReducedShape(x.Shape, [a], keepDims), DType.Int32);
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

    public Tensor Softmax(Tensor x, int axis) => SoftmaxCore(x, axis, log: false);

    public Tensor LogSoftmax(Tensor x, int axis) => SoftmaxCore(x, axis, log: true);

    private Tensor SoftmaxCore(Tensor x, int axis, bool log)
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
