using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>
/// The entry point of ML.NET pipelines: data operations (<see cref="Data"/>), model operations
/// (<see cref="Model"/>) and the transform catalog (<see cref="Transforms"/>) that extensions add
/// estimators to. A seed makes every random step deterministic.
/// </summary>
public sealed class MLContext
{
    private readonly Random _random;

    /// <summary>A context; with <paramref name="seed"/>, splits, shuffles and trainers are reproducible.</summary>
    public MLContext(int? seed = null)
    {
        Seed = seed;
        _random = seed is int s ? new Random(s) : new Random();
        Data = new DataOperationsCatalog(this);
        Model = new ModelOperationsCatalog(this);
        Transforms = new TransformsCatalog(this);
    }

    /// <summary>Loading, splitting, shuffling and caching data.</summary>
    public DataOperationsCatalog Data { get; }

    /// <summary>Saving and loading models, prediction engines.</summary>
    public ModelOperationsCatalog Model { get; }

    /// <summary>Data transformations; extension methods add estimators here.</summary>
    public TransformsCatalog Transforms { get; }

    /// <summary>The seed given, or null.</summary>
    internal int? Seed { get; }

    /// <summary>A seed for a component: the given one, or the next from the context's generator.</summary>
    internal int NextSeed(int? seed = null)
    {
        if (seed is int s) return s;
        lock (_random) return _random.Next();
    }
}

/// <summary>The catalog of data transformations (ML.NET's TransformsCatalog); estimators are extension methods on it.</summary>
public sealed partial class TransformsCatalog
{
    internal TransformsCatalog(MLContext context) => Context = context;

    /// <summary>The context the catalog belongs to.</summary>
    internal MLContext Context { get; }
}

/// <summary>Loading, splitting, shuffling and caching data (ML.NET's DataOperationsCatalog).</summary>
public sealed class DataOperationsCatalog
{
    private readonly MLContext _context;

    internal DataOperationsCatalog(MLContext context) => _context = context;

    /// <summary>A train set and a test set.</summary>
    public readonly struct TrainTestData
    {
        /// <summary>The rows to train on.</summary>
        public readonly IDataView TrainSet;

        /// <summary>The rows to test on.</summary>
        public readonly IDataView TestSet;

        internal TrainTestData(IDataView train, IDataView test) => (TrainSet, TestSet) = (train, test);
    }

    /// <summary>
    /// A data view over a collection of objects, a column per public field or property (see the
    /// attributes <c>ColumnName</c>, <c>VectorType</c>, <c>KeyType</c>, <c>NoColumn</c>). Nothing is
    /// copied; each cursor enumerates the collection again.
    /// </summary>
    public IDataView LoadFromEnumerable<TRow>(IEnumerable<TRow> data) where TRow : class
    {
        ArgumentNullException.ThrowIfNull(data);
        return new EnumerableDataView<TRow>(data, TypeMapping.Columns(typeof(TRow), forWriting: false));
    }

    /// <summary>
    /// The rows of <paramref name="data"/> as objects, each writable member filled from the column
    /// of its name (text as string, vectors as arrays).
    /// </summary>
    /// <exception cref="InvalidOperationException">A member has no column (unless <paramref name="ignoreMissingColumns"/>) or a column of another type.</exception>
    public IEnumerable<TRow> CreateEnumerable<TRow>(IDataView data, bool reuseRowObject, bool ignoreMissingColumns = false) where TRow : class, new()
    {
        ArgumentNullException.ThrowIfNull(data);
        var members = TypeMapping.Columns(typeof(TRow), forWriting: true);
        var bound = new List<(MemberColumn Member, DataViewSchema.Column Column)>();
        foreach (var m in members)
        {
            if (data.Schema.GetColumnOrNull(m.Name) is not { } column)
            {
                if (ignoreMissingColumns) continue;
                throw new InvalidOperationException($"{typeof(TRow).Name}.{m.Member.Name} needs a column '{m.Name}', which the data does not have. Columns: [{string.Join(", ", data.Schema.Where(c => !c.IsHidden).Select(c => c.Name))}].");
            }
            bound.Add((m, column));
        }
        return Rows();

        IEnumerable<TRow> Rows()
        {
            using var cursor = data.GetRowCursor(bound.Select(b => b.Column));
            var getters = RowSnapshot.Getters(cursor, [.. bound.Select(b => b.Column)]);
            TRow? row = null;
            while (cursor.MoveNext())
            {
                var values = RowSnapshot.Read(getters);
                if (!reuseRowObject || row is null) row = new TRow();
                for (int i = 0; i < bound.Count; i++) bound[i].Member.Write(row, TypeMapping.FromRaw(values[i], bound[i].Member.MemberType, bound[i].Column.Name));
                yield return row;
            }
        }
    }

