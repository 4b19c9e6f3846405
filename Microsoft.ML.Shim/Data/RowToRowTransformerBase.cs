namespace Microsoft.ML.Data;

/// <summary>
/// The base of transformers that add columns computed from other columns of the same row (or
/// batch of rows): transforms are lazy, the output schema is the input's plus the new columns,
/// and PredictionEngine can map single rows.
/// </summary>
public abstract class RowToRowTransformerBase : ITransformer
{
    private protected RowToRowTransformerBase()
    {
    }

    /// <summary>True: each row maps on its own.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The input columns followed by the added ones.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An input column is missing.</exception>
    /// <exception cref="ArgumentException">An input column has the wrong type.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return MappedDataView.OutputSchema(inputSchema, MakeMapper(inputSchema));
    }

    /// <summary>The data with the new columns, computed as cursors move.</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new MappedDataView(input, MakeMapper(input.Schema));
    }

    /// <summary>A single-row view (for PredictionEngine).</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return new ColumnMapperRowMapper(inputSchema, MakeMapper(inputSchema));
    }

    void ICanSaveModel.Save(ModelSaveContext ctx) => SaveModel(ctx);

    /// <summary>Checks <paramref name="inputSchema"/> and returns what computes the new columns.</summary>
    private protected abstract IColumnMapper MakeMapper(DataViewSchema inputSchema);

    /// <summary>Writes the transformer (with its loader signature).</summary>
    private protected abstract void SaveModel(ModelSaveContext ctx);

    /// <summary>The input column <paramref name="name"/>, with an error naming the transformer and the columns when it is missing.</summary>
    private protected static DataViewSchema.Column RequireColumn(DataViewSchema schema, string name, string who) =>
        schema.GetColumnOrNull(name) ?? throw new ArgumentOutOfRangeException(nameof(schema),
            $"{who}: input column '{name}' not found. Columns: [{string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => c.Name))}].");
}

/// <summary>The mapper the base class runs: fixed inputs and outputs and a per-batch function.</summary>
internal sealed class DelegateColumnMapper(IReadOnlyList<DataViewSchema.DetachedColumn> outputs, IReadOnlyList<string> inputs, int batchSize,
    Func<IReadOnlyList<object?[]>, IReadOnlyList<object?[]>> map) : IColumnMapper
{
    public IReadOnlyList<DataViewSchema.DetachedColumn> OutputColumns => outputs;

    public IReadOnlyList<string> InputColumnNames => inputs;

    public int BatchSize => batchSize;

    public IReadOnlyList<object?[]> Map(IReadOnlyList<object?[]> inputRows) => map(inputRows);
}
