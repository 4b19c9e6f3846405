using System.Collections;
using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>
/// The columns of a data view, in order (ML.NET's DataViewSchema). When a name appears more than
/// once, the last column of that name is the visible one and the others are hidden.
/// </summary>
public sealed class DataViewSchema : IReadOnlyList<DataViewSchema.Column>
{
    private readonly Column[] _columns;
    private readonly Dictionary<string, int> _byName = new(StringComparer.Ordinal);

    private DataViewSchema(IEnumerable<DetachedColumn> columns)
    {
        var list = columns.ToList();
        for (int i = 0; i < list.Count; i++) _byName[list[i].Name] = i;
        _columns = [.. list.Select((c, i) => new Column(c.Name, i, _byName[c.Name] != i, c.Type, c.Annotations))];
    }

    /// <summary>The number of columns, hidden ones included.</summary>
    public int Count => _columns.Length;

    /// <summary>The column at <paramref name="columnIndex"/>.</summary>
    public Column this[int columnIndex] => _columns[columnIndex];

    /// <summary>The visible column named <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such column (the message lists the columns).</exception>
    public Column this[string name]
    {
        get
        {
            ArgumentException.ThrowIfNullOrEmpty(name);
            return GetColumnOrNull(name) ?? throw new ArgumentOutOfRangeException(nameof(name), $"Column '{name}' not found. Columns: [{string.Join(", ", _columns.Where(c => !c.IsHidden).Select(c => c.Name))}].");
        }
    }

    /// <summary>The visible column named <paramref name="name"/>, or null.</summary>
    public Column? GetColumnOrNull(string name) => _byName.TryGetValue(name, out int i) ? _columns[i] : null;

    /// <inheritdoc/>
    public IEnumerator<Column> GetEnumerator() => ((IEnumerable<Column>)_columns).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>"N columns".</summary>
    public override string ToString() => $"{Count} columns";

    internal static DataViewSchema Create(IEnumerable<DetachedColumn> columns) => new(columns);

    /// <summary>A column of a schema: name, index, type, annotations, and whether a later column hides it.</summary>
    public readonly struct Column
    {
        internal Column(string name, int index, bool isHidden, DataViewType type, Annotations? annotations)
        {
            (Name, Index, IsHidden, Type, Annotations) = (name, index, isHidden, type, annotations ?? Annotations.Empty);
        }

        /// <summary>The name.</summary>
        public string Name { get; }

        /// <summary>The position in the schema.</summary>
        public int Index { get; }

        /// <summary>True when a later column has the same name.</summary>
        public bool IsHidden { get; }

        /// <summary>The type.</summary>
        public DataViewType Type { get; }

        /// <summary>Extra data about the column (key values, slot names).</summary>
        public Annotations Annotations { get; }

        /// <summary>"Name: Type".</summary>
        public override string ToString() => $"{Name}: {Type}{(Annotations.Schema.Count > 0 ? " {" + string.Join(", ", Annotations.Schema.Select(c => c.Name)) + "}" : "")}";
    }

    /// <summary>A column description not attached to a schema.</summary>
    public readonly struct DetachedColumn
    {
        /// <summary>A column named <paramref name="name"/> of <paramref name="type"/>.</summary>
        public DetachedColumn(string name, DataViewType type, Annotations? annotations = null)
        {
            ArgumentException.ThrowIfNullOrEmpty(name);
            (Name, Type, Annotations) = (name, type ?? throw new ArgumentNullException(nameof(type)), annotations ?? Annotations.Empty);
        }

        /// <summary>A copy of a schema's column.</summary>
        public DetachedColumn(Column column) : this(column.Name, column.Type, column.Annotations)
        {
        }

        /// <summary>The name.</summary>
        public string Name { get; }

        /// <summary>The type.</summary>
        public DataViewType Type { get; }

        /// <summary>The annotations.</summary>
        public Annotations Annotations { get; }
    }

    /// <summary>Named values attached to a column (for a key column, <c>KeyValues</c>: the original value of each key).</summary>
    public sealed class Annotations
    {
        private readonly Delegate[] _getters;

        internal Annotations(DataViewSchema schema, Delegate[] getters) => (Schema, _getters) = (schema, getters);

        /// <summary>No annotations.</summary>
        public static Annotations Empty { get; } = new(new DataViewSchema([]), []);

        /// <summary>The annotations' names and types.</summary>
        public DataViewSchema Schema { get; }

