using System.Buffers;
using Microsoft.ML.FunctionalDnn.Backends;
using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn;

public static partial class Ops
{
    /// <summary>
    /// 2-D convolution, channels last: input (batch, height, width, channels) and kernel
    /// (kernelH, kernelW, channels, filters) give (batch, outH, outW, filters). No bias (add it with
    /// <see cref="Add"/>).
    /// </summary>
    /// <exception cref="ArgumentException">Ranks or channel counts disagree, or the window does not fit the input (the message gives the input length, kernel and stride).</exception>
    public static Tensor Conv2D(Tensor x, Tensor kernel, (int H, int W)? strides = null, Padding padding = Padding.Valid, (int H, int W)? dilation = null) => Backend.Current.Conv2D(x, kernel, strides, padding, dilation);

    /// <summary>
    /// 1-D convolution, channels last: input (batch, steps, channels) and kernel
    /// (kernelSize, channels, filters) give (batch, outSteps, filters). Padding may be causal.
    /// </summary>
    public static Tensor Conv1D(Tensor x, Tensor kernel, int stride = 1, Padding padding = Padding.Valid, int dilation = 1) => Backend.Current.Conv1D(x, kernel, stride, padding, dilation);
}
