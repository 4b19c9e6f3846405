using System.Globalization;
using System.Text.Json;
using Microsoft.ML.Data;

namespace Microsoft.ML.Transforms;

/// <summary>Learns per-slot statistics of a Single column (scalar or vector) and rescales it: min–max to [0, 1] (or [-1, 1] keeping 0 with fixZero), or to zero mean and unit variance.</summary>
public sealed class NormalizingEstimator : IEstimator<NormalizingTransformer>
{
    internal enum Mode
    {
        MinMax,
        MeanVariance,
    }

    private readonly string _output, _input;
    private readonly Mode _mode;
    private readonly bool _fixZero;
    private readonly long _maximumExampleCount;

    internal NormalizingEstimator(string output, string? input, Mode mode, bool fixZero, long maximumExampleCount)
    {
        ArgumentException.ThrowIfNullOrEmpty(output);
        (_output, _input, _mode, _fixZero, _maximumExampleCount) = (output, input ?? output, mode, fixZero, maximumExampleCount);
    }

    /// <summary>Reads up to maximumExampleCount rows and computes each slot's scale and offset.</summary>
    public NormalizingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        GetOutputSchema(SchemaShape.Create(input.Schema));
        var column = input.Schema[_input];
        int size = column.Type is VectorDataViewType v ? v.Size : 1;
        var min = Enumerable.Repeat(double.PositiveInfinity, size).ToArray();
        var max = Enumerable.Repeat(double.NegativeInfinity, size).ToArray();
        var sum = new double[size];
        var squares = new double[size];
        long rows = 0;
        using (var cursor = input.GetRowCursor([column]))
        {
            var getters = RowSnapshot.Getters(cursor, [column]);
            var values = new float[size];
            while (rows < _maximumExampleCount && cursor.MoveNext())
            {
                Read(RowSnapshot.Read(getters)[0], values);
                for (int i = 0; i < size; i++)
                {
                    double x = values[i];
                    if (!double.IsFinite(x)) continue;
                    (min[i], max[i], sum[i], squares[i]) = (Math.Min(min[i], x), Math.Max(max[i], x), sum[i] + x, squares[i] + x * x);
                }
                rows++;
            }
        }
        var scale = new float[size];
        var offset = new float[size];
        for (int i = 0; i < size; i++)
        {
            if (_mode == Mode.MinMax)
            {
                if (_fixZero)
                {
                    double bound = Math.Max(Math.Abs(min[i]), Math.Abs(max[i]));
                    (scale[i], offset[i]) = (bound > 0 && double.IsFinite(bound) ? (float)(1 / bound) : 1, 0);
                }
                else
                {
                    double range = max[i] - min[i];
                    (scale[i], offset[i]) = (range > 0 && double.IsFinite(range) ? (float)(1 / range) : 1, double.IsFinite(min[i]) ? (float)min[i] : 0);
                }
            }
            else
            {
                double mean = rows > 0 ? sum[i] / rows : 0, variance = rows > 0 ? squares[i] / rows - mean * mean : 0;
                double std = Math.Sqrt(Math.Max(variance, 0));
                (scale[i], offset[i]) = (std > 0 ? (float)(1 / std) : 1, _fixZero ? 0 : (float)mean);
            }
        }
        return new NormalizingTransformer(_output, _input, column.Type, scale, offset);
    }

    internal static void Read(object? raw, Span<float> into)
    {
        switch (raw)
        {
            case VBuffer<float> v: v.CopyTo(into); break;
            case float f: into[0] = f; break;
            default: throw new InvalidOperationException($"Normalizers read Single values; received {raw?.GetType().Name ?? "null"}.");
        }
    }

    /// <summary>The same column shape, normalized.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        if (!inputSchema.TryFindColumn(_input, out var c))
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Normalize: input column '{_input}' not found. Columns: [{string.Join(", ", inputSchema.Select(x => x.Name))}].");
        if (!ReferenceEquals(c.ItemType, NumberDataViewType.Single) || c.IsKey || c.Kind == SchemaShape.Column.VectorKind.VariableVector)
            throw new ArgumentException($"Normalize: column '{_input}' must hold Single values (a scalar or a vector of known size); it is {c.GetTypeString()}.", nameof(inputSchema));
        return new SchemaShape([.. inputSchema, new SchemaShape.Column(_output, c.Kind, NumberDataViewType.Single, false)]);
    }
}

/// <summary>Applies (x − offset) · scale per slot.</summary>
[ModelLoader(LoaderSignature)]
public sealed class NormalizingTransformer : RowToRowTransformerBase
{
    internal const string LoaderSignature = "Normalizer";
    private readonly string _output, _input;
    private readonly DataViewType _type;
    private readonly float[] _scale, _offset;

    internal NormalizingTransformer(string output, string input, DataViewType type, float[] scale, float[] offset) =>
        (_output, _input, _type, _scale, _offset) = (output, input, type, scale, offset);

    private protected override IColumnMapper MakeMapper(DataViewSchema inputSchema)
    {
        var column = RequireColumn(inputSchema, _input, "Normalize");
        if (!column.Type.Equals(_type)) throw new ArgumentException($"Normalize: column '{_input}' is {column.Type}; the normalizer was fitted on {_type}.", nameof(inputSchema));
        return new DelegateColumnMapper([new DataViewSchema.DetachedColumn(_output, _type)], [_input], 1, rows => [.. rows.Select(r =>
        {
            var values = new float[_scale.Length];
            NormalizingEstimator.Read(r[0], values);
            for (int i = 0; i < values.Length; i++) values[i] = (values[i] - _offset[i]) * _scale[i];
            return new object?[] { _type is VectorDataViewType ? new VBuffer<float>(values.Length, values) : values[0] };
        })]);
    }

    private protected override void SaveModel(ModelSaveContext ctx)
    {
        ctx.SetLoader(LoaderSignature);
        ctx.SaveText("normalizer.json", JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["output"] = _output,
            ["input"] = _input,
            ["size"] = _type is VectorDataViewType v ? string.Join(",", v.Dimensions) : "",
            ["scale"] = _scale,
            ["offset"] = _offset,
        }));
    }

    internal static NormalizingTransformer Create(ModelLoadContext ctx)
    {
        using var doc = JsonDocument.Parse(ctx.LoadText("normalizer.json"));
        var r = doc.RootElement;
        string size = r.GetProperty("size").GetString()!;
        DataViewType type = size.Length == 0 ? NumberDataViewType.Single
            : new VectorDataViewType(NumberDataViewType.Single, size.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray());
        return new NormalizingTransformer(r.GetProperty("output").GetString()!, r.GetProperty("input").GetString()!, type,
            [.. r.GetProperty("scale").EnumerateArray().Select(e => e.GetSingle())], [.. r.GetProperty("offset").EnumerateArray().Select(e => e.GetSingle())]);
    }
}
