namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>Fully connected RNN (Keras's <c>layers.SimpleRNN</c>): h ← tanh(xW + hU + b).</summary>
public sealed class SimpleRnn(int units, bool returnSequences = false, bool returnState = false, bool goBackwards = false, float dropout = 0, bool useBias = true, string? name = null)
    : RecurrentLayer(units, returnSequences, returnState, goBackwards, dropout, useBias, name)
{
    /// <inheritdoc/>
    public override string ClassName => "SimpleRNN";

    private protected override RecurrentLayer Create(int units, bool returnSequences, bool returnState, bool goBackwards, float dropout, bool useBias, string name) =>
        new SimpleRnn(units, returnSequences, returnState, goBackwards, dropout, useBias, name);

    private protected override int Gates => 1;

    private protected override RecurrentResult Run(Tensor x, Tensor[] s, Tensor? mask) =>
        Ops.SimpleRnn(x, Kernel, RecurrentKernel, Bias, s.ElementAtOrDefault(0), ReturnSequences, GoBackwards, mask);
}
