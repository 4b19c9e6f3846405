using Microsoft.ML.FunctionalDnn.Backends;
using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn;

public static partial class Ops
{
    /// <summary>
    /// Depthwise 2-D convolution, channels last: each input channel is convolved with its own
    /// <c>depthMultiplier</c> filters. Input (batch, height, width, channels), kernel
    /// (kernelH, kernelW, channels, depthMultiplier); output channel c·depthMultiplier + m.
    /// </summary>
    public static Tensor DepthwiseConv2D(Tensor x, Tensor kernel, (int H, int W)? strides = null, Padding padding = Padding.Valid, (int H, int W)? dilation = null) => Backend.Current.DepthwiseConv2D(x, kernel, strides, padding, dilation);
}
