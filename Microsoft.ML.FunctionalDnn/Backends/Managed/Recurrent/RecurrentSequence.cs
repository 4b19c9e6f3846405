using System.Numerics.Tensors;
using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed;

/// <summary>
/// What every fused recurrent op (Lstm, Gru, SimpleRnn) shares, so that each op's file holds only
/// its cell: the checks of x, the kernels, the bias and the mask; each step's input projection
/// x_t·W + b, computed inside the step loop from x read in place (batch-major rows, one stride
/// apart) with W and U packed once, so a step's gates are made and consumed while they are in
/// cache; the state before each step, the skipped steps of a mask and the sequence output; what is
/// kept for backward (every step when the op is recorded, only the current one in inference); the
/// autograd inputs and outputs. The backward half is in RecurrentSequence.Gradients.cs.
/// </summary>
internal sealed partial class RecurrentSequence
{
    private readonly Tensor?[] _initialStates;

    private RecurrentSequence(string op, Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias, int gates, bool returnSequences, bool goBackwards,
        Tensor?[] initialStates)
    {
        (Op, X, Kernel, RecurrentKernel, Bias, Gates, ReturnSequences, GoBackwards) = (op, x, kernel, recurrentKernel, bias, gates, returnSequences, goBackwards);
        _initialStates = initialStates;
        Batch = x.Shape[0];
        Steps = x.Shape[1];
        Features = x.Shape[2];
        Units = recurrentKernel.Shape[0];
        Recording = Tape.ShouldRecord(AutogradInputs());
    }

    /// <summary>The op's name, for error messages and the tape.</summary>
    internal string Op { get; }

    internal Tensor X { get; }

    internal Tensor Kernel { get; }

    internal Tensor RecurrentKernel { get; }

    internal Tensor? Bias { get; }

    internal int Batch { get; }

    internal int Steps { get; }

    internal int Features { get; }

    internal int Units { get; }

    /// <summary>Gate blocks per step: 4 (Lstm), 3 (Gru), 1 (SimpleRnn).</summary>
    internal int Gates { get; }

    internal bool ReturnSequences { get; }

    internal bool GoBackwards { get; }

    internal int Width => Gates * Units;

    /// <summary>Whether the op goes on the tape: then every step's gates and states are kept for backward, otherwise only the current step's.</summary>
    internal bool Recording { get; }

    /// <summary>The kernel W packed for the steps' x_t·W.</summary>
    internal PackedMatrix PackedKernel { get; private set; } = null!;

    /// <summary>The recurrent kernel U packed for the steps' h·U.</summary>
    internal PackedMatrix PackedRecurrentKernel { get; private set; } = null!;

    /// <summary>One state for the whole batch: batch · units values.</summary>
    internal int StateSize => Batch * Units;

    /// <summary>The steps' x·W + bias, (gates · units) per sample: a <see cref="StepStore"/>, filled by <see cref="Project"/>.</summary>
    internal Tensor Projected { get; private set; } = null!;

    /// <summary>The state h before each step (units per sample): a <see cref="StepStore"/>.</summary>
    internal Tensor HPrev { get; private set; } = null!;

    /// <summary>The (batch, steps, units) output when the op returns sequences, else null.</summary>
    internal Tensor? Sequence { get; private set; }

