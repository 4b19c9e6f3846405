using Microsoft.ML.Data;

namespace Microsoft.ML.FunctionalDnn.Transforms;

/// <summary>
/// The lazy result of <see cref="FunctionalDnnTransformer.Transform"/>: the input's columns plus the
/// transformer's. A cursor that needs no output column is the input's cursor; otherwise it reads
/// batches of rows ahead, predicts each batch once, and serves its rows one by one. Cursor sets
/// are one cursor (the model runs its own kernels on every core).
/// </summary>
internal sealed class PredictionDataView : IDataView
{
    private readonly FunctionalDnnTransformer _transformer;
    private readonly IDataView _input;

    internal PredictionDataView(FunctionalDnnTransformer transformer, IDataView input)
    {
        (_transformer, _input) = (transformer, input);
        Schema = transformer.GetOutputSchema(input.Schema);
    }

    public DataViewSchema Schema { get; }

    public bool CanShuffle => _input.CanShuffle;

    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        ArgumentNullException.ThrowIfNull(columnsNeeded);
        int inputCount = _input.Schema.Count;
        var needed = columnsNeeded.Select(c => c.Index).ToHashSet();
        var passThrough = needed.Where(i => i < inputCount).ToHashSet();
        bool predict = needed.Any(i => i >= inputCount);
        if (!predict) return new PassThroughCursor(this, _input.GetRowCursor(passThrough.Select(i => _input.Schema[i]), rand));
        var bindings = _transformer.BindInputs(_input.Schema);
        var inputColumns = passThrough.Concat(bindings.Select(b => b.Column.Index)).Distinct().Select(i => _input.Schema[i]);
        var cursor = _input.GetRowCursor(inputColumns, rand);
        return new BatchedCursor(this, cursor, bindings, passThrough, needed);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    /// <summary>Rows read a batch ahead from the input cursor, predicted once per batch.</summary>
    private sealed class BatchedCursor : DataViewRowCursor
    {
        private readonly PredictionDataView _view;
        private readonly DataViewRowCursor _input;
        private readonly List<ColumnBatch> _batches;
        private readonly Dictionary<int, BufferedColumn> _buffered;
        private readonly HashSet<int> _active;
        private readonly BatchPredictions _predictions;
        private readonly ValueGetter<DataViewRowId> _inputId;
        private DataViewRowId[] _ids = [];
        private int _slot = -1, _rows;
        private long _position = -1, _read;
        private bool _done;

        internal BatchedCursor(PredictionDataView view, DataViewRowCursor input, List<ColumnBinding> bindings, HashSet<int> passThrough, HashSet<int> active)
        {
            (_view, _input, _active) = (view, input, active);
            _batches = [.. bindings.Select(b => b.NewBatch(input))];
            _buffered = passThrough.ToDictionary(i => i, i => BufferedColumn.Create(input, input.Schema[i]));
            _predictions = new BatchPredictions(view._transformer);
            _inputId = input.GetIdGetter();
        }

        public override DataViewSchema Schema => _view.Schema;

        public override long Position => _position;

        public override long Batch => 0;

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = _ids[Slot()];

        /// <summary>The current row's slot in the batch.</summary>
        /// <exception cref="InvalidOperationException">The cursor is before its first row or past its last.</exception>
        private int Slot() => _position >= 0 ? _slot
            : throw new InvalidOperationException("The cursor has no current row: call MoveNext first (and read values only while it returns true).");

        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!_active.Contains(column.Index))
                throw new InvalidOperationException($"Column '{column.Name}' was not asked for when this cursor was made.");
            int inputCount = _view._input.Schema.Count;
            if (column.Index < inputCount)
                return _buffered[column.Index].Getter(Slot) as ValueGetter<TValue>
                    ?? throw new InvalidOperationException($"Column '{column.Name}' holds {column.Type}; a getter of {typeof(TValue).Name} was asked for.");
            var getter = _predictions.Getter<TValue>(column.Index - inputCount, column.Name);
            return (ref TValue value) =>
            {
                Slot();
                getter(ref value);
            };
        }

        public override bool MoveNext()
        {
            if (_slot + 1 < _rows)
            {
                _slot++;
                _predictions.Row = _slot;
                _position++;
                return true;
            }
            if (_done || !ReadBatch())
            {
                // ML.NET's contract: past the last row the position is -1 again.
                (_position, _rows, _slot) = (-1, 0, -1);
                return false;
            }
            _slot = 0;
            _position = _read - _rows;
            return true;
        }

        private bool ReadBatch()
        {
            int size = _view._transformer.Settings.BatchSize;
            foreach (var b in _batches) b.Clear(_read);
            if (_ids.Length < size) _ids = new DataViewRowId[size];
            _rows = 0;
            while (_rows < size)
            {
                if (!_input.MoveNext())
                {
                    _done = true;
                    break;
                }
                foreach (var b in _batches) b.Add();
                foreach (var c in _buffered.Values) c.Capture(_rows);
                _inputId(ref _ids[_rows]);
                _rows++;
            }
            _read += _rows;
            if (_rows == 0) return false;
            _predictions.Run(_batches);
            return true;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _input.Dispose();
            base.Dispose(disposing);
        }
    }

    /// <summary>A cursor that needs none of the model's columns: the input's own rows, under this view's schema.</summary>
    private sealed class PassThroughCursor(PredictionDataView view, DataViewRowCursor input) : DataViewRowCursor
    {
        public override DataViewSchema Schema => view.Schema;

        public override long Position => input.Position;

        public override long Batch => input.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => column.Index < input.Schema.Count && input.IsColumnActive(input.Schema[column.Index]);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => column.Index < input.Schema.Count
            ? input.GetGetter<TValue>(input.Schema[column.Index])
            : throw new InvalidOperationException($"Column '{column.Name}' was not asked for when this cursor was made.");

        public override bool MoveNext() => input.MoveNext();

        protected override void Dispose(bool disposing)
        {
            if (disposing) input.Dispose();
            base.Dispose(disposing);
        }
    }
}
