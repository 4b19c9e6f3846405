using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>
/// The common part of this library's cursors: position, batch, the schema, which columns are
/// active, and typed getters that throw on an inactive column or a type other than the raw type.
/// </summary>
internal abstract class CursorBase : DataViewRowCursor
{
    private readonly bool[] _active;
    private long _position = -1;

    protected CursorBase(DataViewSchema schema, IEnumerable<DataViewSchema.Column> active)
    {
        Schema = schema;
        _active = new bool[schema.Count];
        foreach (var c in active)
            if (c.Index >= 0 && c.Index < _active.Length) _active[c.Index] = true;
    }

    public override DataViewSchema Schema { get; }

    public override long Position => _position;

    public override long Batch => 0;

    /// <summary>The id of the current row, from which a derived cursor counts.</summary>
    protected virtual long RowId => _position;

    public override bool IsColumnActive(DataViewSchema.Column column) => column.Index >= 0 && column.Index < _active.Length && _active[column.Index];

    public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)RowId, 0);

    public sealed override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (!IsColumnActive(column))
            throw new InvalidOperationException($"Column '{column.Name}' is not active in this cursor; ask for it in GetRowCursor's columnsNeeded.");
        if (column.Type.RawType != typeof(TValue))
            throw new InvalidOperationException($"Column '{column.Name}' is of type {column.Type} (raw type {column.Type.RawType.Name}); it was read as {typeof(TValue).Name}.");
        return (ValueGetter<TValue>)MakeGetter(column.Index);
    }

    /// <summary>The getter of column <paramref name="index"/>, a ValueGetter of its raw type.</summary>
    protected abstract Delegate MakeGetter(int index);

    public sealed override bool MoveNext()
    {
        if (_position == long.MinValue) return false;
        if (Advance())
        {
            _position++;
            return true;
        }
        _position = long.MinValue;
        return false;
    }

    /// <summary>Moves the underlying source; false at the end.</summary>
    protected abstract bool Advance();
}

/// <summary>A row's values copied out (vectors cloned), so they survive the cursor moving on.</summary>
internal static class RowSnapshot
{
    /// <summary>The current row's values of the columns the readers were made for (by <see cref="Getters"/>).</summary>
    internal static object?[] Read(Delegate[] getters)
    {
        var values = new object?[getters.Length];
        for (int i = 0; i < getters.Length; i++) values[i] = ((Func<object?>)getters[i])();
        return values;
    }

    /// <summary>
    /// One reader per column: the column's typed getter and its cloner, bound once (reflection only
    /// here), so reading a row costs no reflection.
    /// </summary>
    internal static Delegate[] Getters(DataViewRow row, IReadOnlyList<DataViewSchema.Column> columns) =>
        [.. columns.Select(c => (Delegate)typeof(RowSnapshot).GetMethod(nameof(Reader), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(c.Type.RawType).Invoke(null, [row, c])!)];

    private static Func<object?> Reader<T>(DataViewRow row, DataViewSchema.Column column)
    {
        var getter = row.GetGetter<T>(column);
        return () =>
        {
            T value = default!;
            getter(ref value);
            return Cloner<T>.Clone(value);
        };
    }

    /// <summary>VBuffers are copied (getters may reuse their arrays); other values are immutable. Resolved once per type.</summary>
    private static class Cloner<T>
    {
        internal static readonly Func<T, object?> Clone = Make();

        private static Func<T, object?> Make()
        {
            if (!typeof(T).IsGenericType || typeof(T).GetGenericTypeDefinition() != typeof(VBuffer<>)) return v => v;
            return (Func<T, object?>)typeof(RowSnapshot).GetMethod(nameof(BufferCloner), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(typeof(T).GetGenericArguments()[0]).Invoke(null, null)!;
        }
    }

    private static Func<VBuffer<TItem>, object?> BufferCloner<TItem>() => buffer =>
    {
        VBuffer<TItem> copy = default;
        buffer.CopyTo(ref copy);
        return copy;
    };

    /// <summary>A getter serving column <paramref name="index"/> of the current snapshot.</summary>
    internal static Delegate Serve(Type raw, Func<object?[]> current, int index) =>
        (Delegate)typeof(RowSnapshot).GetMethod(nameof(ServeTyped), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(raw).Invoke(null, [current, index])!;

    private static ValueGetter<T> ServeTyped<T>(Func<object?[]> current, int index) => (ref T value) =>
    {
        object? v = current()[index];
        if (v is null) value = default!;
        else if (v is T typed) value = (T)Cloner<T>.Clone(typed)!; // callers may write into the arrays they get
        else throw new InvalidOperationException($"A cached value of type {v.GetType().Name} cannot be read as {typeof(T).Name}.");
    };
}
