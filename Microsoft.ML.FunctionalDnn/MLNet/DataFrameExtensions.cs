using System.Numerics;
using System.Reflection;
using Microsoft.Data.Analysis;
using Microsoft.ML.Data;

namespace Microsoft.ML.FunctionalDnn.DataFrames;

/// <summary>
/// Reads any ML.NET data view — a pipeline's scored output, for instance — into a
/// <see cref="DataFrame"/> without the traps of Microsoft.Data.Analysis's own
/// <c>IDataView.ToDataFrame()</c>, which reads only the first 100 rows unless given
/// <c>maxRows: -1</c>, and refuses key columns (such as a <c>PredictedLabel</c>) with
/// "UInt32 is not a supported column type".
/// </summary>
public static class DataFrameExtensions
{
    /// <summary>
    /// Reads every row of <paramref name="data"/> into a DataFrame, in one pass. Key columns become
    /// their key values (ML.NET's "KeyValues" annotation, the values MapValueToKey saw): text → a
    /// <see cref="StringDataFrameColumn"/>, numbers → the matching primitive column, booleans → a
    /// <see cref="BooleanDataFrameColumn"/>; a missing key (0) becomes null. A key column without key
    /// values gives its raw key numbers (1-based, 0 for missing) in a <see cref="UInt32DataFrameColumn"/>
    /// (<see cref="UInt64DataFrameColumn"/> for 64-bit keys). Vector columns come back as
    /// <see cref="VBufferDataFrameColumn{T}"/> (vectors of keys as vectors of their values). Hidden
    /// columns (those a later column of the same name replaced) are skipped.
    /// </summary>
    /// <param name="data">The data view to read.</param>
    /// <param name="columnNames">The columns to read, in this order; none for every visible column in schema order.</param>
    /// <returns>A DataFrame with every row of <paramref name="data"/>.</returns>
    /// <exception cref="ArgumentException">A name in <paramref name="columnNames"/> is not a column of <paramref name="data"/> (the message lists the columns).</exception>
    /// <exception cref="NotSupportedException">A selected column's type has no DataFrame column (the message names it).</exception>
    public static DataFrame ToDataFrameWithKeyValues(this IDataView data, params string[] columnNames) => ToDataFrameWithKeyValues(data, -1, columnNames);

    /// <summary>
    /// Reads the first <paramref name="maxRows"/> rows of <paramref name="data"/> into a DataFrame,
    /// key columns as their key values (see <see cref="ToDataFrameWithKeyValues(IDataView, string[])"/>).
    /// </summary>
    /// <param name="data">The data view to read.</param>
    /// <param name="maxRows">The most rows to read; -1 for all of them.</param>
    /// <param name="columnNames">The columns to read, in this order; none for every visible column in schema order.</param>
    /// <returns>A DataFrame with at most <paramref name="maxRows"/> rows.</returns>
    /// <exception cref="ArgumentException">A name in <paramref name="columnNames"/> is not a column of <paramref name="data"/>.</exception>
    /// <exception cref="NotSupportedException">A selected column's type has no DataFrame column (the message names it).</exception>
    public static DataFrame ToDataFrameWithKeyValues(this IDataView data, long maxRows, params string[] columnNames)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (maxRows < -1) throw new ArgumentOutOfRangeException(nameof(maxRows), $"maxRows must be -1 (all rows) or at least 0; received {maxRows}.");
        var schema = data.Schema;
        var visible = schema.Where(c => !c.IsHidden).ToList();
        List<DataViewSchema.Column> selected;
        if (columnNames is null || columnNames.Length == 0) selected = visible;
        else
        {
            // ML.NET's ToDataFrame ignores unknown names silently; a typo here is an error.
            selected = [.. columnNames.Distinct().Select(n => schema.GetColumnOrNull(n) ?? throw new ArgumentException(
                $"The data has no column '{n}'. Columns: [{string.Join(", ", visible.Select(c => c.Name))}].", nameof(columnNames)))];
        }
        using var cursor = data.GetRowCursor(selected);
        var readers = selected.Select(c => DataFrameColumnReader.Create(cursor, c)).ToList();
        for (long rows = 0; (maxRows < 0 || rows < maxRows) && cursor.MoveNext(); rows++)
            foreach (var reader in readers) reader.Add();
        return new DataFrame(readers.Select(r => r.Column));
    }
}

