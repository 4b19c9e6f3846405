namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>Gated recurrent unit (Keras's <c>layers.GRU</c>, <c>reset_after=True</c>): gates z, r, h; bias (2, 3·units).</summary>
public sealed class Gru(int units, bool returnSequences = false, bool returnState = false, bool goBackwards = false, float dropout = 0, bool useBias = true, string? name = null)
    : RecurrentLayer(units, returnSequences, returnState, goBackwards, dropout, useBias, name)
{
    /// <inheritdoc/>
    public override string ClassName => "GRU";

    private protected override RecurrentLayer Create(int units, bool returnSequences, bool returnState, bool goBackwards, float dropout, bool useBias, string name) =>
        new Gru(units, returnSequences, returnState, goBackwards, dropout, useBias, name);

    private protected override int Gates => 3;

    private protected override int BiasRows => 2;

    private protected override RecurrentResult Run(Tensor x, Tensor[] s, Tensor? mask) =>
        Ops.Gru(x, Kernel, RecurrentKernel, Bias, s.ElementAtOrDefault(0), ReturnSequences, GoBackwards, mask);
}
