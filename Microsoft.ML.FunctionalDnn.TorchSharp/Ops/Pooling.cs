namespace Microsoft.ML.FunctionalDnn.TorchSharp;

internal sealed partial class TorchBackend
{
    public Tensor AveragePool1D(Tensor x, int poolSize, int? stride, Padding padding) => throw new NotImplementedException();

    public Tensor MaxPool1D(Tensor x, int poolSize, int? stride, Padding padding) => throw new NotImplementedException();

    public Tensor AveragePool2D(Tensor x, (int H, int W) poolSize, (int H, int W)? strides, Padding padding) => throw new NotImplementedException();

    public Tensor MaxPool2D(Tensor x, (int H, int W) poolSize, (int H, int W)? strides, Padding padding) => throw new NotImplementedException();
}
