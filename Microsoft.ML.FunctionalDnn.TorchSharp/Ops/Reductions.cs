using Microsoft.ML.FunctionalDnn.Backends;
using TorchSharp;
using static Microsoft.ML.FunctionalDnn.Backends.OpChecks;
using F = TorchSharp.torch.nn.functional;
using TT = TorchSharp.torch.Tensor;

namespace Microsoft.ML.FunctionalDnn.TorchSharp;

// Reductions and softmax over Keras-style axes.
internal sealed partial class TorchBackend
{
    private Tensor Reduce(Tensor x, int[]? axes, bool keepDims, string op, Func<TT, long[], TT> f)
    {
        ArgumentNullException.ThrowIfNull(x);
        RequireFloat(x, op);
        var ax = NormalizeAxes(axes, x.Rank);
        if (x.Rank == 0) return WrapFloat(T(x).alias(), x.Shape);
        return WrapFloat(f(T(x), Array.ConvertAll(ax, a => (long)a)), OpChecks.ReducedShape(x.Shape, ax, keepDims));
    }

    public Tensor Sum(Tensor x, int[]? axes, bool keepDims) => Reduce(x, axes, keepDims, nameof(Sum), (t, ax) => t.sum(ax, keepDims));

    public Tensor Mean(Tensor x, int[]? axes, bool keepDims) => Reduce(x, axes, keepDims, nameof(Mean), (t, ax) => t.mean(ax, keepDims));

    // amax and amin share a tied extreme's gradient equally among the ties, as the managed engine does.
    public Tensor Max(Tensor x, int[]? axes, bool keepDims) => Reduce(x, axes, keepDims, nameof(Max), (t, ax) => t.amax(NonEmpty(x, ax), keepDims));

    public Tensor Min(Tensor x, int[]? axes, bool keepDims) => Reduce(x, axes, keepDims, nameof(Min), (t, ax) => t.amin(NonEmpty(x, ax), keepDims));

    private static long[] NonEmpty(Tensor x, long[] axes)
    {
        foreach (long a in axes)
            if (x.Shape[(int)a] == 0) throw new ArgumentException("Cannot take the max or min over an axis of length 0.");
        return axes;
    }

    public Tensor ArgMax(Tensor x, int axis, bool keepDims)
    {
        ArgumentNullException.ThrowIfNull(x);
        RequireFloat(x, nameof(ArgMax));
        int a = x.Shape.NormalizeAxis(axis);
        using var _ = torch.no_grad();
        return Wrap(T(x).argmax(a, keepDims));
    }

    public Tensor Softmax(Tensor x, int axis)
    {
        ArgumentNullException.ThrowIfNull(x);
        RequireFloat(x, nameof(Softmax));
        return WrapFloat(F.softmax(T(x), x.Shape.NormalizeAxis(axis)), x.Shape);
    }

    public Tensor LogSoftmax(Tensor x, int axis)
    {
        ArgumentNullException.ThrowIfNull(x);
        RequireFloat(x, nameof(LogSoftmax));
        return WrapFloat(F.log_softmax(T(x), x.Shape.NormalizeAxis(axis)), x.Shape);
    }
}
