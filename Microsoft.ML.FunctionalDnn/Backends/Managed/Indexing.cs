using System.Numerics.Tensors;
using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed;

internal sealed partial class ManagedBackend
{
    public Tensor Take(Tensor x, Tensor indices, int axis)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(indices);
        RequireInt(indices, nameof(Take), "indices");
        RequireFloat(x, nameof(Take));
        int a = x.Shape.NormalizeAxis(axis);
        int n = x.Shape[a];
        var ids = indices.IntData;
        for (int i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] >= (uint)n)
                throw new ArgumentOutOfRangeException(nameof(indices), $"Take: index {ids[i]} at flat position {i} of the indices {indices.Shape} is outside axis {axis} of size {n} (shape {x.Shape}); valid ids are 0..{n - 1}.");
        }
        return TakeUnchecked(x, indices, a);
    }

    /// <summary>
    /// Row lookup in a (vocabulary, …) table for ids already checked by the caller (Embedding
    /// checks them with its own message, so the ids are not scanned twice per step). An int32
    /// table (a batch of ids gathered from the data) is copied row by row, with no gradient.
    /// </summary>
    public Tensor TakeRowsUnchecked(Tensor table, Tensor ids)
    {
        if (table.DType == DType.Float32) return TakeUnchecked(table, ids, 0);
        int row = table.Shape.SizeOf(1, table.Rank);
        var index = ids.IntData;
        var y = Tensor.Empty(new Shape([.. ids.Shape, .. table.Shape.Skip(1)]), DType.Int32);
        var source = table.IntData;
        var target = y.IntData;
        for (int i = 0; i < index.Length; i++) source.Slice(index[i] * row, row).CopyTo(target.Slice(i * row, row));
        return y;
    }

    private Tensor TakeUnchecked(Tensor x, Tensor indices, int a)
    {
        int outer = x.Shape.SizeOf(0, a), n = x.Shape[a], inner = x.Shape.SizeOf(a + 1, x.Rank);
        int count = indices.Size;
        var dims = new List<int>();
        for (int d = 0; d < a; d++) dims.Add(x.Shape[d]);
        dims.AddRange(indices.Shape);
        for (int d = a + 1; d < x.Rank; d++) dims.Add(x.Shape[d]);
        var y = Tensor.Empty(new Shape([.. dims]));
        // Rows are copied on both cores when there are enough of them; each output row is one copy.
        Parallelism.ForRanges(outer * count, inner, (start, length) =>
        {
            var xs = x.Data;
            var ys = y.Data;
            var rowIds = indices.IntData;
            for (int j = start; j < start + length; j++)
            {
                int o = j / count, i = j - o * count;
                xs.Slice((o * n + rowIds[i]) * inner, inner).CopyTo(ys.Slice(j * inner, inner));
            }
        });
        if (Tape.ShouldRecord(x))
        {
            Tape.Record(nameof(Take), y, [x], node =>
            {
                // A weight table gets its rows added in place; anything else gets a dense gradient.
                var dx = x.IsLeaf ? x.LeafGradBuffer() : Tensor.Zeros(x.Shape);
                var g = node.Grad;
                // Each core owns a range of the table's rows and adds, in order, the gradient rows
                // that land in it: every table row gets the same sums in the same order as on one core.
                long perRow = Math.Max(1, (long)count * inner / Math.Max(1, n));
                Parallelism.ForRanges(outer * n, perRow, (first, rows) =>
                {
                    var d = dx.Data;
                    var gs = g.Data;
                    var idx = indices.IntData;
                    for (int o = 0; o < outer; o++)
                        for (int i = 0; i < count; i++)
                        {
                            int target = o * n + idx[i];
                            if (target < first || target >= first + rows) continue;
                            var row = d.Slice(target * inner, inner);
                            TensorPrimitives.Add(row, gs.Slice((o * count + i) * inner, inner), row);
                        }
                });
                if (!x.IsLeaf) node.AccumulateInputGrad(0, dx);
            });
        }
        return y;
    }

    public Tensor OneHot(Tensor indices, int depth)
    {
        ArgumentNullException.ThrowIfNull(indices);
        RequireInt(indices, nameof(OneHot), "indices");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(depth);
        var y = Tensor.Zeros(new Shape([.. indices.Shape, depth]));
        var ids = indices.IntData;
        var ys = y.Data;
        for (int i = 0; i < ids.Length; i++)
            if ((uint)ids[i] < (uint)depth) ys[i * depth + ids[i]] = 1;
        return y;
    }

    public Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var mask = condition.DType == DType.Float32 ? condition : Cast(condition, DType.Float32);
        var shape = BroadcastPlan.BroadcastShape(BroadcastPlan.BroadcastShape(mask.Shape, a.Shape, nameof(Where)), b.Shape, nameof(Where));
        var m = BroadcastKernel.BroadcastTo(mask, shape, nameof(Where)).Data;
        var av = BroadcastKernel.BroadcastTo(a, shape, nameof(Where)).Data;
        var bv = BroadcastKernel.BroadcastTo(b, shape, nameof(Where)).Data;
        var y = Tensor.Empty(shape);
        var ys = y.Data;
        for (int i = 0; i < ys.Length; i++) ys[i] = m[i] != 0 ? av[i] : bv[i];
        if (Tape.ShouldRecord(a, b))
        {
            Tape.Record(nameof(Where), y, [a, b], node =>
            {
                var mm = BroadcastKernel.BroadcastTo(mask, shape, nameof(Where)).Data;
                var g = node.Grad.Data;
                var ga = Tensor.Empty(shape);
                var gb = Tensor.Empty(shape);
                var gas = ga.Data;
                var gbs = gb.Data;
                for (int i = 0; i < g.Length; i++)
                {
                    bool pick = mm[i] != 0;
                    gas[i] = pick ? g[i] : 0;
                    gbs[i] = pick ? 0 : g[i];
                }
                if (node.NeedsGrad(0)) node.AccumulateInputGrad(0, ReduceKernel.SumToShape(ga, a.Shape));
                if (node.NeedsGrad(1)) node.AccumulateInputGrad(1, ReduceKernel.SumToShape(gb, b.Shape));
            });
        }
        return y;
    }
}
