using Microsoft.ML.FunctionalDnn.Initializers;

namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>Long short-term memory (Keras's <c>layers.LSTM</c>): gates i, f, c, o; tanh activation, sigmoid gates; forget-gate bias starts at 1.</summary>
public sealed class Lstm(int units, bool returnSequences = false, bool returnState = false, bool goBackwards = false, float dropout = 0, bool useBias = true, string? name = null)
    : RecurrentLayer(units, returnSequences, returnState, goBackwards, dropout, useBias, name)
{
    /// <inheritdoc/>
    public override string ClassName => "LSTM";

    private protected override RecurrentLayer Create(int units, bool returnSequences, bool returnState, bool goBackwards, float dropout, bool useBias, string name) =>
        new Lstm(units, returnSequences, returnState, goBackwards, dropout, useBias, name);

    private protected override int Gates => 4;

    private protected override int StateCount => 2;

    private protected override Initializer BiasInitializer() => new UnitForgetBias(Units);

    private protected override RecurrentResult Run(Tensor x, Tensor[] s, Tensor? mask) =>
        Ops.Lstm(x, Kernel, RecurrentKernel, Bias, s.ElementAtOrDefault(0), s.ElementAtOrDefault(1), ReturnSequences, GoBackwards, mask);

    /// <summary>Keras's <c>unit_forget_bias=True</c>: zeros, except ones for the forget gate.</summary>
    private sealed class UnitForgetBias(int units) : Initializer
    {
        internal override bool CreatesFreshTensors => true;

        public override string Name => "unit_forget_bias";

        public override Tensor Create(Shape shape, RandomGenerator random)
        {
            ArgumentNullException.ThrowIfNull(shape);
            var values = new float[shape.Size];
            values.AsSpan(units, units).Fill(1);
            return Tensor.FromOwnedArray(values, shape);
        }
    }
}
