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
    public static Tensor Conv2D(Tensor x, Tensor kernel, (int H, int W)? strides = null, Padding padding = Padding.Valid, (int H, int W)? dilation = null) => Backend.Current.Conv2D(x, kernel, strides, padding, dilation, null, false);

    /// <summary>
    /// <see cref="Conv2D(Tensor, Tensor, ValueTuple{int, int}?, Padding, ValueTuple{int, int}?)"/> + <paramref name="bias"/>,
    /// then max(·, 0) when <paramref name="relu"/>: a Conv2D layer's whole computation as one op.
    /// </summary>
    internal static Tensor Conv2DWithBias(Tensor x, Tensor kernel, Tensor? bias, bool relu, (int H, int W)? strides = null, Padding padding = Padding.Valid, (int H, int W)? dilation = null) =>
        Backend.Current.Conv2D(x, kernel, strides, padding, dilation, bias, relu);

    /// <summary>
    /// 1-D convolution, channels last: input (batch, steps, channels) and kernel
    /// (kernelSize, channels, filters) give (batch, outSteps, filters). Padding may be causal.
    /// </summary>
    public static Tensor Conv1D(Tensor x, Tensor kernel, int stride = 1, Padding padding = Padding.Valid, int dilation = 1) => Backend.Current.Conv1D(x, kernel, stride, padding, dilation, null, false);

    /// <summary><see cref="Conv1D(Tensor, Tensor, int, Padding, int)"/> + <paramref name="bias"/>, then max(·, 0) when <paramref name="relu"/>: a Conv1D layer's whole computation as one op.</summary>
    internal static Tensor Conv1DWithBias(Tensor x, Tensor kernel, Tensor? bias, bool relu, int stride = 1, Padding padding = Padding.Valid, int dilation = 1) =>
        Backend.Current.Conv1D(x, kernel, stride, padding, dilation, bias, relu);
}
