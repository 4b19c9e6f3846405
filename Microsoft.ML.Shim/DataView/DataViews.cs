using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>
/// Rows of a .NET collection read through the class's members (LoadFromEnumerable). Nothing is
/// copied: each cursor enumerates the collection again, so it must be repeatable (a list, an
/// array, or an enumerable that yields the same rows each time).
/// </summary>
internal sealed class EnumerableDataView<TRow>(IEnumerable<TRow> data, IReadOnlyList<MemberColumn> columns) : IDataView where TRow : class
{
    private IEnumerable<TRow> Data { get; } = data;

    private IReadOnlyList<MemberColumn> Columns { get; } = columns;

    public bool CanShuffle => Data is IList<TRow>;

    public DataViewSchema Schema { get; } = DataViewSchema.Create(columns.Select(c => new DataViewSchema.DetachedColumn(c.Name, c.ColumnType)));

    public long? GetRowCount() => Data is ICollection<TRow> c ? c.Count : Data is IReadOnlyCollection<TRow> r ? r.Count : null;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, columnsNeeded, rand is not null && Data is IList<TRow> list ? Permutation(list.Count, rand) : null);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [GetRowCursor(columnsNeeded, rand)];

    private static int[] Permutation(int n, Random rand)
    {
        var order = Enumerable.Range(0, n).ToArray();
        rand.Shuffle(order);
        return order;
    }

    private sealed class Cursor : CursorBase
    {
        private readonly EnumerableDataView<TRow> _view;
        private readonly IEnumerator<TRow>? _enumerator;
        private readonly int[]? _order;
        private TRow? _current;
        private int _index = -1;

        internal Cursor(EnumerableDataView<TRow> view, IEnumerable<DataViewSchema.Column> active, int[]? order) : base(view.Schema, active)
        {
            (_view, _order) = (view, order);
            if (order is null) _enumerator = view.Data.GetEnumerator();
        }

        protected override long RowId => _order is null ? Position : _order[_index];

        protected override Delegate MakeGetter(int index) =>
            TypeMapping.Getter(_view.Columns[index], () => _current ?? throw new InvalidOperationException("The cursor is not on a row; call MoveNext first."));

        protected override bool Advance()
        {
            if (_order is not null)
            {
                if (++_index >= _order.Length) return false;
                _current = ((IList<TRow>)_view.Data)[_order[_index]];
            }
            else
            {
                if (!_enumerator!.MoveNext()) return false;
                _current = _enumerator.Current ?? throw new InvalidOperationException($"Row {Position + 1} of the collection is null.");
            }
            return true;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _enumerator?.Dispose();
            base.Dispose(disposing);
        }
    }
}

/// <summary>Rows held in memory (the result of Cache): random access, O(1) row count, shuffling cursors.</summary>
internal sealed class InMemoryDataView : IDataView
{
    private readonly List<object?[]> _rows;

    private InMemoryDataView(DataViewSchema schema, List<object?[]> rows) => (Schema, _rows) = (schema, rows);

    public bool CanShuffle => true;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _rows.Count;

    /// <summary>Reads every row of <paramref name="source"/> (all columns) into memory.</summary>
    internal static InMemoryDataView Read(IDataView source)
    {
        var columns = source.Schema.ToList();
        var rows = new List<object?[]>();
        using var cursor = source.GetRowCursor(columns);
        var getters = RowSnapshot.Getters(cursor, columns);
        while (cursor.MoveNext()) rows.Add(RowSnapshot.Read(getters));
        return new InMemoryDataView(source.Schema, rows);
    }

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        int[]? order = null;
        if (rand is not null)
        {
            order = Enumerable.Range(0, _rows.Count).ToArray();
            rand.Shuffle(order);
        }
        return new Cursor(this, columnsNeeded, order);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(InMemoryDataView view, IEnumerable<DataViewSchema.Column> active, int[]? order) : CursorBase(view.Schema, active)
    {
        private int _index = -1;

        protected override long RowId => order?[_index] ?? _index;

        protected override Delegate MakeGetter(int index) => RowSnapshot.Serve(Schema[index].Type.RawType, () => view._rows[order?[_index] ?? _index], index);

        protected override bool Advance() => ++_index < view._rows.Count;
    }
}

/// <summary>
/// The rows of a source whose index passes a test (train/test splits, skip and take): streamed
/// from the source's cursor, nothing copied.
/// </summary>
internal sealed class FilteredDataView(IDataView source, Func<long, bool> keep, long? count) : IDataView
{
    public bool CanShuffle => false;

    public DataViewSchema Schema => source.Schema;

    public long? GetRowCount() => count;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(source.GetRowCursor(columnsNeeded), keep, columnsNeeded);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(DataViewRowCursor inner, Func<long, bool> keep, IEnumerable<DataViewSchema.Column> active) : CursorBase(inner.Schema, active)
    {
        protected override long RowId => inner.Position;

        protected override Delegate MakeGetter(int index) =>
            (Delegate)typeof(DataViewRow).GetMethod(nameof(DataViewRow.GetGetter))!.MakeGenericMethod(Schema[index].Type.RawType).Invoke(inner, [Schema[index]])!;

        protected override bool Advance()
        {
            while (inner.MoveNext())
                if (keep(inner.Position)) return true;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}

/// <summary>
/// ML.NET's pool shuffle: rows stream from the source into a pool of <c>poolSize</c>, and each
/// next row is drawn at random from the pool; deterministic for a seed, and memory bounded by the
/// pool (not the data).
/// </summary>
internal sealed class ShuffledDataView(IDataView source, int seed, int poolSize, bool shuffleSource) : IDataView
{
    public bool CanShuffle => true;

    public DataViewSchema Schema => source.Schema;

    public long? GetRowCount() => source.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(source, columnsNeeded.ToList(), rand ?? new Random(seed), poolSize, shuffleSource);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : CursorBase
    {
        private readonly DataViewRowCursor _inner;
        private readonly List<DataViewSchema.Column> _columns;
        private readonly Delegate[] _getters;
        private readonly List<(long Id, object?[] Values)> _pool = [];
        private readonly Random _random;
        private readonly int _poolSize;
        private (long Id, object?[] Values) _current;
        private bool _sourceDone;

        internal Cursor(IDataView source, List<DataViewSchema.Column> active, Random random, int poolSize, bool shuffleSource) : base(source.Schema, active)
        {
            _columns = [.. source.Schema];
            _inner = source.GetRowCursor(active, shuffleSource && source.CanShuffle ? new Random(random.Next()) : null);
            _getters = [.. _columns.Select(c => active.Any(a => a.Index == c.Index)
                ? RowSnapshot.Getters(_inner, [c])[0] : null!)];
            (_random, _poolSize) = (random, Math.Max(1, poolSize));
        }

        protected override long RowId => _current.Id;

        protected override Delegate MakeGetter(int index) => RowSnapshot.Serve(Schema[index].Type.RawType, () => _current.Values, index);

        protected override bool Advance()
        {
            while (!_sourceDone && _pool.Count < _poolSize)
            {
                if (!_inner.MoveNext())
                {
                    _sourceDone = true;
                    break;
                }
                var values = new object?[_columns.Count];
                for (int i = 0; i < _columns.Count; i++)
                    if (_getters[i] is not null) values[i] = RowSnapshot.Read([_getters[i]])[0];
                _pool.Add((_inner.Position, values));
            }
            if (_pool.Count == 0) return false;
            int pick = _random.Next(_pool.Count);
            _current = _pool[pick];
            _pool[pick] = _pool[^1];
            _pool.RemoveAt(_pool.Count - 1);
            return true;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
