using TorchSharp;
using static Microsoft.ML.FunctionalDnn.Backends.OpChecks;
using F = TorchSharp.torch.nn.functional;
using TT = TorchSharp.torch.Tensor;

namespace Microsoft.ML.FunctionalDnn.TorchSharp;

// Convolutions on libtorch's kernels. Our tensors are channels last with Keras kernels
// ((kernel…, in, out)); libtorch's are channels first with (out, in, kernel…) weights, so each op
// permutes in and out. Output sizes and padding come from the window arithmetic both backends share
// (OpChecks.WindowAxis), so shapes and errors agree; Keras's 'same' puts the odd cell of padding at
// the end, which libtorch's symmetric padding cannot say, so that case pads explicitly.
internal sealed partial class TorchBackend
{
    public Tensor Conv1D(Tensor x, Tensor kernel, int stride, Padding padding, int dilation, Tensor? bias, bool relu)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(kernel);
        RequireRank(x, 3, nameof(Conv1D), "(batch, steps, channels)");
        RequireRank(kernel, 3, nameof(Conv1D), "kernel (kernelSize, channels, filters)");
        var w = Window(x.Shape[1], kernel.Shape[0], stride, dilation, padding, nameof(Conv1D), "length (steps)");
        if (kernel.Shape[1] != x.Shape[2])
            throw new ArgumentException($"Conv1D: the kernel {kernel.Shape} expects {kernel.Shape[1]} input channels; the input {x.Shape} has {x.Shape[2]}.");
        RequireFloat(x, nameof(Conv1D));
        // A 2-D convolution of height 1: (batch, 1, steps, channels)
        // and kernel (k, in, out) → (out, in, 1, k). Through conv2d the permuted channels-last input
        // takes oneDNN's channels-last kernels, with no copy in or out; conv1d on the same view
        // copies it to channels first and the result back (measured on the social workload's first
        // layer, batch 64 × 200 steps × 256 → 128 filters, forward + backward: 64–76 ms against
        // 116–121 ms, libtorch on 2 threads).
        CheckConvBias(bias, kernel.Shape[2], nameof(Conv1D));
        var y = Conv2DChannelsLast(T(x).unsqueeze(1), T(kernel).permute(2, 1, 0).unsqueeze(2), (1, stride), (1, dilation), new AxisWindow(1, 0, 0), w, groups: 1, TOrNull(bias));
        return Wrap(Epilogue(y.squeeze(1), relu));
    }

    public Tensor Conv2D(Tensor x, Tensor kernel, (int H, int W)? strides, Padding padding, (int H, int W)? dilation, Tensor? bias, bool relu)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(kernel);
        RequireRank(x, 4, nameof(Conv2D), "(batch, height, width, channels)");
        RequireRank(kernel, 4, nameof(Conv2D), "kernel (kernelH, kernelW, channels, filters)");
        if (padding == Padding.Causal) throw new ArgumentException("Conv2D: causal padding exists only for 1-D convolutions.", nameof(padding));
        var (s, d, h, w) = Windows(x, kernel, strides, dilation, padding, nameof(Conv2D));
        if (kernel.Shape[2] != x.Shape[3])
            throw new ArgumentException($"Conv2D: the kernel {kernel.Shape} expects {kernel.Shape[2]} input channels; the input {x.Shape} has {x.Shape[3]}.");
        RequireFloat(x, nameof(Conv2D));
        // Kernel (kh, kw, in, out) → (out, in, kh, kw).
        CheckConvBias(bias, kernel.Shape[3], nameof(Conv2D));
        return Wrap(Epilogue(Conv2DChannelsLast(T(x), T(kernel).permute(3, 2, 0, 1), s, d, h, w, groups: 1, TOrNull(bias)), relu));
    }

    public Tensor DepthwiseConv2D(Tensor x, Tensor kernel, (int H, int W)? strides, Padding padding, (int H, int W)? dilation)
    {
        CheckDepthwise(x, kernel, padding);
        var (s, d, h, w) = Windows(x, kernel, strides, dilation, padding, nameof(DepthwiseConv2D));
        int channels = x.Shape[3], mult = kernel.Shape[3];
        if (kernel.Shape[2] != channels)
            throw new ArgumentException($"DepthwiseConv2D: the kernel {kernel.Shape} expects {kernel.Shape[2]} channels; the input {x.Shape} has {channels}.");
        // One group per channel: kernel (kh, kw, c, m) → (c·m, 1, kh, kw), whose output channel c·m + m'
        // is Keras's channel-major order.
        var weight = T(kernel).reshape(kernel.Shape[0], kernel.Shape[1], (long)channels * mult).permute(2, 0, 1).unsqueeze(1);
        return Wrap(Conv2DChannelsLast(T(x), weight, s, d, h, w, groups: channels));
    }

    public Tensor Conv2DTranspose(Tensor x, Tensor kernel, (int H, int W)? strides, Padding padding, (int H, int W)? outputPadding)
    {
        var (sh, sw) = CheckTransposed(x, kernel, padding, strides);
        int kh = kernel.Shape[0], kw = kernel.Shape[1];
        int oh = Ops.TransposedLength(x.Shape[1], kh, sh, padding, outputPadding?.H), ow = Ops.TransposedLength(x.Shape[2], kw, sw, padding, outputPadding?.W);
        if (oh <= 0 || ow <= 0)
            throw new ArgumentException($"Conv2DTranspose: the output of the input {x.Shape} with kernel ({kh}, {kw}), strides ({sh}, {sw}) and output padding {outputPadding} would be {oh}×{ow}.");
        // libtorch's full result, (in - 1)·stride + kernel per axis (kernel (kh, kw, filters, in) →
        // (in, filters, kh, kw)); Keras's output is the window of it that starts after the crop
        // ('same' centres it as TensorFlow does) and may run past its end into zeros.
        var full = F.conv_transpose2d(T(x).permute(0, 3, 1, 2), T(kernel).permute(3, 2, 0, 1), strides: [sh, sw]);
        int fullH = (x.Shape[1] - 1) * sh + kh, fullW = (x.Shape[2] - 1) * sw + kw;
        int top = TransposedCrop(fullH, oh, padding), left = TransposedCrop(fullW, ow, padding);
        int bottom = oh - (fullH - top), right = ow - (fullW - left);
        // Negative amounts crop, positive ones append zeros.
        var y = top == 0 && left == 0 && bottom == 0 && right == 0 ? full : F.pad(full, [-left, right, -top, bottom]);
        return Wrap(y.permute(0, 2, 3, 1).contiguous());
    }

    /// <summary>How many leading rows of the full transposed result an output of <paramref name="length"/> drops, as the managed engine's crop.</summary>
    private static int TransposedCrop(int full, int length, Padding padding) =>
        padding == Padding.Same ? Math.Max(full - length, 0) / 2 : 0;

    /// <summary>
    /// A (batch, height, width, channels) input through libtorch's conv2d with a (out, in/groups, kh, kw)
    /// weight, padded as Keras pads; the result channels last. The permuted view is libtorch's
    /// channels-last memory format, which its kernels read and write as it is.
    /// </summary>
    private static TT Conv2DChannelsLast(TT x, TT weight, (int H, int W) strides, (int H, int W) dilation, AxisWindow h, AxisWindow w, long groups, TT? bias = null)
    {
        var input = x.permute(0, 3, 1, 2);
        long[] pad = [h.Before, w.Before];
        if (!h.Symmetric || !w.Symmetric)
        {
            input = F.pad(input, [w.Before, w.After, h.Before, h.After]);
            pad = [0, 0];
        }
        var y = F.conv2d(input, weight, bias, strides: [strides.H, strides.W], padding: pad, dilation: [dilation.H, dilation.W], groups: groups);
        return y.permute(0, 2, 3, 1).contiguous();
    }

    /// <summary>A convolution layer's ReLU on its result (in place: conv2d's backward does not need its output).</summary>
    private static TT Epilogue(TT y, bool relu) => relu ? y.relu_() : y;

    /// <summary>Strides, dilation and both axes' windows of a 2-D convolution, height first (its errors come first, as on the managed engine).</summary>
    private static ((int H, int W) Strides, (int H, int W) Dilation, AxisWindow H, AxisWindow W) Windows(
        Tensor x, Tensor kernel, (int H, int W)? strides, (int H, int W)? dilation, Padding padding, string op)
    {
        var s = strides ?? (1, 1);
        var d = dilation ?? (1, 1);
        var h = Window(x.Shape[1], kernel.Shape[0], s.H, d.H, padding, op, "height");
        var w = Window(x.Shape[2], kernel.Shape[1], s.W, d.W, padding, op, "width");
        return (s, d, h, w);
    }

    /// <summary>
    /// One spatial axis of a sliding window: the output length and leading padding from the managed
    /// engine's arithmetic (which throws its errors), and the trailing padding that makes libtorch's
    /// floor((in + before + after - span) / stride) + 1 come out at that length.
    /// </summary>
    internal static AxisWindow Window(int input, int kernel, int stride, int dilation, Padding padding, string op, string axisName)
    {
        var (length, before) = WindowAxis(input, kernel, stride, dilation, padding, op, axisName);
        int span = dilation * (kernel - 1) + 1;
        int after = Math.Max(0, (length - 1) * stride + span - input - before);
        return new AxisWindow(length, before, after);
    }

    /// <summary>The output length of one axis and the padding before and after the input along it.</summary>
    internal readonly record struct AxisWindow(int Length, int Before, int After)
    {
        /// <summary>Whether libtorch's own (symmetric) padding argument can express this padding.</summary>
        internal bool Symmetric => Before == After;
    }
}
