using System.Text.Json;
using Microsoft.ML.Data;

namespace Microsoft.ML.Transforms;

/// <summary>How a key mapping numbers its values.</summary>
public enum KeyOrdinality
{
    /// <summary>In the order values first occur.</summary>
    ByOccurrence,

    /// <summary>In sorted order.</summary>
    ByValue,
}

/// <summary>Learns the distinct values of a column and maps them to keys 1…N (0 for values it never saw); the values are kept as the key column's <c>KeyValues</c> annotation.</summary>
public sealed class ValueToKeyMappingEstimator : IEstimator<ValueToKeyMappingTransformer>
{
    private readonly string _output, _input;
    private readonly int _maximumNumberOfKeys;
    private readonly KeyOrdinality _ordinality;

    internal ValueToKeyMappingEstimator(string outputColumnName, string? inputColumnName, int maximumNumberOfKeys, KeyOrdinality keyOrdinality)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        ArgumentOutOfRangeException.ThrowIfLessThan(maximumNumberOfKeys, 1);
        (_output, _input, _maximumNumberOfKeys, _ordinality) = (outputColumnName, inputColumnName ?? outputColumnName, maximumNumberOfKeys, keyOrdinality);
    }

    /// <summary>Reads the input column once and numbers its distinct values.</summary>
    public ValueToKeyMappingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        GetOutputSchema(SchemaShape.Create(input.Schema));
        var column = input.Schema[_input];
        var seen = new List<object>();
        var index = new HashSet<object>();
        using (var cursor = input.GetRowCursor([column]))
        {
            var getters = RowSnapshot.Getters(cursor, [column]);
            while (cursor.MoveNext())
            {
                var value = KeyValues.Normalize(RowSnapshot.Read(getters)[0]);
                if (value is null || (value is string s && s.Length == 0) || value is float.NaN || value is double.NaN) continue;
                if (index.Count < _maximumNumberOfKeys && index.Add(value)) seen.Add(value);
            }
        }
        if (_ordinality == KeyOrdinality.ByValue) seen.Sort((a, b) => Comparer<object>.Default.Compare(a, b));
        return new ValueToKeyMappingTransformer(_output, _input, (PrimitiveDataViewType)column.Type, seen);
    }

    /// <summary>Adds a key column; the input must be a scalar text, number or boolean column.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        if (!inputSchema.TryFindColumn(_input, out var column))
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"MapValueToKey: input column '{_input}' not found. Columns: [{string.Join(", ", inputSchema.Select(c => c.Name))}].");
        if (column.Kind != SchemaShape.Column.VectorKind.Scalar || column.IsKey)
            throw new ArgumentException($"MapValueToKey: column '{_input}' must hold single text, number or boolean values; it is {column.GetTypeString()}.", nameof(inputSchema));
        var annotations = new SchemaShape([new SchemaShape.Column(KeyValues.Kind, SchemaShape.Column.VectorKind.Vector, column.ItemType, false)]);
        return new SchemaShape([.. inputSchema, new SchemaShape.Column(_output, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.UInt32, true, annotations)]);
    }
}

/// <summary>Maps values to the keys learned by <see cref="ValueToKeyMappingEstimator"/>.</summary>
[ModelLoader(LoaderSignature)]
public sealed class ValueToKeyMappingTransformer : RowToRowTransformerBase
{
    internal const string LoaderSignature = "ValueToKeyMapping";
    private readonly string _output, _input;
    private readonly PrimitiveDataViewType _itemType;
    private readonly List<object> _values;
    private readonly Dictionary<object, uint> _keys = [];

    internal ValueToKeyMappingTransformer(string output, string input, PrimitiveDataViewType itemType, List<object> values)
    {
        (_output, _input, _itemType, _values) = (output, input, itemType, values);
        for (int i = 0; i < values.Count; i++) _keys[values[i]] = (uint)(i + 1);
    }

    /// <summary>The values in key order (key k is value k−1).</summary>
    public IReadOnlyList<object> Values => _values;

    private protected override IColumnMapper MakeMapper(DataViewSchema inputSchema)
    {
        var column = RequireColumn(inputSchema, _input, "MapValueToKey");
        if (!column.Type.Equals(_itemType))
            throw new ArgumentException($"MapValueToKey: column '{_input}' is {column.Type}; the mapping was learned from {_itemType}.", nameof(inputSchema));
        var type = new KeyDataViewType(typeof(uint), Math.Max(1, _values.Count));
        var output = new DataViewSchema.DetachedColumn(_output, type, KeyValues.Annotation(_itemType, _values));
        return new DelegateColumnMapper([output], [_input], 1, rows => [.. rows.Select(r =>
            new object?[] { KeyValues.Normalize(r[0]) is { } v && _keys.TryGetValue(v, out uint k) ? k : 0u })]);
    }

