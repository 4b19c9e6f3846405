using System.Numerics.Tensors;
using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed;

/// <summary>
/// What every fused recurrent op (Lstm, Gru, SimpleRnn) shares, so that each op's file holds only
/// its cell: the checks of x, the kernels, the bias and the mask; the input projection of all steps
/// in one GEMM (time-major, so each step's rows are contiguous); the state before each step, the
/// skipped steps of a mask and the sequence output; the autograd inputs and outputs. The backward
/// half is in RecurrentSequence.Gradients.cs.
/// </summary>
internal sealed partial class RecurrentSequence
{
    private readonly List<Tensor?> _initialStates = [];

    private RecurrentSequence(string op, Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias, int gates, bool returnSequences, bool goBackwards)
    {
        (Op, X, Kernel, RecurrentKernel, Bias, Gates, ReturnSequences, GoBackwards) = (op, x, kernel, recurrentKernel, bias, gates, returnSequences, goBackwards);
        Batch = x.Shape[0];
        Steps = x.Shape[1];
        Features = x.Shape[2];
        Units = recurrentKernel.Shape[0];
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

    /// <summary>One state for the whole batch: batch · units values.</summary>
    internal int StateSize => Batch * Units;

    /// <summary>x as (steps · batch, features), time-major.</summary>
    internal Tensor TimeMajorX { get; private set; } = null!;

    /// <summary>(steps · batch, gates · units) = x·W + bias for every step, time-major.</summary>
    internal Tensor Projected { get; private set; } = null!;

    /// <summary>The state h before each step, by time index: (steps · batch, units).</summary>
    internal Tensor HPrev { get; private set; } = null!;

    /// <summary>The (batch, steps, units) output when the op returns sequences, else null.</summary>
    internal Tensor? Sequence { get; private set; }

    /// <summary>
    /// Checks the shapes, reads the mask and projects every step (<see cref="Projected"/>); a bias
    /// of <paramref name="biasRows"/> rows (Gru with reset_after: 2) adds its first row here.
    /// </summary>
    internal static RecurrentSequence Start(string op, Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias, int gates, int biasRows,
        Tensor? mask, bool returnSequences, bool goBackwards)
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
        var seq = new RecurrentSequence(op, x, kernel, recurrentKernel, bias, gates, returnSequences, goBackwards);
        seq.UseMask(mask);
        seq.TimeMajorX = Tensor.Empty(new Shape(seq.Steps * seq.Batch, seq.Features));
        PermuteKernel.Permute<float>(x.Data, seq.TimeMajorX.Data, new Shape(seq.Batch, seq.Steps, seq.Features), [1, 0, 2]);
        int rows = seq.Steps * seq.Batch, width = seq.Width;
        seq.Projected = Tensor.Empty(new Shape(rows, width));
        Gemm.Multiply(false, false, rows, width, seq.Features, seq.TimeMajorX.Data, seq.Features, kernel.Data, width, seq.Projected.Data, width, false);
        if (bias is not null)
        {
            var inputBias = bias.Data[..width];
            for (int r = 0; r < rows; r++) TensorPrimitives.Add(seq.Projected.Data.Slice(r * width, width), inputBias, seq.Projected.Data.Slice(r * width, width));
        }
        seq.HPrev = Tensor.Empty(new Shape(rows, seq.Units));
        seq.Sequence = returnSequences ? Tensor.Empty(new Shape(seq.Batch, seq.Steps, seq.Units)) : null;
        return seq;
    }

    /// <summary>The time index processed at step <paramref name="s"/>.</summary>
    internal int TimeAt(int s) => GoBackwards ? Steps - 1 - s : s;

    /// <summary>Time index <paramref name="t"/>'s rows of block <paramref name="rows"/> in a (steps · batch, units) tensor.</summary>
    internal Span<float> StateRows(Tensor perStep, int t, RowBlock rows) => perStep.Data.Slice((t * Batch + rows.First) * Units, rows.Count * Units);

    /// <summary>Time index <paramref name="t"/>'s rows of block <paramref name="rows"/> in a (steps · batch, gates · units) tensor.</summary>
    internal Span<float> GateRows(Tensor perStep, int t, RowBlock rows) => perStep.Data.Slice((t * Batch + rows.First) * Width, rows.Count * Width);

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

    /// <summary>
    /// The initial state: a copy of <paramref name="initial"/>, or zeros. Called once per state, in
    /// the order of the op's state arguments, which is also their order among the autograd inputs.
    /// </summary>
    internal float[] InitialState(Tensor? initial, string name)
    {
        _initialStates.Add(initial);
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
        h.CopyTo(StateRows(HPrev, t, rows));
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
        // The autograd inputs in a fixed order: x, kernel, recurrent kernel, bias, then the initial states (placeholders where absent).
        Tensor[] inputs = [X, Kernel, RecurrentKernel, Bias ?? Placeholder(), .. _initialStates.Select(s => s ?? Placeholder())];
        if (Tape.ShouldRecord(inputs)) Tape.Record(Op, [output, .. states], inputs, backward);
        return new RecurrentResult(output, states);
    }

    private static Tensor Placeholder() => Tensor.Scalar(0);
}
