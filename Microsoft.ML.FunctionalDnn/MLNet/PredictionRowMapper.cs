using Microsoft.ML.Data;

namespace Microsoft.ML.FunctionalDnn.Transforms;

/// <summary>
/// The transformer as a row-to-row mapper (what PredictionEngine and chains of mappers use): the
/// input row's columns pass through, and the output columns are predicted for the current input row
/// when first read, once per row.
/// </summary>
internal sealed class PredictionRowMapper : IRowToRowMapper
{
    private readonly FunctionalDnnTransformer _transformer;
    private readonly List<ColumnBinding> _bindings;

    internal PredictionRowMapper(FunctionalDnnTransformer transformer, DataViewSchema inputSchema)
    {
        (_transformer, InputSchema) = (transformer, inputSchema);
        OutputSchema = transformer.GetOutputSchema(inputSchema);
        _bindings = transformer.BindInputs(inputSchema);
    }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        var columns = dependingColumns.ToList();
        var needed = columns.Where(c => c.Index < InputSchema.Count).Select(c => c.Index).ToHashSet();
        if (columns.Any(c => c.Index >= InputSchema.Count)) needed.UnionWith(_bindings.Select(b => b.Column.Index));
        return needed.Order().Select(i => InputSchema[i]);
    }

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) =>
        new MappedRow(this, input, activeColumns.Select(c => c.Index).ToHashSet());

    private sealed class MappedRow : DataViewRow
    {
        private readonly PredictionRowMapper _mapper;
        private readonly DataViewRow _input;
        private readonly HashSet<int> _active;
        private List<ColumnBatch>? _batches;
        private BatchPredictions? _predictions;
        private long _predicted = -1;

        internal MappedRow(PredictionRowMapper mapper, DataViewRow input, HashSet<int> active) => (_mapper, _input, _active) = (mapper, input, active);

        public override DataViewSchema Schema => _mapper.OutputSchema;

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            int inputCount = _mapper.InputSchema.Count;
            if (column.Index < inputCount) return _input.GetGetter<TValue>(_input.Schema[column.Index]);
            _batches ??= [.. _mapper._bindings.Select(b => b.NewBatch(_input))];
            _predictions ??= new BatchPredictions(_mapper._transformer);
            var getter = _predictions.Getter<TValue>(column.Index - inputCount, column.Name);
            return (ref TValue value) =>
            {
                Predict();
                getter(ref value);
            };
        }

        /// <summary>Predicts the current input row unless it already was.</summary>
        private void Predict()
        {
            if (_predicted == _input.Position && _input.Position >= 0) return;
            foreach (var b in _batches!)
            {
                b.Clear(Math.Max(0, _input.Position));
                b.Add();
            }
            _predictions!.Run(_batches);
            _predicted = _input.Position;
        }
    }
}