    private protected override void SaveModel(ModelSaveContext ctx)
    {
        ctx.SetLoader(LoaderSignature);
        ctx.SaveText("mapping.json", JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["output"] = _output,
            ["input"] = _input,
            ["item_type"] = _itemType.ToString()!,
            ["values"] = _values,
        }));
    }

    internal static ValueToKeyMappingTransformer Create(ModelLoadContext ctx)
    {
        using var doc = JsonDocument.Parse(ctx.LoadText("mapping.json"));
        var root = doc.RootElement;
        var type = KeyValues.ParseItemType(root.GetProperty("item_type").GetString()!, ctx.Path);
        var values = root.GetProperty("values").EnumerateArray().Select(e => KeyValues.FromJson(e, type)).ToList();
        return new ValueToKeyMappingTransformer(root.GetProperty("output").GetString()!, root.GetProperty("input").GetString()!, type, values);
    }
}

/// <summary>Maps keys back to the values they stand for, read from the key column's <c>KeyValues</c> annotation.</summary>
public sealed class KeyToValueMappingEstimator : IEstimator<KeyToValueMappingTransformer>
{
    private readonly string _output, _input;

    internal KeyToValueMappingEstimator(string outputColumnName, string? inputColumnName)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        (_output, _input) = (outputColumnName, inputColumnName ?? outputColumnName);
    }

    /// <summary>Nothing to learn: the values are in the annotation.</summary>
    public KeyToValueMappingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        GetOutputSchema(SchemaShape.Create(input.Schema));
        return new KeyToValueMappingTransformer(_output, _input);
    }

    /// <summary>Adds the value column; the input must be a key column with KeyValues.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        if (!inputSchema.TryFindColumn(_input, out var column) || !column.IsKey)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"MapKeyToValue: input column '{_input}' must be a key column (made by MapValueToKey).");
        var values = column.Annotations.FirstOrDefault(a => a.Name == KeyValues.Kind);
        if (values.Name is null) throw new ArgumentException($"MapKeyToValue: key column '{_input}' has no KeyValues annotation to map back to.", nameof(inputSchema));
        return new SchemaShape([.. inputSchema, new SchemaShape.Column(_output, column.Kind, values.ItemType, false)]);
    }
}

/// <summary>Maps keys to values (0 and unknown keys give the type's default: empty text, NaN, false).</summary>
[ModelLoader(LoaderSignature)]
public sealed class KeyToValueMappingTransformer : RowToRowTransformerBase
{
    internal const string LoaderSignature = "KeyToValueMapping";
    private readonly string _output, _input;

    internal KeyToValueMappingTransformer(string output, string input) => (_output, _input) = (output, input);

    private protected override IColumnMapper MakeMapper(DataViewSchema inputSchema)
    {
        var column = RequireColumn(inputSchema, _input, "MapKeyToValue");
        if (column.Type is not KeyDataViewType) throw new ArgumentException($"MapKeyToValue: column '{_input}' is {column.Type}, not a key.", nameof(inputSchema));
        var (itemType, values) = KeyValues.Read(column);
        var output = new DataViewSchema.DetachedColumn(_output, itemType);
        return new DelegateColumnMapper([output], [_input], 1, rows => [.. rows.Select(r =>
        {
            ulong key = Convert.ToUInt64(r[0], System.Globalization.CultureInfo.InvariantCulture);
            return new[] { key >= 1 && key <= (ulong)values.Count ? KeyValues.ToRaw(values[(int)key - 1]) : KeyValues.Missing(itemType) };
        })]);
    }

    private protected override void SaveModel(ModelSaveContext ctx)
    {
        ctx.SetLoader(LoaderSignature);
        ctx.SaveText("mapping.json", JsonSerializer.Serialize(new Dictionary<string, string> { ["output"] = _output, ["input"] = _input }));
    }

    internal static KeyToValueMappingTransformer Create(ModelLoadContext ctx)
    {
        using var doc = JsonDocument.Parse(ctx.LoadText("mapping.json"));
        return new KeyToValueMappingTransformer(doc.RootElement.GetProperty("output").GetString()!, doc.RootElement.GetProperty("input").GetString()!);
    }
}
