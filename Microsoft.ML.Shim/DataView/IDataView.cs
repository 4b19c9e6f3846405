using Microsoft.ML.Data;

namespace Microsoft.ML;

/// <summary>Reads one value of a column of the current row into <paramref name="value"/>.</summary>
public delegate void ValueGetter<TValue>(ref TValue value);

/// <summary>
/// A table of rows read through cursors (ML.NET's IDataView): lazy, repeatable (every cursor
/// sees the same rows), schema-typed.
/// </summary>
public interface IDataView
{
    /// <summary>Whether cursors can visit the rows in a random order.</summary>
    bool CanShuffle { get; }

    /// <summary>The columns.</summary>
    DataViewSchema Schema { get; }

    /// <summary>The number of rows when known cheaply, else null.</summary>
    long? GetRowCount();

    /// <summary>A cursor over the rows that can read <paramref name="columnsNeeded"/>.</summary>
    DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null);

    /// <summary>Up to <paramref name="n"/> cursors that share the rows between them.</summary>
    DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null);
}

/// <summary>A row: typed getters for its active columns.</summary>
public abstract class DataViewRow : IDisposable
{
    /// <summary>The row's index within its cursor, -1 before the first and after the last.</summary>
    public abstract long Position { get; }

    /// <summary>Which cursor of a set the row came from.</summary>
    public abstract long Batch { get; }

    /// <summary>The columns.</summary>
    public abstract DataViewSchema Schema { get; }

    /// <summary>A getter of the row's id.</summary>
    public abstract ValueGetter<DataViewRowId> GetIdGetter();

    /// <summary>Whether <paramref name="column"/> can be read.</summary>
    public abstract bool IsColumnActive(DataViewSchema.Column column);

    /// <summary>A getter of <paramref name="column"/>; <typeparamref name="TValue"/> must be its raw type.</summary>
    /// <exception cref="InvalidOperationException">The column is inactive or of another type.</exception>
    public abstract ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column);

    /// <summary>Releases the row's resources.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Override to release resources.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}

/// <summary>A row that moves forward over a data view.</summary>
public abstract class DataViewRowCursor : DataViewRow
{
    /// <summary>Moves to the next row; false at the end.</summary>
    public abstract bool MoveNext();
}
