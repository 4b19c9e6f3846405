using System.Buffers;
using Microsoft.ML.FunctionalDnn.Backends;
using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn;

public static partial class Ops
{
    /// <summary>
    /// Transposed 2-D convolution (the gradient of <see cref="Conv2D"/> with respect to its input),
    /// channels last: input (batch, h, w, inChannels), kernel in Keras's layout
    /// (kernelH, kernelW, filters, inChannels). Output size per axis as Keras's
    /// <c>deconv_output_length</c>: without <paramref name="outputPadding"/>, in·stride + max(kernel - stride, 0)
    /// for 'valid' (the rows past the last window are zeros) and in·stride for 'same'; with it,
    /// (in - 1)·stride + kernel + outputPadding for 'valid' and (in - 1)·stride + kernel mod 2 + outputPadding
    /// for 'same'.
    /// </summary>
    /// <param name="x">(batch, height, width, inChannels).</param>
    /// <param name="kernel">(kernelH, kernelW, filters, inChannels).</param>
    /// <param name="strides">The upsampling factors; 1 by default.</param>
    /// <param name="padding">'valid' or 'same'.</param>
    /// <param name="outputPadding">Extra rows and columns of output (Keras's <c>output_padding</c>); each in [0, stride). Null for Keras's default.</param>
    public static Tensor Conv2DTranspose(Tensor x, Tensor kernel, (int H, int W)? strides = null, Padding padding = Padding.Valid, (int H, int W)? outputPadding = null) => Backend.Current.Conv2DTranspose(x, kernel, strides, padding, outputPadding);

    /// <summary>Keras's <c>deconv_output_length</c> (dilation 1); throws when <paramref name="outputPadding"/> is not in [0, stride).</summary>
    internal static int TransposedLength(int input, int kernel, int stride, Padding padding, int? outputPadding = null)
    {
        if (outputPadding is int p && (p < 0 || p >= stride))
            throw new ArgumentOutOfRangeException(nameof(outputPadding), $"Conv2DTranspose: the output padding must be in [0, stride) = [0, {stride}); received {p}.");
        return (padding, outputPadding) switch
        {
            (Padding.Same, null) => input * stride,
            (Padding.Same, int p2) => (input - 1) * stride + kernel % 2 + p2,
            (_, null) => (input - 1) * stride + Math.Max(kernel, stride),
            (_, int p3) => (input - 1) * stride + kernel + p3,
        };
    }
}