/// <summary>
/// Appends the value of one data-view column at the cursor's row to a DataFrame column: primitives
/// to the matching typed column, text to a <see cref="StringDataFrameColumn"/>, vectors (copied, since
/// getters reuse their buffers) to a <see cref="VBufferDataFrameColumn{T}"/>, keys as their values.
/// </summary>
internal sealed class DataFrameColumnReader(DataFrameColumn column, Action add)
{
    private const string KeyValuesKind = "KeyValues";

    /// <summary>The column being filled.</summary>
    internal DataFrameColumn Column => column;

    /// <summary>Appends the current row's value.</summary>
    internal void Add() => add();

    /// <summary>A reader of <paramref name="source"/> for <paramref name="cursor"/>, by the column's type.</summary>
    /// <exception cref="NotSupportedException">The type has no DataFrame column.</exception>
    internal static DataFrameColumnReader Create(DataViewRowCursor cursor, DataViewSchema.Column source)
    {
        var type = source.Type;
        var item = type is VectorDataViewType v ? v.ItemType : type;
        var keyValues = item is KeyDataViewType && source.Annotations.Schema.GetColumnOrNull(KeyValuesKind) is { Type: VectorDataViewType { ItemType: PrimitiveDataViewType values } } ? values.RawType : null;
        var (method, generic) = (item, keyValues) switch
        {
            (KeyDataViewType, Type value) when type is VectorDataViewType => (nameof(KeyVector), new[] { item.RawType, value }),
            (KeyDataViewType, Type value) when value == typeof(ReadOnlyMemory<char>) => (nameof(KeyText), [item.RawType]),
            (KeyDataViewType, Type value) => (nameof(KeyValue), [item.RawType, value]),
            (KeyDataViewType, null) when type is not VectorDataViewType => (nameof(RawKey), [item.RawType]),
            _ when type is VectorDataViewType => (nameof(Vector), [item.RawType]),
            (TextDataViewType, _) => (nameof(Text), []),
            _ => (nameof(Scalar), [item.RawType]),
        };
        var info = typeof(DataFrameColumnReader).GetMethod(method, BindingFlags.NonPublic | BindingFlags.Static)!;
        try
        {
            if (generic.Length > 0) info = info.MakeGenericMethod(generic);
        }
        catch (ArgumentException e)
        {
            // A type argument breaks a constraint (a class, say, where a DataFrame column needs an unmanaged value type).
            throw new NotSupportedException($"Column '{source.Name}' holds {type}, which no DataFrame column can hold; leave it out by naming the columns to read.", e);
        }
        return (DataFrameColumnReader)info.Invoke(null, BindingFlags.DoNotWrapExceptions, null, [cursor, source], null)!;
    }

    private static DataFrameColumnReader Scalar<T>(DataViewRowCursor cursor, DataViewSchema.Column source)
        where T : unmanaged
    {
        var target = NewColumn<T>(source.Name);
        var getter = cursor.GetGetter<T>(source);
        T value = default;
        return new(target, () =>
        {
            getter(ref value);
            target.Append(value);
        });
    }

    private static DataFrameColumnReader Text(DataViewRowCursor cursor, DataViewSchema.Column source)
    {
        var target = new StringDataFrameColumn(source.Name, 0);
        var getter = cursor.GetGetter<ReadOnlyMemory<char>>(source);
        ReadOnlyMemory<char> value = default;
        return new(target, () =>
        {
            getter(ref value);
            target.Append(value.ToString());
        });
    }

    private static DataFrameColumnReader Vector<T>(DataViewRowCursor cursor, DataViewSchema.Column source)
    {
        var target = new VBufferDataFrameColumn<T>(source.Name, 0);
        var getter = cursor.GetGetter<VBuffer<T>>(source);
        VBuffer<T> value = default;
        return new(target, () =>
        {
            getter(ref value);
            VBuffer<T> copy = default;
            value.CopyTo(ref copy);
            target.Append(copy);
        });
    }

