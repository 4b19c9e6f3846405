using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>Output lengths of sliding-window layers on symbolic shapes: unknown stays unknown; a known length that does not fit the window is an error naming the layer.</summary>
internal static class ConvWindow
{
    internal static int? OutputLength(int? input, int kernel, int stride, int dilation, Padding padding, string layer, string axis) =>
        input is int n ? ConvGeometry.Axis(n, kernel, stride, dilation, padding, layer, axis).Out : null;

    internal static int RequireChannels(TensorShape shape, string layer) =>
        shape[-1] ?? throw new ArgumentException($"{layer}: the channel axis of the input must be known; received {shape}.");
}