    /// <summary>
    /// Checks the shapes, reads the mask, packs the kernels and makes the stores; a bias of
    /// <paramref name="biasRows"/> rows (Gru with reset_after: 2) adds its first row in
    /// <see cref="Project"/>. <paramref name="initialStates"/> are the op's initial-state
    /// arguments in order (null where absent).
    /// </summary>
    internal static RecurrentSequence Start(string op, Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias, int gates, int biasRows,
        Tensor? mask, bool returnSequences, bool goBackwards, params Tensor?[] initialStates)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(recurrentKernel);
        ManagedBackend.RequireFloat(x, op);
        ManagedBackend.RequireRank(x, 3, op, "(batch, steps, features)");
        int units = recurrentKernel.Shape[0];
        if (recurrentKernel.Rank != 2 || recurrentKernel.Shape[1] != gates * units)
            throw new ArgumentException($"{op}: the recurrent kernel must be (units, {gates}·units); received {recurrentKernel.Shape}.");
        if (kernel.Rank != 2 || kernel.Shape[0] != x.Shape[2] || kernel.Shape[1] != gates * units)
            throw new ArgumentException($"{op}: the kernel must be ({x.Shape[2]}, {gates * units}) for {x.Shape[2]} input features and {units} units; received {kernel.Shape}.");
        if (bias is not null && bias.Size != biasRows * gates * units)
            throw new ArgumentException($"{op}: the bias must hold {biasRows * gates * units} values ({(biasRows == 1 ? "" : $"{biasRows} × ")}{gates}·units); received {bias.Shape}.");
        var seq = new RecurrentSequence(op, x, kernel, recurrentKernel, bias, gates, returnSequences, goBackwards, initialStates);
        seq.UseMask(mask);
        int width = seq.Width;
        seq.PackedKernel = Gemm.Pack(kernel.Data, seq.Features, width, width);
        seq.PackedRecurrentKernel = Gemm.Pack(recurrentKernel.Data, units, width, width);
        seq.Projected = seq.StepStore(width);
        seq.HPrev = seq.StepStore(units);
        seq.Sequence = returnSequences ? Tensor.Empty(new Shape(seq.Batch, seq.Steps, seq.Units)) : null;
        return seq;
    }

    /// <summary>
    /// Per-sample rows of <paramref name="rowLength"/> values for the steps: (steps · batch, length)
    /// time-major when the op is recorded (backward reads every step), else one step's (batch,
    /// length), reused at every step. <see cref="StateRows"/> and <see cref="GateRows"/> address both.
    /// </summary>
    internal Tensor StepStore(int rowLength) => Tensor.Empty(new Shape((Recording ? Steps : 1) * Batch, rowLength));

    /// <summary>
    /// Step <paramref name="t"/>'s x·W + bias for block <paramref name="rows"/>, into its rows of
    /// <see cref="Projected"/> (returned): x's rows for that step are read where they are, one
    /// sample's sequence (steps · features) apart; the bias is written first and the product added to it.
    /// </summary>
    internal Span<float> Project(int t, RowBlock rows)
    {
        var z = GateRows(Projected, t, rows);
        int width = Width;
        if (Bias is not null)
            for (int i = 0; i < rows.Count; i++) Bias.Data[..width].CopyTo(z.Slice(i * width, width));
        Gemm.Multiply(rows.Count, X.Data[((rows.First * Steps + t) * Features)..], Steps * Features, PackedKernel, z, width, accumulate: Bias is not null);
        return z;
    }

    /// <summary>Whether the steps keep the states they start from: for backward, or for a mask's skipped steps to restore.</summary>
    internal bool KeepsPreviousState => Recording || _skipped is not null;

    /// <summary>The time index processed at step <paramref name="s"/>.</summary>
    internal int TimeAt(int s) => GoBackwards ? Steps - 1 - s : s;

    /// <summary>Time index <paramref name="t"/>'s rows of block <paramref name="rows"/> in a (steps · batch, units) tensor or a one-step store.</summary>
    internal Span<float> StateRows(Tensor perStep, int t, RowBlock rows) => perStep.Data.Slice((StoredStep(perStep, t) * Batch + rows.First) * Units, rows.Count * Units);

    /// <summary>Time index <paramref name="t"/>'s rows of block <paramref name="rows"/> in a (steps · batch, gates · units) tensor or a one-step store.</summary>
    internal Span<float> GateRows(Tensor perStep, int t, RowBlock rows) => perStep.Data.Slice((StoredStep(perStep, t) * Batch + rows.First) * Width, rows.Count * Width);

    /// <summary>Where time index <paramref name="t"/> sits in <paramref name="perStep"/>: itself when it holds every step, 0 in a one-step store.</summary>
    private int StoredStep(Tensor perStep, int t) => perStep.Shape[0] == Batch ? 0 : t;

    /// <summary>Block <paramref name="rows"/> of a (batch, units) state.</summary>
    internal Span<float> Rows(float[] state, RowBlock rows) => state.AsSpan(rows.First * Units, rows.Count * Units);

    /// <summary>Samples <see cref="First"/> to <see cref="First"/> + <see cref="Count"/> - 1 of the batch.</summary>
    internal readonly record struct RowBlock(int First, int Count);

    /// <summary>
    /// Runs <paramref name="stepLoop"/> — a whole forward or backward pass over the steps — on
    /// blocks of the batch, in parallel when the sequence is worth it. The samples of a batch never
    /// meet in a recurrent cell (each has its own h and c through every step), so each core can
    /// carry its own rows through all the steps with no synchronization per step; one fork per
    /// pass instead of one per step, where a step's GEMM (batch × gates·units × units) is far too
    /// small to split. Every sample's arithmetic is the same for any split (the GEMM computes a
    /// row from that row alone, in a fixed order), so results do not depend on the core count.
    /// </summary>
    internal void ForRowBlocks(Action<RowBlock> stepLoop)
    {
        int blocks = ForcedRowBlocks is int forced ? Math.Clamp(forced, 1, Batch) : RowBlockCount(Batch, Steps, Width, Units);
        if (blocks == 1)
        {
            stepLoop(new RowBlock(0, Batch));
            return;
        }
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = blocks }, i =>
        {
            int first = i * Batch / blocks;
            stepLoop(new RowBlock(first, (i + 1) * Batch / blocks - first));
        });
    }

    /// <summary>Tests: split every pass on this thread into this many blocks (at most one per sample), whatever the sizes and cores.</summary>
    internal static int? ForcedRowBlocks { get => t_forcedRowBlocks; set => t_forcedRowBlocks = value; }

    [ThreadStatic] private static int? t_forcedRowBlocks;

    /// <summary>Samples per block at least, so that a block's per-step GEMM still fills the micro-kernel's tiles.</summary>
    internal const int MinRowsPerBlock = 8;

    /// <summary>Multiply-adds of the recurrent products over the whole sequence below which a pass stays on one thread.</summary>
    internal const long ParallelWork = 1L << 20;

    /// <summary>How many blocks a pass splits the batch into: one per core, at least <see cref="MinRowsPerBlock"/> samples each, one for small sequences.</summary>
    internal static int RowBlockCount(int batch, int steps, int width, int units)
    {
        if ((long)batch * steps * width * units < ParallelWork) return 1;
        return Math.Max(1, Math.Min(Environment.ProcessorCount, batch / MinRowsPerBlock));
    }

    /// <summary>The initial state <paramref name="index"/> (in the order given to <see cref="Start"/>): a copy of it, or zeros.</summary>
    internal float[] InitialState(int index, string name)
    {
        var initial = _initialStates[index];
        var state = new float[StateSize];
        if (initial is null) return state;
        if (initial.Shape != new Shape(Batch, Units))
            throw new ArgumentException($"{Op}: the initial {name} must be ({Batch}, {Units}); received {initial.Shape}.");
        initial.Data.CopyTo(state);
        return state;
    }

    /// <summary>Starts step <paramref name="s"/> for block <paramref name="rows"/> (<paramref name="h"/> is its rows): keeps h as the state before it (for backward and skipped steps); returns the step's time index.</summary>
    internal int BeginStep(int s, ReadOnlySpan<float> h, RowBlock rows)
    {
        int t = TimeAt(s);
        if (KeepsPreviousState) h.CopyTo(StateRows(HPrev, t, rows));
        return t;
    }

    /// <summary>Ends step <paramref name="s"/> for block <paramref name="rows"/>: samples that skip it keep their previous h, and h goes into the sequence output.</summary>
    internal void EndStep(int s, Span<float> h, RowBlock rows)
    {
        int t = TimeAt(s);
        RestoreSkipped(t, h, StateRows(HPrev, t, rows), rows);
        if (Sequence is null) return;
        for (int i = 0; i < rows.Count; i++)
            h.Slice(i * Units, Units).CopyTo(Sequence.Data.Slice(((rows.First + i) * Steps + s) * Units, Units));
    }

    /// <summary>
    /// The op's result: the sequence (or the last h) and each final state as its own tensor, with
    /// <paramref name="backward"/> recorded on them when an input needs a gradient.
    /// </summary>
    internal RecurrentResult Finish(Action<GradNode> backward, params float[][] finalStates)
    {
        var states = new Tensor[finalStates.Length];
        for (int i = 0; i < states.Length; i++)
        {
            states[i] = Tensor.Empty(new Shape(Batch, Units));
            finalStates[i].CopyTo(states[i].Data);
        }
        var output = Sequence ?? Tensor.Empty(new Shape(Batch, Units));
        if (Sequence is null) finalStates[0].CopyTo(output.Data);
        if (Recording) Tape.Record(Op, [output, .. states], AutogradInputs(), backward);
        return new RecurrentResult(output, states);
    }

    /// <summary>The autograd inputs in a fixed order: x, kernel, recurrent kernel, bias, then the initial states (placeholders where absent).</summary>
    private Tensor[] AutogradInputs() => [X, Kernel, RecurrentKernel, Bias ?? Placeholder(), .. _initialStates.Select(s => s ?? Placeholder())];

    private static Tensor Placeholder() => Tensor.Scalar(0);
}
