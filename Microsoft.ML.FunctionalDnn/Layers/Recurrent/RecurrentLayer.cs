using Microsoft.ML.FunctionalDnn.Backends;
using Microsoft.ML.FunctionalDnn.Initializers;

namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>
/// What Lstm, Gru and SimpleRnn share: Keras's options (return the whole sequence or the last
/// output, return the final states, process backwards, dropout on the inputs), the weights
/// (kernel, orthogonal recurrent kernel, bias) and the shapes. Each runs as one fused op.
/// </summary>
public abstract class RecurrentLayer : Layer
{
    private protected RecurrentLayer(int units, bool returnSequences, bool returnState, bool goBackwards, float dropout, bool useBias, string? name) : base(name)
    {
        if (units <= 0) throw new ArgumentOutOfRangeException(nameof(units), $"{GetType().Name} needs a positive number of units; received {units}.");
        if (!(dropout >= 0 && dropout < 1)) throw new ArgumentOutOfRangeException(nameof(dropout), $"Dropout must be in [0, 1); received {dropout}.");
        Units = units;
        ReturnSequences = returnSequences;
        ReturnState = returnState;
        GoBackwards = goBackwards;
        Dropout = dropout;
        UseBias = useBias;
    }

    /// <summary>The size of the state and the output.</summary>
    public int Units { get; }

    /// <summary>Return every step's output (batch, steps, units) rather than the last (batch, units).</summary>
    public bool ReturnSequences { get; }

    /// <summary>Also return the final states (call with <see cref="Layer.ApplyMany(IReadOnlyList{SymbolicTensor})"/>).</summary>
    public bool ReturnState { get; }

    /// <summary>Process the sequence from its end (the output sequence is then reversed, as in Keras).</summary>
    public bool GoBackwards { get; }

    /// <summary>Fraction of the input features dropped during training.</summary>
    public float Dropout { get; }

    /// <summary>Whether the cell has a bias.</summary>
    public bool UseBias { get; }

    /// <inheritdoc/>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries() =>
        [
            new("units", Units),
            new("return_sequences", ReturnSequences),
            new("return_state", ReturnState),
            new("go_backwards", GoBackwards),
            new("dropout", Dropout),
            new("use_bias", UseBias),
        ];

    /// <summary>Gate blocks: 4 (Lstm), 3 (Gru), 1 (SimpleRnn).</summary>
    private protected abstract int Gates { get; }

    /// <summary>How many state tensors the cell carries: 2 for Lstm (h, c), 1 otherwise.</summary>
    private protected virtual int StateCount => 1;

    /// <summary>Rows of the bias: Gru with reset_after has 2 (input and recurrent biases).</summary>
    private protected virtual int BiasRows => 1;

    private protected Tensor Kernel { get; private set; } = null!;

    private protected Tensor RecurrentKernel { get; private set; } = null!;

    private protected Tensor? Bias { get; private set; }

    /// <inheritdoc/>
    protected override void Build(IReadOnlyList<TensorShape> inputShapes)
    {
        var x = inputShapes[0];
        if (x.Rank != 3) throw Error($"expects (batch, steps, features); received {x}.");
        int features = x[-1] ?? throw Error($"the feature axis of the input must be known; received {x}.");
        Kernel = AddWeight("kernel", new Shape(features, Gates * Units), Initializer.GlorotUniform);
        RecurrentKernel = AddWeight("recurrent_kernel", new Shape(Units, Gates * Units), Initializer.Orthogonal);
        if (UseBias) Bias = AddWeight("bias", BiasRows == 1 ? new Shape(Gates * Units) : new Shape(BiasRows, Gates * Units), BiasInitializer());
    }

    /// <summary>The bias initializer (Lstm starts its forget gate at 1).</summary>
    private protected virtual Initializer BiasInitializer() => Initializer.Zeros;

    /// <inheritdoc/>
    public override IReadOnlyList<TensorShape> ComputeOutputShapes(IReadOnlyList<TensorShape> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        if (inputShapes.Count != 1 && inputShapes.Count != 1 + StateCount)
            throw Error($"expects the sequence, optionally followed by {StateCount} initial state{(StateCount == 1 ? "" : "s")}; received {inputShapes.Count} inputs.");
        var x = inputShapes[0];
        if (x.Rank != 3) throw Error($"expects (batch, steps, features); received {x}.");
        if (x[-1] is int f && f != Kernel.Shape[0]) throw Error($"was built for {Kernel.Shape[0]} input features; received {x}.");
        var output = ReturnSequences ? new TensorShape(x[0], x[1], Units) : new TensorShape(x[0], Units);
        if (!ReturnState) return [output];
        return [output, .. Enumerable.Repeat(new TensorShape(x[0], Units), StateCount)];
    }

    /// <inheritdoc/>
    protected internal override IReadOnlyList<Tensor> Call(IReadOnlyList<Tensor> inputs, bool training) =>
        CallMasked(inputs, new Tensor?[inputs.Count], training).Outputs;

    /// <inheritdoc/>
    protected internal override (IReadOnlyList<Tensor> Outputs, Tensor? Mask) CallMasked(IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor?> masks, bool training)
    {
        var x = inputs[0];
        if (training && Dropout > 0) x = Ops.Dropout(x, Dropout, Random);
        var mask = masks[0];
        var result = Run(x, inputs.Skip(1).ToArray(), mask);
        IReadOnlyList<Tensor> outputs = ReturnState ? [result.Output, .. result.States] : [result.Output];
        // A returned sequence keeps the mask for the layers after it (a reversed one, reversed).
        return (outputs, ReturnSequences && mask is not null ? (GoBackwards ? ReverseSteps(mask) : mask) : null);
    }

    /// <summary>The tensor with its steps axis (1) reversed.</summary>
    internal static Tensor ReverseSteps(Tensor t) =>
        Ops.Take(t, Backend.Current.FromHostTemporary(Enumerable.Range(0, t.Shape[1]).Reverse().ToArray(), new Shape(t.Shape[1])), axis: 1);

    /// <summary>A new layer of the same kind and configuration that runs in the other direction (for <see cref="Bidirectional"/>).</summary>
    internal RecurrentLayer Reversed(string name) => Create(Units, ReturnSequences, ReturnState, !GoBackwards, Dropout, UseBias, name);

    private protected abstract RecurrentLayer Create(int units, bool returnSequences, bool returnState, bool goBackwards, float dropout, bool useBias, string name);

    /// <summary>Runs the fused op with the given initial states (possibly none) and mask.</summary>
    private protected abstract RecurrentResult Run(Tensor x, Tensor[] initialStates, Tensor? mask);
}
