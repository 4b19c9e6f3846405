using System.Numerics.Tensors;
using Microsoft.ML.FunctionalDnn.Kernels;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// The parts every fused recurrent op shares: the input projection of all steps in one GEMM
/// (time-major, so each step's rows are contiguous), the matching input-side gradients, and the
/// bookkeeping of inputs and outputs.
/// </summary>
internal sealed class RecurrentSequence
{
    private RecurrentSequence(Tensor x, int units, int gates)
    {
        X = x;
        Batch = x.Shape[0];
        Steps = x.Shape[1];
        Features = x.Shape[2];
        Units = units;
        Gates = gates;
    }

    internal Tensor X { get; }

    internal int Batch { get; }

    internal int Steps { get; }

    internal int Features { get; }

    internal int Units { get; }

    /// <summary>Gate blocks per step: 4 (LSTM), 3 (GRU), 1 (SimpleRNN).</summary>
    internal int Gates { get; }

    internal int Width => Gates * Units;

    /// <summary>x as (steps · batch, features), time-major.</summary>
    internal Tensor TimeMajorX { get; private set; } = null!;

    /// <summary>The time index processed at step <paramref name="s"/>.</summary>
    internal int TimeAt(int s, bool goBackwards) => goBackwards ? Steps - 1 - s : s;

