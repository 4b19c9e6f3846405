using System.Numerics;
using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed;

internal sealed partial class ManagedBackend
{
    public Tensor Equal(Tensor a, Tensor b) => Compare<EqualTest>(a, b, nameof(Equal));

    public Tensor NotEqual(Tensor a, Tensor b) => Compare<NotEqualTest>(a, b, nameof(NotEqual));

    public Tensor Greater(Tensor a, Tensor b) => Compare<GreaterTest>(a, b, nameof(Greater));

    /// <summary>
    /// One broadcasting driver for every comparison, on float32 or int32 pairs (ids and labels are
    /// compared as integers, so large ids never round). Nothing is recorded: a comparison is
    /// piecewise constant, so no gradient flows through it.
    /// </summary>
    private static Tensor Compare<TTest>(Tensor a, Tensor b, string op) where TTest : IComparisonTest
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.DType != b.DType)
            throw new ArgumentException($"{op} compares tensors of one type; received {a.DType} {a.Shape} and {b.DType} {b.Shape}. Convert one with Ops.Cast first.");
        var plan = BroadcastPlan.Create(a.Shape, b.Shape, op);
        var y = Tensor.Empty(plan.Output);
        if (a.DType == DType.Float32)
        {
            var rows = new CompareRows<float, TTest>(a.Data, b.Data, y.Data, plan);
            plan.ForEachRow(ref rows);
        }
        else
        {
            var rows = new CompareRows<int, TTest>(a.IntData, b.IntData, y.Data, plan);
            plan.ForEachRow(ref rows);
        }
        return y;
    }

    private interface IComparisonTest
    {
        static abstract bool Holds<T>(T x, T y) where T : INumber<T>;
    }

    private readonly struct EqualTest : IComparisonTest
    {
        public static bool Holds<T>(T x, T y) where T : INumber<T> => x == y;
    }

    private readonly struct NotEqualTest : IComparisonTest
    {
        public static bool Holds<T>(T x, T y) where T : INumber<T> => x != y;
    }

    private readonly struct GreaterTest : IComparisonTest
    {
        public static bool Holds<T>(T x, T y) where T : INumber<T> => x > y;
    }

    /// <summary>Writes 1 or 0 for each element of one inner run (each operand contiguous, or one element repeated).</summary>
    private readonly ref struct CompareRows<T, TTest>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<float> y, BroadcastPlan plan) : IRowVisitor
        where T : INumber<T>
        where TTest : IComparisonTest
    {
        private readonly ReadOnlySpan<T> _a = a, _b = b;
        private readonly Span<float> _y = y;
        private readonly int _n = plan.Inner, _sa = plan.AInnerStride, _sb = plan.BInnerStride;

        public void Visit(int aOffset, int bOffset, int outOffset)
        {
            for (int i = 0; i < _n; i++)
                _y[outOffset + i] = TTest.Holds(_a[aOffset + i * _sa], _b[bOffset + i * _sb]) ? 1f : 0f;
        }
    }
}
