using System.Collections;
using System.Globalization;

namespace Microsoft.ML.Data;

/// <summary>Which uses of a pipeline a transformer takes part in.</summary>
[Flags]
public enum TransformerScope
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary>Training.</summary>
    Training = 1,

    /// <summary>Testing.</summary>
    Testing = 2,

    /// <summary>Scoring.</summary>
    Scoring = 4,

    /// <summary>Training and testing.</summary>
    TrainTest = Training | Testing,

    /// <summary>Every use.</summary>
    Everything = Training | Testing | Scoring,
}

/// <summary>Estimators applied one after the other (ML.NET's EstimatorChain); Fit fits each on the data transformed by the ones before.</summary>
public sealed class EstimatorChain<TLastTransformer> : IEstimator<TransformerChain<TLastTransformer>>
    where TLastTransformer : class, ITransformer
{
    private readonly IEstimator<ITransformer>[] _estimators;
    private readonly TransformerScope[] _scopes;

    /// <summary>The last estimator, or null for an empty chain.</summary>
    public readonly IEstimator<TLastTransformer>? LastEstimator;

    /// <summary>An empty chain.</summary>
    public EstimatorChain() : this([], [], null)
    {
    }

    private EstimatorChain(IEstimator<ITransformer>[] estimators, TransformerScope[] scopes, IEstimator<TLastTransformer>? last) =>
        (_estimators, _scopes, LastEstimator) = (estimators, scopes, last);

    /// <summary>A chain with <paramref name="estimator"/> appended.</summary>
    public EstimatorChain<TNewTrans> Append<TNewTrans>(IEstimator<TNewTrans> estimator, TransformerScope scope = TransformerScope.Everything)
        where TNewTrans : class, ITransformer
    {
        ArgumentNullException.ThrowIfNull(estimator);
        return new EstimatorChain<TNewTrans>([.. _estimators, (IEstimator<ITransformer>)estimator], [.. _scopes, scope], estimator);
    }

    /// <summary>Appends a cache of the data at this point (the data is small enough here that later steps simply read it again).</summary>
    public EstimatorChain<TLastTransformer> AppendCacheCheckpoint(MLContext env)
    {
        ArgumentNullException.ThrowIfNull(env);
        return this;
    }

    /// <summary>Checks the whole chain's schema, then fits each estimator on the output of the ones before.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A step needs a column the data does not have (raised before any training).</exception>
    public TransformerChain<TLastTransformer> Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        GetOutputSchema(SchemaShape.Create(input.Schema));
        var current = input;
        var fitted = new List<ITransformer>();
        foreach (var estimator in _estimators)
        {
            var transformer = estimator.Fit(current);
            fitted.Add(transformer);
            current = transformer.Transform(current);
        }
        return new TransformerChain<TLastTransformer>(fitted, _scopes);
    }

    /// <summary>Each estimator's output shape fed to the next.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var shape = inputSchema;
        foreach (var estimator in _estimators) shape = estimator.GetOutputSchema(shape);
        return shape;
    }
}

