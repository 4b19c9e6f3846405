namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// One batch of training or evaluation data: a tensor per model input and per output, and optional
/// sample weights; in data-parallel training, this rank's rows of a global batch of <paramref name="GlobalRows"/>.
/// </summary>
internal readonly record struct Batch(Tensor[] X, Tensor[] Y, Tensor? Weights, int GlobalRows = 0)
{
    internal int Count => X[0].Shape[0];
}

/// <summary>This rank's share of every global batch of another source (data-parallel training): the same batches, split evenly over the ranks.</summary>
internal sealed class ShardedBatchSource(IBatchSource inner, Distributed.DataParallel parallel) : IBatchSource
{
    public int Count => inner.Count;

    public IEnumerable<Batch> Batches(int batchSize, RandomGenerator? shuffle)
    {
        foreach (var batch in inner.Batches(batchSize, shuffle))
        {
            var (start, count) = parallel.Share(batch.Count);
            yield return new Batch([.. batch.X.Select(t => t.SliceBatch(start, count))], [.. batch.Y.Select(t => t.SliceBatch(start, count))],
                batch.Weights?.SliceBatch(start, count), batch.Count);
        }
    }
}

/// <summary>
/// Where Fit and Evaluate read their samples from: tensors in memory, or a stream of batches
/// (an ML.NET IDataView read through cursors). Batches come in order, or shuffled by the epoch's
/// random generator when one is given.
/// </summary>
internal interface IBatchSource
{
    /// <summary>The number of samples.</summary>
    int Count { get; }

    /// <summary>The samples in batches of <paramref name="batchSize"/>; targets ready for the losses.</summary>
    IEnumerable<Batch> Batches(int batchSize, RandomGenerator? shuffle);
}

/// <summary>Samples held as tensors (Fit's arrays); a batch gathers its rows.</summary>
internal sealed class TensorBatchSource(Tensor[] inputs, Tensor[] targets, Tensor? weights, int count) : IBatchSource
{
    public int Count => count;

    public IEnumerable<Batch> Batches(int batchSize, RandomGenerator? shuffle)
    {
        if (shuffle is null)
        {
            // In order: the batches are views of the tensors, nothing copied.
            for (int start = 0; start < count; start += batchSize)
            {
                int size = Math.Min(batchSize, count - start);
                yield return new Batch([.. inputs.Select(t => t.SliceBatch(start, size))], [.. targets.Select(t => t.SliceBatch(start, size))], weights?.SliceBatch(start, size));
            }
            yield break;
        }
        var order = shuffle.Permutation(count);
        for (int start = 0; start < count; start += batchSize)
        {
            var rows = order[start..Math.Min(count, start + batchSize)];
            yield return DataSpec.Rows(inputs, targets, weights, rows);
        }
    }
}
