using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace Microsoft.ML.Data;

/// <summary>Reads one column of a data view as a sequence (ML.NET's GetColumn).</summary>
public static class ColumnCursorExtensions
{
    /// <summary>The values of column <paramref name="columnName"/>: <typeparamref name="T"/> is its raw type, <c>string</c> for text, or <c>T[]</c> for vectors.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such column.</exception>
    /// <exception cref="InvalidOperationException">The column's values cannot be read as <typeparamref name="T"/>.</exception>
    public static IEnumerable<T> GetColumn<T>(this IDataView data, string columnName)
    {
        ArgumentNullException.ThrowIfNull(data);
        return data.GetColumn<T>(data.Schema[columnName]);
    }

    /// <summary>The values of <paramref name="column"/>.</summary>
    public static IEnumerable<T> GetColumn<T>(this IDataView data, DataViewSchema.Column column)
    {
        ArgumentNullException.ThrowIfNull(data);
        var raw = column.Type.RawType;
        if (typeof(T) != raw && !(typeof(T) == typeof(string) && raw == typeof(ReadOnlyMemory<char>)) && !(typeof(T).IsArray && column.Type is VectorDataViewType))
            throw new InvalidOperationException($"Column '{column.Name}' is of type {column.Type}; it cannot be read as {typeof(T).Name}.");
        return Read();

        IEnumerable<T> Read()
        {
            using var cursor = data.GetRowCursor([column]);
            var getters = RowSnapshot.Getters(cursor, [column]);
            while (cursor.MoveNext())
                yield return (T)TypeMapping.FromRaw(RowSnapshot.Read(getters)[0], typeof(T), column.Name)!;
        }
    }
}

/// <summary>The first rows of a data view, for the debugger and for printing (ML.NET's DataDebuggerPreview).</summary>
public sealed class DataDebuggerPreview
{
    internal DataDebuggerPreview(IDataView data, int maxRows)
    {
        Schema = data.Schema;
        var columns = data.Schema.Where(c => !c.IsHidden).ToList();
        var rows = new List<RowInfo>();
        using (var cursor = data.GetRowCursor(columns))
        {
            var getters = RowSnapshot.Getters(cursor, columns);
            while (rows.Count < maxRows && cursor.MoveNext())
            {
                var values = RowSnapshot.Read(getters);
                rows.Add(new RowInfo([.. columns.Select((c, i) => new KeyValuePair<string, object?>(c.Name, Display(values[i])))]));
            }
        }
        RowView = [.. rows];
        ColumnView = [.. columns.Select((c, i) => new ColumnInfo(c, [.. rows.Select(r => r.Values[i].Value)]))];
    }

    /// <summary>The schema.</summary>
    public DataViewSchema Schema { get; }

    /// <summary>The rows read, each as name–value pairs.</summary>
    public ImmutableArray<RowInfo> RowView { get; }

    /// <summary>The columns, each with its values.</summary>
    public ImmutableArray<ColumnInfo> ColumnView { get; }

    private static object? Display(object? value) => value switch
    {
        ReadOnlyMemory<char> text => text.ToString(),
        null => null,
        _ when value.GetType().IsGenericType && value.GetType().GetGenericTypeDefinition() == typeof(VBuffer<>) =>
            ((System.Collections.IEnumerable)value.GetType().GetMethod("DenseValues")!.Invoke(value, null)!).Cast<object?>().Select(Display).ToArray(),
        _ => value,
    };

    /// <summary>A table of the rows, one line each.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendLine(string.Join(" | ", ColumnView.Select(c => c.Column.Name)));
        foreach (var row in RowView) text.AppendLine(row.ToString());
        return text.ToString();
    }

    /// <summary>One row.</summary>
    /// <param name="values">Column name and value.</param>
    public sealed class RowInfo(KeyValuePair<string, object?>[] values)
    {
        /// <summary>Column name and value.</summary>
        public KeyValuePair<string, object?>[] Values { get; } = values;

        /// <inheritdoc/>
        public override string ToString() => string.Join(" | ", Values.Select(v => Format(v.Value)));

        private static string Format(object? v) => v switch
        {
            object?[] items => "[" + string.Join(", ", items.Take(8).Select(Format)) + (items.Length > 8 ? $", … ({items.Length})" : "") + "]",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => v?.ToString() ?? "",
        };
    }

    /// <summary>One column.</summary>
    /// <param name="column">The column.</param>
    /// <param name="values">Its values in the rows read.</param>
    public sealed class ColumnInfo(DataViewSchema.Column column, object?[] values)
    {
        /// <summary>The column.</summary>
        public DataViewSchema.Column Column { get; } = column;

        /// <summary>Its values.</summary>
        public object?[] Values { get; } = values;
    }
}
