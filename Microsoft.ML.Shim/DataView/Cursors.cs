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
    internal static object?[] Read(DataViewRow row, IReadOnlyList<DataViewSchema.Column> columns, Delegate[] getters)
    {
        var values = new object?[columns.Count];
        for (int i = 0; i < columns.Count; i++) values[i] = ReadOne(getters[i], columns[i].Type.RawType);
        return values;
    }

    internal static Delegate[] Getters(DataViewRow row, IReadOnlyList<DataViewSchema.Column> columns) =>
        [.. columns.Select(c => (Delegate)typeof(DataViewRow).GetMethod(nameof(DataViewRow.GetGetter))!.MakeGenericMethod(c.Type.RawType).Invoke(row, [c])!)];

    private static object? ReadOne(Delegate getter, Type raw) =>
        typeof(RowSnapshot).GetMethod(nameof(ReadTyped), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(raw).Invoke(null, [getter]);

    private static object? ReadTyped<T>(Delegate getter)
    {
        T value = default!;
        ((ValueGetter<T>)getter)(ref value);
        return Clone(value);
    }

    /// <summary>VBuffers are copied (getters may reuse their arrays); other values are immutable.</summary>
    private static object? Clone<T>(T value)
    {
        if (value is null) return null;
        var type = value.GetType();
        if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(VBuffer<>)) return value;
        return typeof(RowSnapshot).GetMethod(nameof(CloneBuffer), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(type.GetGenericArguments()[0]).Invoke(null, [value]);
    }

    private static VBuffer<TItem> CloneBuffer<TItem>(VBuffer<TItem> buffer)
    {
        VBuffer<TItem> copy = default;
        buffer.CopyTo(ref copy);
        return copy;
    }

    /// <summary>A getter serving column <paramref name="index"/> of the current snapshot.</summary>
    internal static Delegate Serve(Type raw, Func<object?[]> current, int index) =>
        (Delegate)typeof(RowSnapshot).GetMethod(nameof(ServeTyped), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(raw).Invoke(null, [current, index])!;

    private static ValueGetter<T> ServeTyped<T>(Func<object?[]> current, int index) => (ref T value) =>
    {
        object? v = current()[index];
        if (v is null) value = default!;
        else if (v is T typed) value = typed;
        else throw new InvalidOperationException($"A cached value of type {v.GetType().Name} cannot be read as {typeof(T).Name}.");
        if (value is not null && value.GetType().IsGenericType && value.GetType().GetGenericTypeDefinition() == typeof(VBuffer<>))
            value = (T)Clone(value)!; // callers may write into the arrays they get
    };
}
