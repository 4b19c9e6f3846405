using Microsoft.ML;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// Training batches streamed from a data view's cursor: rows are read a batch at a time and turned
/// into tensors, so the data is never copied into memory whole. Shuffled epochs use the view's own
/// random order when it has one (a cached view), otherwise a pool shuffle of 1,000 rows.
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
            else view = new ShuffledDataView(data, seed, ShufflePool, shuffleSource: false);
        }
        var columns = inputs.Concat(labels).Select(b => b.Column).DistinctBy(c => c.Index).ToList();
        var slot = inputs.Concat(labels).Select(b => columns.FindIndex(c => c.Index == b.Column.Index)).ToArray();
        using var cursor = view.GetRowCursor(columns.Select(c => view.Schema[c.Index]), order);
        var viewColumns = columns.Select(c => view.Schema[c.Index]).ToList();
        var getters = RowSnapshot.Getters(cursor, viewColumns);
        var rows = new List<object?[]>(batchSize);
        long first = 0;
        while (true)
        {
            bool more = cursor.MoveNext();
            if (more) rows.Add(RowSnapshot.Read(getters));
            if (rows.Count == batchSize || (!more && rows.Count > 0))
            {
                yield return new Batch(
                    [.. inputs.Select((b, i) => b.ToTensor([.. rows.Select(r => r[slot[i]])], first))],
                    [.. labels.Select((b, i) => b.ToTensor([.. rows.Select(r => r[slot[inputs.Count + i]])], first))],
                    null);
                first += rows.Count;
                rows.Clear();
            }
            if (!more) yield break;
        }
    }
}
