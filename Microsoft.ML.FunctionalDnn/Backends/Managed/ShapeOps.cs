using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed;

internal sealed partial class ManagedBackend
{
    public Tensor Reshape(Tensor x, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(x);
        var target = OpChecks.InferReshape(x.Shape, shape);
        var y = x.View(target);
        if (x.RequiresGrad && GradMode.IsEnabled)
            Tape.Record(nameof(Reshape), y, [x], n => n.AccumulateInputGrad(0, n.Grad.View(x.Shape)));
        return y;
    }


    public Tensor Transpose(Tensor x, int[]? perm)
    {
        ArgumentNullException.ThrowIfNull(x);
        int rank = x.Rank;
        if (perm is null || perm.Length == 0)
        {
            perm = new int[rank];
            for (int i = 0; i < rank; i++) perm[i] = rank - 1 - i;
        }
        var p = OpChecks.CheckPermutation(perm, x.Shape);
        var dims = new int[rank];
        for (int i = 0; i < rank; i++) dims[i] = x.Shape[p[i]];
        var y = Tensor.Empty(new Shape(dims), x.DType);
        if (x.DType == DType.Float32) PermuteKernel.Permute<float>(x.Data, y.Data, x.Shape, p);
        else PermuteKernel.Permute<int>(x.IntData, y.IntData, x.Shape, p);
        if (Tape.ShouldRecord(x))
        {
            var inverse = new int[rank];
            for (int i = 0; i < rank; i++) inverse[p[i]] = i;
            Tape.Record(nameof(Transpose), y, [x], n => n.AccumulateInputGrad(0, Transpose(n.Grad, inverse)));
        }
        return y;
    }


    public Tensor BroadcastTo(Tensor x, Shape shape)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(shape);
        RequireFloat(x, nameof(BroadcastTo));
        var y = BroadcastKernel.BroadcastTo(x, shape, nameof(BroadcastTo));
        if (ReferenceEquals(y, x)) y = x.View(shape);
        if (Tape.ShouldRecord(x))
            Tape.Record(nameof(BroadcastTo), y, [x], n => n.AccumulateInputGrad(0, ReduceKernel.SumToShape(n.Grad, x.Shape)));
        return y;
    }

    public Tensor Cast(Tensor x, DType dtype)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.DType == dtype) return x.Detach();
        var y = Tensor.Empty(x.Shape, dtype);
        if (dtype == DType.Float32)
        {
            var s = x.IntData;
            var d = y.Data;
            for (int i = 0; i < d.Length; i++) d[i] = s[i];
        }
        else
        {
            var s = x.Data;
            var d = y.IntData;
            for (int i = 0; i < d.Length; i++) d[i] = (int)s[i];
        }
        return y;
    }
}
