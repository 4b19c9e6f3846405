using System.Numerics;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed;

internal sealed partial class ManagedBackend
{
    // The optimizers write their rules as ops (Optimizers/), which costs one pass over memory per op:
    // about 32 passes for Adam against the 7 streams of one fused loop, and the embedding tables of
    // text models make the step memory-bound. Like Keras 3's torch backend (torch._foreach_*), the
    // engine offers fused loops for the two rules that dominate; each computes exactly the ops'
    // float arithmetic (no FMA, same grouping), so the fused and op paths give identical bits.

    public bool TryAdamUpdate(Tensor variable, Tensor gradient, Tensor m, Tensor v, float alpha, float beta1, float beta2, float epsilon)
    {
        if (!Fusable(variable, gradient, m, v)) return false;
        ForRanges(variable.Size, (start, length) => AdamRange(
            variable.Data.Slice(start, length), gradient.Data.Slice(start, length), m.Data.Slice(start, length), v.Data.Slice(start, length),
            alpha, beta1, beta2, epsilon));
        return true;
    }

    private static void AdamRange(Span<float> w, ReadOnlySpan<float> g, Span<float> ms, Span<float> vs, float alpha, float beta1, float beta2, float epsilon)
    {
        float c1 = 1 - beta1, c2 = 1 - beta2;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int n = Vector<float>.Count;
            var b1 = new Vector<float>(c1);
            var b2 = new Vector<float>(c2);
            var a = new Vector<float>(alpha);
            var eps = new Vector<float>(epsilon);
            for (; i <= w.Length - n; i += n)
            {
                var gi = new Vector<float>(g[i..]);
                var mi = new Vector<float>(ms[i..]);
                var vi = new Vector<float>(vs[i..]);
                mi += (gi - mi) * b1;
                vi += (gi * gi - vi) * b2;
                mi.CopyTo(ms[i..]);
                vi.CopyTo(vs[i..]);
                (new Vector<float>(w[i..]) - mi * a / (Vector.SquareRoot(vi) + eps)).CopyTo(w[i..]);
            }
        }
        for (; i < w.Length; i++)
        {
            ms[i] += (g[i] - ms[i]) * c1;
            vs[i] += (g[i] * g[i] - vs[i]) * c2;
            w[i] -= ms[i] * alpha / (MathF.Sqrt(vs[i]) + epsilon);
        }
    }

    public bool TryRmsPropUpdate(Tensor variable, Tensor gradient, Tensor velocity, float lr, float rho, float epsilon)
    {
        if (!Fusable(variable, gradient, velocity, null)) return false;
        ForRanges(variable.Size, (start, length) => RmsPropRange(
            variable.Data.Slice(start, length), gradient.Data.Slice(start, length), velocity.Data.Slice(start, length), lr, rho, epsilon));
        return true;
    }

    private static void RmsPropRange(Span<float> w, ReadOnlySpan<float> g, Span<float> vs, float lr, float rho, float epsilon)
    {
        float c = 1 - rho;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int n = Vector<float>.Count;
            var rhoV = new Vector<float>(rho);
            var cV = new Vector<float>(c);
            var epsV = new Vector<float>(epsilon);
            var lrV = new Vector<float>(lr);
            for (; i <= w.Length - n; i += n)
            {
                var gi = new Vector<float>(g[i..]);
                var vi = rhoV * new Vector<float>(vs[i..]) + cV * gi * gi;
                vi.CopyTo(vs[i..]);
                (new Vector<float>(w[i..]) - lrV * gi / Vector.SquareRoot(vi + epsV)).CopyTo(w[i..]);
            }
        }
        for (; i < w.Length; i++)
        {
            vs[i] = rho * vs[i] + c * g[i] * g[i];
            w[i] -= lr * g[i] / MathF.Sqrt(vs[i] + epsilon);
        }
    }

    /// <summary>
    /// Weights of at least this many floats (an embedding table) are updated on every core, one
    /// contiguous range each (<see cref="Kernels.Parallelism.ForRanges"/>, one unit of work per
    /// element). Every element is computed alone, by the same expressions in the vector body and
    /// the scalar tail, so the split does not change a bit.
    /// </summary>
    internal const int ParallelUpdateElements = (int)Kernels.Parallelism.MinParallelWork;

    private static void ForRanges(int length, Action<int, int> update) => Kernels.Parallelism.ForRanges(length, 1, update);

    /// <summary>
    /// Float tensors of one shape whose storage is not shared with each other (views of one buffer
    /// take the op path, which reads every operand before writing); <paramref name="b"/> is null
    /// for RmsProp's one slot.
    /// </summary>
    private static bool Fusable(Tensor w, Tensor g, Tensor a, Tensor? b)
    {
        foreach (var t in (ReadOnlySpan<Tensor>)[w, g, a, b ?? a])
            if (t.DType != DType.Float32 || t.Shape != w.Shape) return false;
        object sw = w.Storage, sg = g.Storage, sa = a.Storage;
        if (ReferenceEquals(sw, sg) || ReferenceEquals(sw, sa) || ReferenceEquals(sg, sa)) return false;
        return b is null || (!ReferenceEquals(sw, b.Storage) && !ReferenceEquals(sg, b.Storage) && !ReferenceEquals(sa, b.Storage));
    }
}