    /// <summary>
    /// Splits rows at random into a train and a test set (a row goes to the test set with
    /// probability <paramref name="testFraction"/>), deterministically for a seed. The sets stream
    /// from <paramref name="data"/>; nothing is copied.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="testFraction"/> is not strictly between 0 and 1.</exception>
    public TrainTestData TrainTestSplit(IDataView data, double testFraction = 0.1, string? samplingKeyColumnName = null, int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!(testFraction > 0 && testFraction < 1)) throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "testFraction must be strictly between 0 and 1.");
        if (samplingKeyColumnName is not null && data.Schema.GetColumnOrNull(samplingKeyColumnName) is null)
            throw new ArgumentOutOfRangeException(nameof(samplingKeyColumnName), $"Column '{samplingKeyColumnName}' not found.");
        ulong salt = (ulong)_context.NextSeed(seed);
        bool IsTest(long row) => Uniform(salt, (ulong)row) < testFraction;
        long? total = data.GetRowCount();
        long? testCount = total is long n ? Enumerable.Range(0, (int)Math.Min(n, int.MaxValue)).LongCount(i => IsTest(i)) : null;
        return new TrainTestData(new FilteredDataView(data, r => !IsTest(r), total - testCount), new FilteredDataView(data, IsTest, testCount));
    }

    /// <summary>A uniform number in [0, 1) from a row index and a salt (splitmix64).</summary>
    private static double Uniform(ulong salt, ulong row)
    {
        ulong z = salt + 0x9E3779B97F4A7C15UL * (row + 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return ((z ^ (z >> 31)) >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>Rows in a random order: a pool of <paramref name="shufflePoolSize"/> rows drawn from at random (and the source's own shuffling when it has one).</summary>
    public IDataView ShuffleRows(IDataView input, int? seed = null, int shufflePoolSize = 1000, bool shuffleSource = true)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentOutOfRangeException.ThrowIfNegative(shufflePoolSize);
        return new ShuffledDataView(input, _context.NextSeed(seed), shufflePoolSize, shuffleSource);
    }

    /// <summary>The data read into memory once, on first use (fast repeated passes, random access).</summary>
    public IDataView Cache(IDataView input, params string[] columnsToPrefetch)
    {
        ArgumentNullException.ThrowIfNull(input);
        foreach (var name in columnsToPrefetch ?? [])
            _ = input.Schema[name];
        return new CachedDataView(input);
    }

    /// <summary>The first <paramref name="count"/> rows.</summary>
    public IDataView TakeRows(IDataView input, long count)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return new FilteredDataView(input, r => r < count, input.GetRowCount() is long n ? Math.Min(n, count) : null);
    }

    /// <summary>Every row after the first <paramref name="count"/>.</summary>
    public IDataView SkipRows(IDataView input, long count)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return new FilteredDataView(input, r => r >= count, input.GetRowCount() is long n ? Math.Max(0, n - count) : null);
    }

    private sealed class CachedDataView(IDataView source) : IDataView
    {
        private readonly Lazy<InMemoryDataView> _cache = new(() => InMemoryDataView.Read(source));

        public bool CanShuffle => true;

        public DataViewSchema Schema => source.Schema;

        public long? GetRowCount() => _cache.IsValueCreated ? _cache.Value.GetRowCount() : source.GetRowCount();

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => _cache.Value.GetRowCursor(columnsNeeded, rand);

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => _cache.Value.GetRowCursorSet(columnsNeeded, n, rand);
    }
}