    /// <summary>Checks the shapes and projects every step: returns (steps · batch, gates · units) = x·W + bias.</summary>
    internal static RecurrentSequence Start(string op, Tensor x, Tensor kernel, Tensor recurrentKernel, int gates,
        Tensor? bias, int biasRows, out Tensor projected)
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
        var seq = new RecurrentSequence(x, units, gates);
        seq.TimeMajorX = Tensor.Empty(new Shape(seq.Steps * seq.Batch, seq.Features));
        PermuteKernel.Permute<float>(x.Data, seq.TimeMajorX.Data, new Shape(seq.Batch, seq.Steps, seq.Features), [1, 0, 2]);
        int rows = seq.Steps * seq.Batch, width = seq.Width;
        projected = Tensor.Empty(new Shape(rows, width));
        Gemm.Multiply(false, false, rows, width, seq.Features, seq.TimeMajorX.Data, seq.Features, kernel.Data, width, projected.Data, width, false);
        if (bias is not null)
        {
            var inputBias = bias.Data[..width];
            for (int r = 0; r < rows; r++) TensorPrimitives.Add(projected.Data.Slice(r * width, width), inputBias, projected.Data.Slice(r * width, width));
        }
        return seq;
    }

    /// <summary>Per (time index, sample): true where the step is skipped (mask 0). Null without a mask.</summary>
    internal bool[]? Skipped { get; private set; }

    /// <summary>Reads a (batch, steps) mask (non-zero keeps a step); steps where it is 0 leave the state unchanged.</summary>
    internal void UseMask(Tensor? mask, string op)
    {
        if (mask is null) return;
        if (mask.Shape != new Shape(Batch, Steps))
            throw new ArgumentException($"{op}: the mask must be (batch, steps) = ({Batch}, {Steps}); received {mask.Shape}.");
        var skipped = new bool[Steps * Batch];
        for (int b = 0; b < Batch; b++)
            for (int t = 0; t < Steps; t++)
                skipped[t * Batch + b] = mask.DType == DType.Float32 ? mask.Data[b * Steps + t] == 0 : mask.IntData[b * Steps + t] == 0;
        Skipped = skipped;
    }

    /// <summary>Whether sample <paramref name="b"/> skips time index <paramref name="t"/>.</summary>
    internal bool Skips(int t, int b) => Skipped is not null && Skipped[t * Batch + b];

    /// <summary>Whether any sample skips time index <paramref name="t"/>.</summary>
    internal bool AnySkips(int t)
    {
        if (Skipped is null) return false;
        for (int b = 0; b < Batch; b++) if (Skipped[t * Batch + b]) return true;
        return false;
    }

    /// <summary>Copies the rows of samples that skip time index <paramref name="t"/> from <paramref name="source"/> into <paramref name="state"/>.</summary>
    internal void RestoreSkipped(int t, Span<float> state, ReadOnlySpan<float> source)
    {
        if (Skipped is null) return;
        for (int b = 0; b < Batch; b++)
            if (Skipped[t * Batch + b]) source.Slice(b * Units, Units).CopyTo(state.Slice(b * Units, Units));
    }

    /// <summary>The initial state: a copy of <paramref name="initial"/>, or zeros.</summary>
    internal float[] InitialState(Tensor? initial, string op, string name)
    {
        var state = new float[Batch * Units];
        if (initial is null) return state;
        if (initial.Shape != new Shape(Batch, Units))
            throw new ArgumentException($"{op}: the initial {name} must be ({Batch}, {Units}); received {initial.Shape}.");
        initial.Data.CopyTo(state);
        return state;
    }

    /// <summary>
    /// Given d(x·W + b) for every step, adds dx, dW and the bias gradient; a (2, width) bias (GRU with
    /// reset_after) takes <paramref name="recurrentBiasGrad"/> as its second row.
    /// </summary>
    internal void InputGradients(GradNode node, Tensor dProjected, Tensor kernel, Tensor? bias, ReadOnlySpan<float> recurrentBiasGrad = default)
    {
        int rows = Steps * Batch, width = Width;
        if (node.NeedsGrad(1))
        {
            var dw = Tensor.Empty(kernel.Shape);
            Gemm.Multiply(true, false, Features, width, rows, TimeMajorX.Data, Features, dProjected.Data, width, dw.Data, width, false);
            node.AccumulateInputGrad(1, dw);
        }
        if (bias is not null && node.NeedsGrad(3))
        {
            var db = Tensor.Zeros(bias.Shape);
            var inputPart = db.Data[..width];
            for (int r = 0; r < rows; r++) TensorPrimitives.Add(inputPart, dProjected.Data.Slice(r * width, width), inputPart);
            if (!recurrentBiasGrad.IsEmpty) recurrentBiasGrad.CopyTo(db.Data[width..]);
            node.AccumulateInputGrad(3, db);
        }
        if (node.NeedsGrad(0))
        {
            var dxT = Tensor.Empty(new Shape(rows, Features));
            Gemm.Multiply(false, true, rows, Features, width, dProjected.Data, width, kernel.Data, width, dxT.Data, Features, false);
            var dx = Tensor.Empty(X.Shape);
            PermuteKernel.Permute<float>(dxT.Data, dx.Data, new Shape(Steps, Batch, Features), [1, 0, 2]);
            node.AccumulateInputGrad(0, dx);
        }
    }

    /// <summary>The op's autograd inputs in a fixed order: x, kernel, recurrent kernel, bias, then initial states (placeholders where absent).</summary>
    internal static Tensor[] Inputs(Tensor x, Tensor kernel, Tensor recurrentKernel, Tensor? bias, params Tensor?[] initial)
    {
        var list = new List<Tensor> { x, kernel, recurrentKernel, bias ?? Placeholder() };
        foreach (var s in initial) list.Add(s ?? Placeholder());
        return [.. list];
    }

    private static Tensor Placeholder() => Tensor.Scalar(0);

    /// <summary>Copies state h into step <paramref name="s"/> of a (batch, steps, units) output.</summary>
    internal void WriteStep(Span<float> sequence, ReadOnlySpan<float> h, int s)
    {
        for (int b = 0; b < Batch; b++) h.Slice(b * Units, Units).CopyTo(sequence.Slice((b * Steps + s) * Units, Units));
    }

    /// <summary>The gradient arriving at the last state: from the state output and, without sequences, from the output.</summary>
    internal float[] FinalStateGrad(GradNode node, bool returnSequences, int stateIndex)
    {
        var d = new float[Batch * Units];
        if (node.OutputGrad(1 + stateIndex) is { } gs) TensorPrimitives.Add(d, gs.Data, d);
        if (stateIndex == 0 && !returnSequences && node.OutputGrad(0) is { } go) TensorPrimitives.Add(d, go.Data, d);
        return d;
    }

    /// <summary>Adds step <paramref name="s"/> of the sequence output's gradient into dh.</summary>
    internal void AddStepGrad(GradNode node, bool returnSequences, Span<float> dh, int s)
    {
        if (!returnSequences || node.OutputGrad(0) is not { } go) return;
        var g = go.Data;
        for (int b = 0; b < Batch; b++)
        {
            var row = dh.Slice(b * Units, Units);
            TensorPrimitives.Add(row, g.Slice((b * Steps + s) * Units, Units), row);
        }
    }

    /// <summary>Wraps the outputs: the sequence (or last h) and each final state as its own tensor.</summary>
    internal Tensor[] Outputs(Tensor? sequence, params float[][] states)
    {
        var result = new Tensor[1 + states.Length];
        for (int i = 0; i < states.Length; i++)
        {
            result[1 + i] = Tensor.Empty(new Shape(Batch, Units));
            states[i].CopyTo(result[1 + i].Data);
        }
        if (sequence is not null) result[0] = sequence;
        else
        {
            result[0] = Tensor.Empty(new Shape(Batch, Units));
            states[0].CopyTo(result[0].Data);
        }
        return result;
    }

    /// <summary>dU = Σ over steps of h_prevᵀ · d(recurrent pre-activation): one GEMM over the whole sequence.</summary>
    internal void RecurrentKernelGrad(GradNode node, Tensor hPrev, Tensor dRecurrent, Tensor recurrentKernel)
    {
        if (!node.NeedsGrad(2)) return;
        var du = Tensor.Empty(recurrentKernel.Shape);
        Gemm.Multiply(true, false, Units, Width, Steps * Batch, hPrev.Data, Units, dRecurrent.Data, Width, du.Data, Width, false);
        node.AccumulateInputGrad(2, du);
    }

    /// <summary>Passes the gradient of each initial state to its input, if it requires one.</summary>
    internal static void InitialStateGrad(GradNode node, int inputIndex, float[] d)
    {
        if (!node.NeedsGrad(inputIndex)) return;
        var t = Tensor.Empty(node.Inputs[inputIndex].Shape);
        d.CopyTo(t.Data);
        node.AccumulateInputGrad(inputIndex, t);
    }
}
