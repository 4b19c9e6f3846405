using Microsoft.ML.Data;

namespace Microsoft.ML.FunctionalDnn.Transforms;

/// <summary>
/// An input column passed through a batched cursor: the input cursor runs a batch ahead of the rows
/// served, so the values of each row are copied into a slot as they are read and given back when the
/// consumer reaches that row. Vectors are copied deeply (a getter may reuse its buffers).
/// </summary>
internal abstract class BufferedColumn
{
    /// <summary>A buffer for <paramref name="column"/> read from <paramref name="cursor"/>.</summary>
    internal static BufferedColumn Create(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var type = column.Type is VectorDataViewType v
            ? typeof(BufferedVector<>).MakeGenericType(v.ItemType.RawType)
            : typeof(BufferedScalar<>).MakeGenericType(column.Type.RawType);
        return (BufferedColumn)Activator.CreateInstance(type, cursor, column)!;
    }

    /// <summary>Copies the cursor's current value into slot <paramref name="slot"/>.</summary>
    internal abstract void Capture(int slot);

    /// <summary>A getter of the value in the slot <paramref name="slot"/> gives at the time of the call.</summary>
    internal abstract Delegate Getter(Func<int> slot);

    private sealed class BufferedScalar<T>(DataViewRowCursor cursor, DataViewSchema.Column column) : BufferedColumn
    {
        private readonly ValueGetter<T> _source = cursor.GetGetter<T>(column);
        private T[] _values = [];

        internal override void Capture(int slot)
        {
            if (slot >= _values.Length) Array.Resize(ref _values, Math.Max(slot + 1, _values.Length * 2));
            _source(ref _values[slot]);
        }

        internal override Delegate Getter(Func<int> slot) => (ValueGetter<T>)((ref T value) => value = _values[slot()]);
    }

    private sealed class BufferedVector<T>(DataViewRowCursor cursor, DataViewSchema.Column column) : BufferedColumn
    {
        private readonly ValueGetter<VBuffer<T>> _source = cursor.GetGetter<VBuffer<T>>(column);
        private VBuffer<T>[] _values = [];
        private VBuffer<T> _read;

        internal override void Capture(int slot)
        {
            if (slot >= _values.Length) Array.Resize(ref _values, Math.Max(slot + 1, _values.Length * 2));
            _source(ref _read);
            _read.CopyTo(ref _values[slot]);
        }

        internal override Delegate Getter(Func<int> slot) => (ValueGetter<VBuffer<T>>)((ref VBuffer<T> value) => _values[slot()].CopyTo(ref value));
    }
}