        /// <summary>A getter of the annotation <paramref name="column"/>.</summary>
        /// <exception cref="InvalidOperationException"><typeparamref name="TValue"/> is not the annotation's raw type.</exception>
        public ValueGetter<TValue> GetGetter<TValue>(Column column)
        {
            if (column.Index < 0 || column.Index >= _getters.Length || !ReferenceEquals(Schema[column.Index].Type, column.Type) && !Schema[column.Index].Type.Equals(column.Type))
                throw new ArgumentOutOfRangeException(nameof(column), $"'{column.Name}' is not an annotation of this column.");
            return _getters[column.Index] as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Annotation '{column.Name}' is of type {column.Type.RawType.Name}; it was read as {typeof(TValue).Name}.");
        }

        /// <summary>Reads the annotation named <paramref name="kind"/>.</summary>
        /// <exception cref="InvalidOperationException">No annotation of that name.</exception>
        public void GetValue<TValue>(string kind, ref TValue value)
        {
            var column = Schema.GetColumnOrNull(kind) ?? throw new InvalidOperationException($"No annotation '{kind}'. Annotations: [{string.Join(", ", Schema.Select(c => c.Name))}].");
            GetGetter<TValue>(column)(ref value);
        }

        /// <inheritdoc/>
        public override string ToString() => string.Join(", ", Schema.Select(c => c.Name));

        /// <summary>Builds annotations.</summary>
        public sealed class Builder
        {
            private readonly List<(DetachedColumn Column, Delegate Getter)> _items = [];

            /// <summary>Adds the annotations of <paramref name="annotations"/> whose names pass <paramref name="selector"/>.</summary>
            public void Add(Annotations annotations, Func<string, bool> selector)
            {
                ArgumentNullException.ThrowIfNull(annotations);
                ArgumentNullException.ThrowIfNull(selector);
                for (int i = 0; i < annotations.Schema.Count; i++)
                    if (selector(annotations.Schema[i].Name)) _items.Add((new DetachedColumn(annotations.Schema[i]), annotations._getters[i]));
            }

            /// <summary>Adds an annotation read by <paramref name="getter"/>.</summary>
            public void Add<TValue>(string name, DataViewType type, ValueGetter<TValue> getter, Annotations? annotations = null)
            {
                ArgumentNullException.ThrowIfNull(type);
                if (type.RawType != typeof(TValue)) throw new ArgumentException($"Annotation '{name}' of type {type} needs a getter of {type.RawType.Name}; received one of {typeof(TValue).Name}.", nameof(getter));
                _items.Add((new DetachedColumn(name, type, annotations), getter ?? throw new ArgumentNullException(nameof(getter))));
            }

            /// <summary>Adds an annotation read by a <see cref="ValueGetter{TValue}"/> given as a delegate.</summary>
            public void Add(string name, DataViewType type, Delegate getter, Annotations? annotations = null)
            {
                ArgumentNullException.ThrowIfNull(type);
                ArgumentNullException.ThrowIfNull(getter);
                var expected = typeof(ValueGetter<>).MakeGenericType(type.RawType);
                if (getter.GetType() != expected) throw new ArgumentException($"Annotation '{name}' needs a {expected.Name}; received {getter.GetType().Name}.", nameof(getter));
                _items.Add((new DetachedColumn(name, type, annotations), getter));
            }

            /// <summary>Adds an annotation with a constant value.</summary>
            public void AddPrimitiveValue<TValue>(string name, PrimitiveDataViewType type, TValue value, Annotations? annotations = null) =>
                Add(name, type, (ref TValue v) => v = value, annotations);

            /// <summary>The annotations built.</summary>
            public Annotations ToAnnotations() => new(new DataViewSchema(_items.Select(i => i.Column)), [.. _items.Select(i => i.Getter)]);
        }
    }

    /// <summary>Builds a schema column by column.</summary>
    public sealed class Builder
    {
        private readonly List<DetachedColumn> _columns = [];

        /// <summary>Adds a column.</summary>
        public void AddColumn(string name, DataViewType type, Annotations? annotations = null) => _columns.Add(new DetachedColumn(name, type, annotations));

        /// <summary>Adds copies of <paramref name="source"/>'s columns.</summary>
        public void AddColumns(IEnumerable<Column> source) => _columns.AddRange(source.Select(c => new DetachedColumn(c)));

        /// <summary>Adds columns.</summary>
        public void AddColumns(IEnumerable<DetachedColumn> source) => _columns.AddRange(source);

        /// <summary>The schema built.</summary>
        public DataViewSchema ToSchema() => new(_columns);
    }
}
