using Microsoft.ML.FunctionalDnn.Backends;
using Microsoft.ML.FunctionalDnn.Backends.Managed;
using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn.Tests.Backends.Managed;

/// <summary>
/// The managed engine's recurrent ops carry blocks of the batch through the whole sequence on
/// separate cores. Splitting must change nothing: outputs, final states and every gradient are
/// bit-identical for one block and for uneven splits, with masks (holes, left padding, a fully
/// masked sample), sequences and go_backwards.
/// </summary>
[TestClass]
public sealed class RecurrentRowBlockTests : BackendTestBase
{
    private const int Batch = 19, Steps = 9, Features = 5, Units = 6;

    protected override string BackendName => "managed";

    public static IEnumerable<object[]> Cases()
    {
        foreach (var op in new[] { "lstm", "gru", "simple_rnn" })
            foreach (var (sequences, backwards, masked) in new[] { (false, false, false), (true, false, true), (true, true, true), (false, true, true) })
                yield return [op, sequences, backwards, masked];
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void SplittingTheBatchChangesNoBit(string op, bool returnSequences, bool goBackwards, bool masked)
    {
        float[][] Run(int blocks)
        {
            RecurrentSequence.ForcedRowBlocks = blocks;
            Parallelism.ForcedParts = blocks; // the input-side gradients split their steps
            try
            {
                var r = new RandomGenerator(11);
                var (x, kernel, recurrent, bias) = Weights(op, r);
                var h0 = Tensor.Uniform(new Shape(Batch, Units), -0.5f, 0.5f, r);
                var mask = masked ? Mask(r) : null;
                Tensor[] inputs = [x, kernel, recurrent, bias, h0];
                foreach (var t in inputs) t.RequiresGrad = true;
                var result = Call(op, x, kernel, recurrent, bias, h0, returnSequences, goBackwards, mask);
                // Weighted sums of every output, so that each element's gradient differs.
                var loss = Ops.Sum(Ops.Multiply(result.Output, Tensor.Uniform(result.Output.Shape, -1, 1, r)));
                foreach (var state in result.States) loss = Ops.Add(loss, Ops.Sum(Ops.Multiply(state, Tensor.Uniform(state.Shape, -1, 1, r))));
                loss.Backward();
                return [result.Output.ToArray(), .. result.States.Select(s => s.ToArray()), .. inputs.Select(t => t.Grad!.ToArray())];
            }
            finally
            {
                RecurrentSequence.ForcedRowBlocks = null;
                Parallelism.ForcedParts = null;
            }
        }
        var whole = Run(1);
        foreach (int blocks in new[] { 2, 3, 7 })
        {
            var split = Run(blocks);
            Assert.HasCount(whole.Length, split);
            for (int i = 0; i < whole.Length; i++)
                CollectionAssert.AreEqual(whole[i], split[i], $"{op}, {blocks} blocks: result {i} (output, states, then the gradients of x, kernel, recurrent kernel, bias, h0)");
        }
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void InferenceKeepsOneStepAndGivesTheSameBitsAsTraining(string op, bool returnSequences, bool goBackwards, bool masked)
    {
        // Off the tape the op keeps only the current step's gates and states; on it, every step.
        // The forward arithmetic is the same, so outputs and final states must be the same bits.
        float[][] Run(bool recording)
        {
            var r = new RandomGenerator(23);
            var (x, kernel, recurrent, bias) = Weights(op, r);
            var mask = masked ? Mask(r) : null;
            kernel.RequiresGrad = recording;
            var result = Call(op, x, kernel, recurrent, bias, null, returnSequences, goBackwards, mask);
            Assert.AreEqual(recording, result.Output.RequiresGrad, "whether the op went on the tape");
            return [result.Output.ToArray(), .. result.States.Select(s => s.ToArray())];
        }
        var trained = Run(recording: true);
        var inferred = Run(recording: false);
        for (int i = 0; i < trained.Length; i++)
            CollectionAssert.AreEqual(trained[i], inferred[i], $"{op}: result {i} (output, then the final states)");
    }

    [TestMethod]
    public void OnlySequencesWorthAForkAreSplit()
    {
        Assert.AreEqual(1, RecurrentSequence.RowBlockCount(batch: 5, steps: 7, width: 16, units: 4), "a small sequence stays on one thread");
        int cores = Environment.ProcessorCount;
        Assert.AreEqual(Math.Min(cores, 128 / RecurrentSequence.MinRowsPerBlock), RecurrentSequence.RowBlockCount(batch: 128, steps: 100, width: 128, units: 32), "qa's text encoder");
        Assert.AreEqual(1, RecurrentSequence.RowBlockCount(batch: 12, steps: 1000, width: 128, units: 32), "fewer than two blocks' worth of samples");
    }

    /// <summary>x and the op's kernel, recurrent kernel and bias (two rows for Gru's reset_after).</summary>
    private static (Tensor X, Tensor Kernel, Tensor Recurrent, Tensor Bias) Weights(string op, RandomGenerator r)
    {
        int gates = op switch { "lstm" => 4, "gru" => 3, _ => 1 };
        return (Tensor.Uniform(new Shape(Batch, Steps, Features), -1, 1, r),
            Tensor.Uniform(new Shape(Features, gates * Units), -0.5f, 0.5f, r),
            Tensor.Uniform(new Shape(Units, gates * Units), -0.5f, 0.5f, r),
            Tensor.Uniform(op == "gru" ? new Shape(2, gates * Units) : new Shape(gates * Units), -0.5f, 0.5f, r));
    }

    private static RecurrentResult Call(string op, Tensor x, Tensor kernel, Tensor recurrent, Tensor bias, Tensor? h0, bool returnSequences, bool goBackwards, Tensor? mask) => op switch
    {
        "lstm" => Backend.Current.Lstm(x, kernel, recurrent, bias, h0, null, returnSequences, goBackwards, mask),
        "gru" => Backend.Current.Gru(x, kernel, recurrent, bias, h0, returnSequences, goBackwards, mask),
        _ => Backend.Current.SimpleRnn(x, kernel, recurrent, bias, h0, returnSequences, goBackwards, mask),
    };

    // Holes in the middle, left padding, a sample with every step masked; the rest unmasked.
    private static Tensor Mask(RandomGenerator r)
    {
        var values = new float[Batch * Steps];
        for (int b = 0; b < Batch; b++)
            for (int t = 0; t < Steps; t++)
                values[b * Steps + t] = b == 4 ? 0 : b % 3 == 1 ? (t < b % Steps ? 0 : 1) : r.NextFloat() < 0.25f ? 0 : 1;
        return Tensor.FromArray(values, new Shape(Batch, Steps));
    }
}
