namespace Microsoft.ML.FunctionalDnn.TorchSharp;

internal sealed partial class TorchBackend
{
    public Tensor Conv1D(Tensor x, Tensor kernel, int stride, Padding padding, int dilation) => throw new NotImplementedException();

    public Tensor Conv2D(Tensor x, Tensor kernel, (int H, int W)? strides, Padding padding, (int H, int W)? dilation) => throw new NotImplementedException();

    public Tensor DepthwiseConv2D(Tensor x, Tensor kernel, (int H, int W)? strides, Padding padding, (int H, int W)? dilation) => throw new NotImplementedException();

    public Tensor Conv2DTranspose(Tensor x, Tensor kernel, (int H, int W)? strides, Padding padding, (int H, int W)? outputPadding) => throw new NotImplementedException();
}
