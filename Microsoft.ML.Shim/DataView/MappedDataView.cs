using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>
/// What a column-adding transformer computes (the engine behind this library's transformers):
/// from the values of some input columns, the values of new columns, row by row or in batches.
/// </summary>
internal interface IColumnMapper
{
    /// <summary>The columns added (an added column hides an input column of the same name).</summary>
    IReadOnlyList<DataViewSchema.DetachedColumn> OutputColumns { get; }

    /// <summary>The input columns read, by name.</summary>
    IReadOnlyList<string> InputColumnNames { get; }

    /// <summary>Rows mapped together (1 for a row-by-row mapper).</summary>
    int BatchSize { get; }

    /// <summary>For each input row (the values of <see cref="InputColumnNames"/>, in raw types), the values of the output columns.</summary>
    IReadOnlyList<object?[]> Map(IReadOnlyList<object?[]> inputRows);
}

/// <summary>A data view with the columns of an <see cref="IColumnMapper"/> added, computed lazily as cursors move, in batches.</summary>
internal sealed class MappedDataView : IDataView
{
    private readonly IDataView _source;
    private readonly IColumnMapper _mapper;

    internal MappedDataView(IDataView source, IColumnMapper mapper)
    {
        (_source, _mapper) = (source, mapper);
        Schema = OutputSchema(source.Schema, mapper);
    }

    public bool CanShuffle => _source.CanShuffle;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _source.GetRowCount();

    /// <summary>The input columns followed by the added ones.</summary>
    internal static DataViewSchema OutputSchema(DataViewSchema input, IColumnMapper mapper)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        builder.AddColumns(mapper.OutputColumns);
        return builder.ToSchema();
    }

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.ToList();
        int inputCount = _source.Schema.Count;
        bool anyOutput = needed.Any(c => c.Index >= inputCount);
        var sourceNeeded = needed.Where(c => c.Index < inputCount).Select(c => _source.Schema[c.Index]).ToList();
        if (anyOutput)
            foreach (var name in _mapper.InputColumnNames)
                if (sourceNeeded.All(c => c.Index != _source.Schema[name].Index)) sourceNeeded.Add(_source.Schema[name]);
        return new Cursor(this, _source.GetRowCursor(sourceNeeded, rand), needed, sourceNeeded, anyOutput);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : CursorBase
    {
        private readonly MappedDataView _view;
        private readonly DataViewRowCursor _inner;
        private readonly List<DataViewSchema.Column> _sourceColumns;
        private readonly Delegate[] _sourceGetters;
        private readonly int[] _mapperInputs;
        private readonly bool _map;
        private readonly List<(long Id, object?[] Inputs)> _batch = [];
        private IReadOnlyList<object?[]> _outputs = [];
        private int _inBatch = -1;
        private bool _done;

        internal Cursor(MappedDataView view, DataViewRowCursor inner, List<DataViewSchema.Column> active, List<DataViewSchema.Column> sourceColumns, bool map)
            : base(view.Schema, active)
        {
            (_view, _inner, _sourceColumns, _map) = (view, inner, sourceColumns, map);
            _sourceGetters = RowSnapshot.Getters(inner, sourceColumns);
            _mapperInputs = [.. view._mapper.InputColumnNames.Select(n => sourceColumns.FindIndex(c => c.Index == view._source.Schema[n].Index))];
        }

        protected override long RowId => _batch[_inBatch].Id;

        protected override Delegate MakeGetter(int index)
        {
            int inputCount = _view._source.Schema.Count;
            if (index < inputCount)
            {
                int k = _sourceColumns.FindIndex(c => c.Index == index);
                return RowSnapshot.Serve(Schema[index].Type.RawType, () => _batch[_inBatch].Inputs, k);
            }
            return RowSnapshot.Serve(Schema[index].Type.RawType, () => _outputs[_inBatch], index - inputCount);
        }

        protected override bool Advance()
        {
            if (++_inBatch < _batch.Count) return true;
            if (_done) return false;
            _batch.Clear();
            int size = _map ? Math.Max(1, _view._mapper.BatchSize) : 1;
            while (_batch.Count < size && _inner.MoveNext())
                _batch.Add((_inner.Position, RowSnapshot.Read(_sourceGetters)));
            if (_batch.Count < size) _done = true;
            _inBatch = 0;
            if (_batch.Count == 0) return false;
            if (_map) _outputs = _view._mapper.Map([.. _batch.Select(r => _mapperInputs.Select(i => r.Inputs[i]).ToArray())]);
            return true;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}

/// <summary>The row-by-row view of a column mapper (PredictionEngine's path): each row's outputs computed on demand.</summary>
internal sealed class ColumnMapperRowMapper(DataViewSchema input, IColumnMapper mapper) : IRowToRowMapper
{
    public DataViewSchema InputSchema { get; } = input;

    public DataViewSchema OutputSchema { get; } = MappedDataView.OutputSchema(input, mapper);

    private IColumnMapper Mapper { get; } = mapper;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        var result = dependingColumns.Where(c => c.Index < InputSchema.Count).Select(c => InputSchema[c.Index]).ToList();
        if (dependingColumns.Any(c => c.Index >= InputSchema.Count))
            result.AddRange(Mapper.InputColumnNames.Select(n => InputSchema[n]));
        return result.DistinctBy(c => c.Index);
    }

    public DataViewRow GetRow(DataViewRow row, IEnumerable<DataViewSchema.Column> activeColumns) => new MappedRow(this, row, activeColumns);

    private sealed class MappedRow : DataViewRow
    {
        private readonly ColumnMapperRowMapper _owner;
        private readonly DataViewRow _input;
        private readonly HashSet<int> _active;
        private readonly List<DataViewSchema.Column> _mapperColumns;
        private readonly Delegate[] _mapperGetters;
        private long _cachedPosition = long.MinValue;
        private object?[] _outputs = [];

        internal MappedRow(ColumnMapperRowMapper owner, DataViewRow input, IEnumerable<DataViewSchema.Column> active)
        {
            (_owner, _input) = (owner, input);
            _active = [.. active.Select(c => c.Index)];
            _mapperColumns = [.. owner.Mapper.InputColumnNames.Select(n => owner.InputSchema[n])];
            _mapperGetters = _mapperColumns.Any(c => !input.IsColumnActive(c)) ? [] : RowSnapshot.Getters(input, _mapperColumns);
        }

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override DataViewSchema Schema => _owner.OutputSchema;

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!IsColumnActive(column)) throw new InvalidOperationException($"Column '{column.Name}' is not active in this row.");
            if (column.Type.RawType != typeof(TValue))
                throw new InvalidOperationException($"Column '{column.Name}' is of type {column.Type} (raw type {column.Type.RawType.Name}); it was read as {typeof(TValue).Name}.");
            int inputCount = _owner.InputSchema.Count;
            if (column.Index < inputCount) return _input.GetGetter<TValue>(_owner.InputSchema[column.Index]);
            int k = column.Index - inputCount;
            return (ValueGetter<TValue>)RowSnapshot.Serve(typeof(TValue), Current, k);
        }

        private object?[] Current()
        {
            if (_cachedPosition != _input.Position || _input.Position < 0)
            {
                if (_mapperGetters.Length == 0) throw new InvalidOperationException($"The input row must have the columns [{string.Join(", ", _mapperColumns.Select(c => c.Name))}] active.");
                _outputs = _owner.Mapper.Map([RowSnapshot.Read(_mapperGetters)])[0];
                _cachedPosition = _input.Position;
            }
            return _outputs;
        }
    }
}
