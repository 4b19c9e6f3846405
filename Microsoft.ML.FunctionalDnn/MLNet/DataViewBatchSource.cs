namespace Microsoft.ML.FunctionalDnn.Transforms;

/// <summary>
/// Training batches streamed from a data view's cursor: rows are read a batch at a time straight
/// into the batch's tensors, so the data view is never held in memory whole. A shuffled epoch uses
/// the view's own random order when it can shuffle (a cached view, an in-memory one), otherwise
/// ML.NET's pool shuffle over 1,000 rows (<c>ShuffleRows</c> with <c>shuffleSource: false</c>).
/// </summary>
internal sealed class DataViewBatchSource(IDataView data, IReadOnlyList<ColumnBinding> inputs, IReadOnlyList<ColumnBinding> labels, int count) : IBatchSource
{
    private const int ShufflePool = 1000;

    public int Count => count;

    /// <summary>The number of rows: known at once for most views, otherwise counted with one pass.</summary>
    internal static int CountRows(IDataView data)
    {
        if (data.GetRowCount() is long n) return checked((int)n);
        int rows = 0;
        using var cursor = data.GetRowCursor([]);
        while (cursor.MoveNext()) rows++;
        return rows;
    }

    public IEnumerable<Batch> Batches(int batchSize, RandomGenerator? shuffle)
    {
        var view = data;
        Random? order = null;
        if (shuffle is not null)
        {
            int seed = (int)(shuffle.NextUInt64() >> 33);
            if (data.CanShuffle) order = new Random(seed);
            else view = new MLContext(seed).Data.ShuffleRows(data, seed, ShufflePool, shuffleSource: false);
        }
        var (cursor, batches) = Open(view, order, shuffled: shuffle is not null);
        using var disposing = cursor;
        long first = 0;
        foreach (var b in batches) b.Clear(first);
        while (true)
        {
            bool more = cursor.MoveNext();
            if (more) AddRow(batches, shuffled: shuffle is not null);
            int rows = batches[0].Count;
            if (rows == batchSize || (!more && rows > 0))
            {
                yield return new Batch([.. batches.Take(inputs.Count).Select(b => b.ToTensor())], [.. batches.Skip(inputs.Count).Select(b => b.ToTensor())], null);
                first += rows;
                foreach (var b in batches) b.Clear(first);
            }
            if (!more) yield break;
        }
    }

    /// <summary>Reads the cursor's row into every batch. A bad value in a shuffled epoch is looked up again in the data's own order, so the error gives the row of the user's data.</summary>
    private void AddRow(List<ColumnBatch> batches, bool shuffled)
    {
        try
        {
            foreach (var b in batches) b.Add();
        }
        catch (InvalidDataException) when (shuffled)
        {
            Validate();
            throw;
        }
    }

    /// <summary>A cursor over the bound columns of <paramref name="view"/> and a batch buffer per binding (inputs, then labels).</summary>
    private (DataViewRowCursor Cursor, List<ColumnBatch> Batches) Open(IDataView view, Random? order, bool shuffled)
    {
        var bindings = inputs.Concat(labels).ToList();
        // By name: a shuffled view may number its columns differently.
        var cursor = view.GetRowCursor(bindings.Select(b => view.Schema[b.Column.Name]).DistinctBy(c => c.Index), order);
        return (cursor, [.. bindings.Select(b => b.NewBatch(cursor, shuffled))]);
    }

    /// <summary>Reads every row in the data's order and checks its values; throws the first error (which names the row's position).</summary>
    /// <exception cref="InvalidDataException">A value the model cannot take.</exception>
    internal void Validate()
    {
        var (cursor, batches) = Open(data, order: null, shuffled: false);
        using var disposing = cursor;
        for (long row = 0; cursor.MoveNext(); row++)
            foreach (var b in batches)
            {
                b.Clear(row);
                b.Add();
            }
    }
}