/// <summary>Fitted transformers applied one after the other (ML.NET's TransformerChain).</summary>
[ModelLoader(LoaderSignature)]
public sealed class TransformerChain<TLastTransformer> : ITransformer, IEnumerable<ITransformer>, IDisposable
    where TLastTransformer : class, ITransformer
{
    internal const string LoaderSignature = "TransformerChain";
    private readonly ITransformer[] _transformers;
    private readonly TransformerScope[] _scopes;

    /// <summary>The last transformer (null for an empty chain).</summary>
    public readonly TLastTransformer LastTransformer;

    /// <summary>A chain of <paramref name="transformers"/> with their scopes.</summary>
    public TransformerChain(IEnumerable<ITransformer> transformers, IEnumerable<TransformerScope> scopes)
    {
        _transformers = [.. transformers];
        _scopes = [.. scopes];
        if (_transformers.Length != _scopes.Length) throw new ArgumentException($"{_transformers.Length} transformers but {_scopes.Length} scopes.", nameof(scopes));
        LastTransformer = (_transformers.LastOrDefault() as TLastTransformer)!;
    }

    /// <summary>A chain of <paramref name="transformers"/>, each in every scope.</summary>
    public TransformerChain(params ITransformer[] transformers) : this(transformers, transformers.Select(_ => TransformerScope.Everything))
    {
    }

    /// <summary>True when every transformer maps rows one by one.</summary>
    public bool IsRowToRowMapper => _transformers.All(t => t.IsRowToRowMapper);

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => GetOutputSchema(inputSchema, TransformerScope.Everything);

    /// <summary>The output schema using only the transformers in <paramref name="scope"/>.</summary>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema, TransformerScope scope)
    {
        var schema = inputSchema;
        for (int i = 0; i < _transformers.Length; i++)
            if ((_scopes[i] & scope) != 0) schema = _transformers[i].GetOutputSchema(schema);
        return schema;
    }

    /// <inheritdoc/>
    public IDataView Transform(IDataView input) => Transform(input, TransformerScope.Everything);

    /// <summary>Transforms with the transformers in <paramref name="scope"/>.</summary>
    public IDataView Transform(IDataView input, TransformerScope scope)
    {
        ArgumentNullException.ThrowIfNull(input);
        var current = input;
        for (int i = 0; i < _transformers.Length; i++)
            if ((_scopes[i] & scope) != 0) current = _transformers[i].Transform(current);
        return current;
    }

    /// <summary>The chain of the transformers in <paramref name="scopeFilter"/>.</summary>
    public TransformerChain<ITransformer> GetModelFor(TransformerScope scopeFilter) =>
        new(_transformers.Where((_, i) => (_scopes[i] & scopeFilter) != 0), _scopes.Where(s => (s & scopeFilter) != 0));

    /// <summary>A chain with <paramref name="transformer"/> appended.</summary>
    public TransformerChain<TNewLast> Append<TNewLast>(TNewLast transformer, TransformerScope scope = TransformerScope.Everything) where TNewLast : class, ITransformer =>
        new([.. _transformers, transformer], [.. _scopes, scope]);

    /// <inheritdoc/>
    public IEnumerator<ITransformer> GetEnumerator() => ((IEnumerable<ITransformer>)_transformers).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    IRowToRowMapper ITransformer.GetRowToRowMapper(DataViewSchema inputSchema)
    {
        if (!IsRowToRowMapper) throw new InvalidOperationException("Every transformer of the chain must map rows one by one to give a row-to-row mapper.");
        var mappers = new List<IRowToRowMapper>();
        var schema = inputSchema;
        foreach (var t in _transformers)
        {
            var mapper = t.GetRowToRowMapper(schema);
            mappers.Add(mapper);
            schema = mapper.OutputSchema;
        }
        return new ChainedRowMapper(inputSchema, mappers);
    }

    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        ctx.SetLoader(LoaderSignature);
        ctx.SaveText("chain.txt", string.Join("\n", _scopes.Select(s => ((int)s).ToString(CultureInfo.InvariantCulture))));
        for (int i = 0; i < _transformers.Length; i++) ctx.SaveModel(_transformers[i], $"Transform_{i:D3}");
    }

    internal static TransformerChain<ITransformer> Create(ModelLoadContext ctx)
    {
        var scopes = ctx.LoadText("chain.txt").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(s => (TransformerScope)int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var transformers = scopes.Select((_, i) => ctx.LoadModel($"Transform_{i:D3}")).ToArray();
        return new TransformerChain<ITransformer>(transformers, scopes);
    }

    /// <summary>Disposes the transformers that are disposable.</summary>
    public void Dispose()
    {
        foreach (var t in _transformers.OfType<IDisposable>()) t.Dispose();
    }

    private sealed class ChainedRowMapper(DataViewSchema input, IReadOnlyList<IRowToRowMapper> mappers) : IRowToRowMapper
    {
        public DataViewSchema InputSchema => input;

        public DataViewSchema OutputSchema => mappers.Count == 0 ? input : mappers[^1].OutputSchema;

        public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
        {
            var columns = dependingColumns;
            for (int i = mappers.Count - 1; i >= 0; i--) columns = mappers[i].GetDependencies(columns).ToList();
            return columns;
        }

        public DataViewRow GetRow(DataViewRow row, IEnumerable<DataViewSchema.Column> activeColumns)
        {
            foreach (var mapper in mappers) row = mapper.GetRow(row, mapper.OutputSchema);
            return row;
        }
    }
}