    private static DataFrameColumnReader RawKey<TKey>(DataViewRowCursor cursor, DataViewSchema.Column source)
        where TKey : unmanaged, IBinaryInteger<TKey>
    {
        var getter = cursor.GetGetter<TKey>(source);
        TKey key = default;
        if (typeof(TKey) == typeof(ulong))
        {
            var wide = new UInt64DataFrameColumn(source.Name, 0);
            return new(wide, () => { getter(ref key); wide.Append(ulong.CreateTruncating(key)); });
        }
        var target = new UInt32DataFrameColumn(source.Name, 0);
        return new(target, () => { getter(ref key); target.Append(uint.CreateTruncating(key)); });
    }

    private static DataFrameColumnReader KeyText<TKey>(DataViewRowCursor cursor, DataViewSchema.Column source)
        where TKey : unmanaged, IBinaryInteger<TKey>
    {
        var values = Values<ReadOnlyMemory<char>>(source).Select(v => v.ToString()).ToArray();
        var target = new StringDataFrameColumn(source.Name, 0);
        var getter = cursor.GetGetter<TKey>(source);
        TKey key = default;
        return new(target, () =>
        {
            getter(ref key);
            target.Append(Lookup(values, key) is int i ? values[i] : null);
        });
    }

    private static DataFrameColumnReader KeyValue<TKey, T>(DataViewRowCursor cursor, DataViewSchema.Column source)
        where TKey : unmanaged, IBinaryInteger<TKey>
        where T : unmanaged
    {
        var values = Values<T>(source);
        var target = NewColumn<T>(source.Name);
        var getter = cursor.GetGetter<TKey>(source);
        TKey key = default;
        return new(target, () =>
        {
            getter(ref key);
            target.Append(Lookup(values, key) is int i ? values[i] : null);
        });
    }

    private static DataFrameColumnReader KeyVector<TKey, T>(DataViewRowCursor cursor, DataViewSchema.Column source)
        where TKey : unmanaged, IBinaryInteger<TKey>
    {
        var values = Values<T>(source);
        var target = new VBufferDataFrameColumn<T>(source.Name, 0);
        var getter = cursor.GetGetter<VBuffer<TKey>>(source);
        VBuffer<TKey> keys = default;
        return new(target, () =>
        {
            getter(ref keys);
            // Missing keys (0, and the implicit entries of a sparse vector) become the type's default.
            var row = new T[keys.Length];
            foreach (var (index, key) in keys.Items())
                if (Lookup(values, key) is int i) row[index] = values[i];
            target.Append(new VBuffer<T>(row.Length, row));
        });
    }

    /// <summary>The index into the key values of a 1-based key; null for 0 (missing) or a key past them.</summary>
    private static int? Lookup<TKey, T>(T[] values, TKey key)
        where TKey : IBinaryInteger<TKey>
    {
        ulong k = ulong.CreateTruncating(key);
        return k == 0 || k > (ulong)values.Length ? null : (int)(k - 1);
    }

    private static T[] Values<T>(DataViewSchema.Column source)
    {
        VBuffer<T> values = default;
        source.Annotations.GetValue(KeyValuesKind, ref values);
        return [.. values.DenseValues()];
    }

    /// <summary>The typed DataFrame column of <typeparamref name="T"/> (SingleDataFrameColumn for float …), as ML.NET's ToDataFrame makes them.</summary>
    private static PrimitiveDataFrameColumn<T> NewColumn<T>(string name)
        where T : unmanaged
    {
        DataFrameColumn column = default(T) switch
        {
            float => new SingleDataFrameColumn(name, 0),
            double => new DoubleDataFrameColumn(name, 0),
            sbyte => new SByteDataFrameColumn(name, 0),
            byte => new ByteDataFrameColumn(name, 0),
            short => new Int16DataFrameColumn(name, 0),
            ushort => new UInt16DataFrameColumn(name, 0),
            int => new Int32DataFrameColumn(name, 0),
            uint => new UInt32DataFrameColumn(name, 0),
            long => new Int64DataFrameColumn(name, 0),
            ulong => new UInt64DataFrameColumn(name, 0),
            bool => new BooleanDataFrameColumn(name, 0),
            DateTime => new DateTimeDataFrameColumn(name, 0),
            _ => new PrimitiveDataFrameColumn<T>(name, 0),
        };
        return (PrimitiveDataFrameColumn<T>)column;
    }
}
