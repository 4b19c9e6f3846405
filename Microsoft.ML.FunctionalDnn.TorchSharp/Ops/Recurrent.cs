namespace Microsoft.ML.FunctionalDnn.TorchSharp;

internal sealed partial class TorchBackend
{
    public RecurrentResult Gru(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias, Tensor? initialH, bool returnSequences, bool goBackwards, Tensor? mask) => throw new NotImplementedException();

    public RecurrentResult Lstm(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias, Tensor? initialH, Tensor? initialC, bool returnSequences, bool goBackwards, Tensor? mask) => throw new NotImplementedException();

    public RecurrentResult SimpleRnn(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias, Tensor? initialH, bool returnSequences, bool goBackwards, Tensor? mask) => throw new NotImplementedException();
}
