using TorchSharp;
using static Microsoft.ML.FunctionalDnn.Backends.OpChecks;
using F = TorchSharp.torch.nn.functional;
using TT = TorchSharp.torch.Tensor;

namespace Microsoft.ML.FunctionalDnn.TorchSharp;

// Max and average pooling on libtorch's kernels, channels last as Keras pools. As on the managed
// engine a 1-D pool is a 2-D one of height 1, and padded cells never count: a maximum ignores them
// and an average divides by the real inputs in its window (TensorFlow's 'same').
internal sealed partial class TorchBackend
{
    public Tensor MaxPool2D(Tensor x, (int H, int W) poolSize, (int H, int W)? strides, Padding padding) =>
        Pool2D(x, poolSize, strides ?? poolSize, padding, max: true, nameof(MaxPool2D));

    public Tensor AveragePool2D(Tensor x, (int H, int W) poolSize, (int H, int W)? strides, Padding padding) =>
        Pool2D(x, poolSize, strides ?? poolSize, padding, max: false, nameof(AveragePool2D));

    public Tensor MaxPool1D(Tensor x, int poolSize, int? stride, Padding padding) =>
        Pool1D(x, poolSize, stride ?? poolSize, padding, max: true, nameof(MaxPool1D));

    public Tensor AveragePool1D(Tensor x, int poolSize, int? stride, Padding padding) =>
        Pool1D(x, poolSize, stride ?? poolSize, padding, max: false, nameof(AveragePool1D));

    private Tensor Pool1D(Tensor x, int pool, int stride, Padding padding, bool max, string name)
    {
        CheckPool(x, 3, padding, name);
        var h = new AxisWindow(1, 0, 0);
        var w = Window(x.Shape[1], pool, stride, 1, padding, name, "length (steps)");
        RequireFloat(x, name);
        // (batch, steps, channels) → (batch, channels, 1, steps).
        var y = PoolChannelsFirst(T(x).permute(0, 2, 1).unsqueeze(2), (1, pool), (1, stride), h, w, max);
        return Wrap(y.squeeze(2).permute(0, 2, 1).contiguous());
    }

    private Tensor Pool2D(Tensor x, (int H, int W) pool, (int H, int W) strides, Padding padding, bool max, string name)
    {
        CheckPool(x, 4, padding, name);
        var h = Window(x.Shape[1], pool.H, strides.H, 1, padding, name, "height");
        var w = Window(x.Shape[2], pool.W, strides.W, 1, padding, name, "width");
        RequireFloat(x, name);
        var y = PoolChannelsFirst(T(x).permute(0, 3, 1, 2), pool, strides, h, w, max);
        return Wrap(y.permute(0, 2, 3, 1).contiguous());
    }

    /// <summary>Pools a (batch, channels, height, width) tensor over windows padded as <paramref name="h"/> and <paramref name="w"/> say.</summary>
    private TT PoolChannelsFirst(TT x, (int H, int W) pool, (int H, int W) strides, AxisWindow h, AxisWindow w, bool max)
    {
        long[] size = [pool.H, pool.W], step = [strides.H, strides.W];
        // libtorch pads symmetrically, by at most half the window, and then skips padded cells itself.
        if (h.Symmetric && w.Symmetric && 2 * h.Before <= pool.H && 2 * w.Before <= pool.W)
        {
            long[] pad = [h.Before, w.Before];
            return max
                ? F.max_pool2d(x, size, step, pad)
                : F.avg_pool2d(x, size, step, pad, count_include_pad: false);
        }
        long[] around = [w.Before, w.After, h.Before, h.After];
        // Padding by -∞ never wins a maximum (every window holds at least one real input).
        if (max) return F.max_pool2d(F.pad(x, around, value: double.NegativeInfinity), size, step);
        // Window sums over zero padding, divided by how many real inputs each window covers.
        var sums = F.avg_pool2d(F.pad(x, around), size, step, divisor_override: 1);
        int inH = (int)x.shape[2], inW = (int)x.shape[3];
        var counts = new float[h.Length * w.Length];
        for (int i = 0; i < h.Length; i++)
            for (int j = 0; j < w.Length; j++)
                counts[i * w.Length + j] = Inside(i * strides.H - h.Before, pool.H, inH) * Inside(j * strides.W - w.Before, pool.W, inW);
        return sums / FromHostCore(counts, new Shape(h.Length, w.Length));
    }

    /// <summary>How many cells of a window of <paramref name="pool"/> starting at <paramref name="start"/> lie inside an axis of <paramref name="input"/>.</summary>
    private static int Inside(int start, int pool, int input) => Math.Min(start + pool, input) - Math.Max(start, 0);
}
