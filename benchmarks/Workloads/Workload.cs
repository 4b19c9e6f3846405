using System.Diagnostics;

namespace Microsoft.ML.FunctionalDnn.Benchmarks.Workloads;

/// <summary>
/// One reference workload of WORKLOADS.md: data, a loss for a batch of sample indices, sizes.
/// <see cref="Fit"/> runs the same loop as pytorch_twins.py: a random permutation per epoch,
/// batches gathered from it, forward, backward, RMSprop step.
/// </summary>
internal abstract class Workload
{
    public abstract string Name { get; }

    protected abstract int Samples { get; }

    protected abstract int Epochs { get; }

    protected abstract int BatchSize { get; }

    /// <summary>Builds fresh weights and data from the seed.</summary>
    protected abstract void Setup(RandomGenerator random, EngineModel model);

    /// <summary>The loss of the batch of samples <paramref name="indices"/>.</summary>
    protected abstract Tensor Loss(Tensor indices);

    /// <summary>Seconds for the whole training loop.</summary>
    public double Fit(long seed)
    {
        var random = new RandomGenerator(seed);
        var model = new EngineModel(random);
        Setup(random, model);
        var sw = Stopwatch.StartNew();
        for (int epoch = 0; epoch < Epochs; epoch++)
        {
            var perm = random.Permutation(Samples);
            for (int start = 0; start < Samples; start += BatchSize)
            {
                using var scope = TensorScope.Begin();
                var idx = Tensor.FromArray(perm[start..Math.Min(Samples, start + BatchSize)]);
                Loss(idx).Backward();
                model.RmsPropStep();
            }
        }
        return sw.Elapsed.TotalSeconds;
    }

    /// <summary>Rows <paramref name="indices"/> of an int32 tensor (a batch of token ids).</summary>
    protected static Tensor Rows(Tensor data, Tensor indices)
    {
        int row = data.Size / data.Shape[0];
        var ids = indices.IntData;
        var result = Tensor.Zeros(data.Shape.With(0, ids.Length), data.DType);
        for (int i = 0; i < ids.Length; i++)
        {
            if (data.DType == DType.Int32) data.IntData.Slice(ids[i] * row, row).CopyTo(result.IntData.Slice(i * row, row));
            else data.Data.Slice(ids[i] * row, row).CopyTo(result.Data.Slice(i * row, row));
        }
        return result;
    }

    protected static Tensor Dense(Tensor x, Tensor kernel, Tensor bias) => Ops.Add(Ops.MatMul(x, kernel), bias);

    protected static Tensor OneHotRandom(RandomGenerator r, int n, int classes) =>
        Ops.OneHot(Tensor.RandomInts(new Shape(n), 0, classes, r), classes);
}
