using System.Collections;
using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>Something that learns a transformer from data (ML.NET's IEstimator).</summary>
public interface IEstimator<out TTransformer> where TTransformer : ITransformer
{
    /// <summary>Learns from <paramref name="input"/>.</summary>
    TTransformer Fit(IDataView input);

    /// <summary>The schema the fitted transformer will produce from <paramref name="inputSchema"/>, checked before any training.</summary>
    SchemaShape GetOutputSchema(SchemaShape inputSchema);
}

/// <summary>A model that can be saved.</summary>
public interface ICanSaveModel
{
    /// <summary>Writes the model into <paramref name="ctx"/>.</summary>
    void Save(ModelSaveContext ctx);
}

/// <summary>A fitted transformation of data views (ML.NET's ITransformer).</summary>
public interface ITransformer : ICanSaveModel
{
    /// <summary>Whether it maps each row independently (PredictionEngine needs that).</summary>
    bool IsRowToRowMapper { get; }

    /// <summary>The schema <see cref="Transform"/> produces from <paramref name="inputSchema"/>.</summary>
    DataViewSchema GetOutputSchema(DataViewSchema inputSchema);

    /// <summary>Transforms <paramref name="input"/> (lazily).</summary>
    IDataView Transform(IDataView input);

    /// <summary>A row-by-row view of the transformation.</summary>
    IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema);
}

/// <summary>
/// Where a transformer writes itself when a model is saved. As in ML.NET, its members are
/// internal: transformers of this library and of Microsoft.ML.FunctionalDnn use them.
/// </summary>
public sealed class ModelSaveContext : IDisposable
{
    private readonly System.IO.Compression.ZipArchive _zip;

    internal ModelSaveContext(System.IO.Compression.ZipArchive zip, string directory) => (_zip, Directory) = (zip, directory);

    /// <summary>The folder of the zip this transformer writes into.</summary>
    internal string Directory { get; }

    /// <summary>The loader signature written with the model (a class marked with ModelLoaderAttribute reads it back).</summary>
    internal void SetLoader(string signature) => SaveText("loader.txt", signature);

    internal void SaveText(string name, string text)
    {
        using var writer = new StreamWriter(_zip.CreateEntry($"{Directory}/{name}").Open());
        writer.Write(text);
    }

    internal void SaveBinary(string name, Action<Stream> write)
    {
        using var stream = _zip.CreateEntry($"{Directory}/{name}", System.IO.Compression.CompressionLevel.Fastest).Open();
        write(stream);
    }

    /// <summary>A context for a part of this model (a transformer of a chain).</summary>
    internal ModelSaveContext Child(string name) => new(_zip, $"{Directory}/{name}");

    /// <summary>Saves <paramref name="model"/> under <paramref name="name"/>.</summary>
    internal void SaveModel(ICanSaveModel model, string name) => model.Save(Child(name));

    /// <summary>Nothing to release: the zip belongs to the caller.</summary>
    public void Dispose()
    {
    }
}

/// <summary>
/// The shape of a schema before data exists (ML.NET's SchemaShape): names, whether scalar or
/// vector, item types, keys. Estimators check a pipeline with it before training.
/// </summary>
public sealed class SchemaShape : IReadOnlyList<SchemaShape.Column>
{
    private readonly Column[] _columns;

    /// <summary>A shape of these columns.</summary>
    /// <exception cref="ArgumentException">A column is <c>default</c>.</exception>
    public SchemaShape(IEnumerable<Column> columns)
    {
        _columns = [.. columns];
        if (_columns.Any(c => c.Name is null)) throw new ArgumentException("A SchemaShape column cannot be default.", nameof(columns));
    }

    /// <summary>The number of columns.</summary>
    public int Count => _columns.Length;

    /// <summary>The column at <paramref name="index"/>.</summary>
    public Column this[int index] => _columns[index];

    /// <inheritdoc/>
    public IEnumerator<Column> GetEnumerator() => ((IEnumerable<Column>)_columns).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The shape of a schema's visible columns.</summary>
    internal static SchemaShape Create(DataViewSchema schema) => new(schema.Where(c => !c.IsHidden).Select(Column.From));

    /// <summary>The last column named <paramref name="name"/>.</summary>
    internal bool TryFindColumn(string name, out Column column)
    {
        for (int i = _columns.Length - 1; i >= 0; i--)
            if (_columns[i].Name == name)
            {
                column = _columns[i];
                return true;
            }
        column = default;
        return false;
    }

    /// <summary>A column's shape.</summary>
    public readonly struct Column
    {
        /// <summary>Whether the column is a scalar, a vector of known size, or of variable size.</summary>
        public enum VectorKind
        {
            /// <summary>One value.</summary>
            Scalar,

            /// <summary>A vector of known size.</summary>
            Vector,

            /// <summary>A vector of variable size.</summary>
            VariableVector,
        }

        /// <summary>The name.</summary>
        public readonly string Name;

        /// <summary>Scalar or vector.</summary>
        public readonly VectorKind Kind;

        /// <summary>The item type (for keys, the underlying number type).</summary>
        public readonly DataViewType ItemType;

        /// <summary>Whether the column holds keys.</summary>
        public readonly bool IsKey;

        /// <summary>The annotations' shapes.</summary>
        public readonly SchemaShape Annotations;

        internal Column(string name, VectorKind vecKind, DataViewType itemType, bool isKey, SchemaShape? annotations = null)
        {
            ArgumentException.ThrowIfNullOrEmpty(name);
            ArgumentNullException.ThrowIfNull(itemType);
            if (itemType is KeyDataViewType or VectorDataViewType)
                throw new ArgumentException($"The item type of '{name}' must be neither a key nor a vector type; received {itemType}.", nameof(itemType));
            (Name, Kind, ItemType, IsKey, Annotations) = (name, vecKind, itemType, isKey, annotations ?? new SchemaShape([]));
        }

        internal bool IsValid => Name is not null;

        internal static Column From(DataViewSchema.Column column)
        {
            var type = column.Type;
            var kind = type is VectorDataViewType v ? v.IsKnownSize ? VectorKind.Vector : VectorKind.VariableVector : VectorKind.Scalar;
            var item = type is VectorDataViewType vector ? vector.ItemType : type;
            bool isKey = item is KeyDataViewType;
            var raw = isKey ? (DataViewType)NumberDataViewType.ForRawType(item.RawType)! : item;
            return new Column(column.Name, kind, raw, isKey, new SchemaShape(column.Annotations.Schema.Select(From)));
        }

        /// <summary>"Vector&lt;Single&gt;", "Key&lt;UInt32&gt;", "String" ….</summary>
        internal string GetTypeString()
        {
            string item = IsKey ? $"Key<{ItemType}>" : ItemType.ToString()!;
            return Kind == VectorKind.Scalar ? item : $"Vector<{item}>";
        }

        /// <inheritdoc/>
        public override string ToString() => $"{Name}: {GetTypeString()}";
    }
}
