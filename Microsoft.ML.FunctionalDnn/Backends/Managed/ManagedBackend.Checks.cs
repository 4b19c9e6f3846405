using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed;

internal sealed partial class ManagedBackend
{
    /// <summary>Applies an element-wise operator and records its backward rule.</summary>
    internal static Tensor Unary<TOp>(Tensor x, TOp op, string name) where TOp : struct, IUnaryOperator
    {
        ArgumentNullException.ThrowIfNull(x);
        RequireFloat(x, name);
        var y = Tensor.Empty(x.Shape);
        if (x.Size == 0) return y;
        // Element-wise: large tensors are split over the cores (no element depends on another).
        Parallelism.ForRanges(x.Size, 1, (start, count) => op.Forward(x.Data.Slice(start, count), y.Data.Slice(start, count)));
        if (Tape.ShouldRecord(x))
        {
            Tape.Record(name, y, [x], node =>
            {
                var dx = Tensor.Empty(x.Shape);
                var dy = node.Grad;
                Parallelism.ForRanges(x.Size, 1, (start, count) =>
                    op.Backward(x.Data.Slice(start, count), y.Data.Slice(start, count), dy.Data.Slice(start, count), dx.Data.Slice(start, count)));
                node.AccumulateInputGrad(0, dx);
            });
        }
        return y;
    }

    internal static void RequireFloat(Tensor x, string op) => OpChecks.RequireFloat(x, op);

    internal static void RequireInt(Tensor x, string op, string what) => OpChecks.RequireInt(x, op, what);

    internal static void RequireRank(Tensor x, int rank, string op, string layout) => OpChecks.RequireRank(x, rank, op, layout);
}
