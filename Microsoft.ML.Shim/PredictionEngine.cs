using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>Predictions one object at a time (ML.NET's PredictionEngineBase).</summary>
public abstract class PredictionEngineBase<TSrc, TDst> : IDisposable where TSrc : class where TDst : class, new()
{
    private protected PredictionEngineBase()
    {
    }

    /// <summary>The schema of the transformed row.</summary>
    public abstract DataViewSchema OutputSchema { get; }

    /// <summary>The prediction for <paramref name="example"/>.</summary>
    public TDst Predict(TSrc example)
    {
        TDst? prediction = null;
        Predict(example, ref prediction!);
        return prediction;
    }

    /// <summary>The prediction for <paramref name="example"/> into <paramref name="prediction"/> (created when null).</summary>
    public abstract void Predict(TSrc example, ref TDst prediction);

    /// <summary>Releases the engine.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Override to release resources.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}

/// <summary>
/// Runs a fitted pipeline on single objects (ML.NET's PredictionEngine): the input object's
/// members are the input columns, the output object's writable members are filled from the
/// output columns of their names. Not thread-safe: one engine per thread.
/// </summary>
public sealed class PredictionEngine<TSrc, TDst> : PredictionEngineBase<TSrc, TDst> where TSrc : class where TDst : class, new()
{
    private readonly ObjectRow _input;
    private readonly DataViewRow _output;
    private readonly List<(MemberColumn Member, DataViewSchema.Column Column)> _bound = [];
    private readonly Delegate[] _getters;

    internal PredictionEngine(ITransformer transformer, bool ignoreMissingColumns)
    {
        ArgumentNullException.ThrowIfNull(transformer);
        if (!transformer.IsRowToRowMapper) throw new InvalidOperationException("A PredictionEngine needs a transformer that maps rows one by one.");
        var inputColumns = TypeMapping.Columns(typeof(TSrc), forWriting: false);
        _input = new ObjectRow(inputColumns);
        var mapper = transformer.GetRowToRowMapper(_input.Schema);
        OutputSchema = mapper.OutputSchema;
        foreach (var m in TypeMapping.Columns(typeof(TDst), forWriting: true))
        {
            if (OutputSchema.GetColumnOrNull(m.Name) is not { } column)
            {
                if (ignoreMissingColumns) continue;
                throw new InvalidOperationException($"{typeof(TDst).Name}.{m.Member.Name} needs an output column '{m.Name}'. Output columns: [{string.Join(", ", OutputSchema.Where(c => !c.IsHidden).Select(c => c.Name))}].");
            }
            _bound.Add((m, column));
        }
        _output = mapper.GetRow(_input, [.. _bound.Select(b => b.Column)]);
        _getters = RowSnapshot.Getters(_output, [.. _bound.Select(b => b.Column)]);
    }

    /// <inheritdoc/>
    public override DataViewSchema OutputSchema { get; }

    /// <inheritdoc/>
    public override void Predict(TSrc example, ref TDst prediction)
    {
        ArgumentNullException.ThrowIfNull(example);
        _input.Set(example);
        prediction ??= new TDst();
        var values = RowSnapshot.Read(_getters);
        for (int i = 0; i < _bound.Count; i++)
            _bound[i].Member.Write(prediction, TypeMapping.FromRaw(values[i], _bound[i].Member.MemberType, _bound[i].Column.Name));
    }

    /// <summary>A one-row data source whose row is the object last given to <see cref="Set"/>.</summary>
    private sealed class ObjectRow : DataViewRow
    {
        private readonly List<MemberColumn> _columns;
        private object? _current;
        private long _position = -1;

        internal ObjectRow(List<MemberColumn> columns)
        {
            _columns = columns;
            Schema = DataViewSchema.Create(columns.Select(c => new DataViewSchema.DetachedColumn(c.Name, c.ColumnType)));
        }

        public override long Position => _position;

        public override long Batch => 0;

        public override DataViewSchema Schema { get; }

        internal void Set(object example)
        {
            _current = example;
            _position++;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);

        public override bool IsColumnActive(DataViewSchema.Column column) => column.Index >= 0 && column.Index < _columns.Count;

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Type.RawType != typeof(TValue))
                throw new InvalidOperationException($"Column '{column.Name}' is of type {column.Type}; it was read as {typeof(TValue).Name}.");
            return (ValueGetter<TValue>)TypeMapping.Getter(_columns[column.Index], () => _current ?? throw new InvalidOperationException("No example was given."));
        }
    }
}
