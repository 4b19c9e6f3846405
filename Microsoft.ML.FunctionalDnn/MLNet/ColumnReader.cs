using Microsoft.ML.Data;

namespace Microsoft.ML.FunctionalDnn.Transforms;

/// <summary>
/// Reads one column of the current row as numbers, whatever its ML.NET type: a scalar or a vector
/// (dense or sparse) of a number type, a boolean or a key. Values are widened to double, which holds
/// every int32 and uint32 id exactly; the caller narrows them to the tensor's dtype.
/// </summary>
internal abstract class ColumnReader
{
    /// <summary>The values of the row read last.</summary>
    internal abstract ReadOnlySpan<double> Values { get; }

    /// <summary>Reads the current row of the cursor the reader was made for.</summary>
    internal abstract void Read();

    /// <summary>A reader of <paramref name="column"/> on <paramref name="row"/>.</summary>
    /// <exception cref="ArgumentException">The column's item type is not a number, boolean or key.</exception>
    internal static ColumnReader Create(DataViewRow row, DataViewSchema.Column column)
    {
        bool vector = column.Type is VectorDataViewType;
        var item = column.Type is VectorDataViewType v ? v.ItemType : column.Type;
        return item.RawType switch
        {
            var t when t == typeof(float) => Make<float>(row, column, vector, x => x),
            var t when t == typeof(double) => Make<double>(row, column, vector, x => x),
            var t when t == typeof(sbyte) => Make<sbyte>(row, column, vector, x => x),
            var t when t == typeof(byte) => Make<byte>(row, column, vector, x => x),
            var t when t == typeof(short) => Make<short>(row, column, vector, x => x),
            var t when t == typeof(ushort) => Make<ushort>(row, column, vector, x => x),
            var t when t == typeof(int) => Make<int>(row, column, vector, x => x),
            var t when t == typeof(uint) => Make<uint>(row, column, vector, x => x),
            var t when t == typeof(long) => Make<long>(row, column, vector, x => x),
            var t when t == typeof(ulong) => Make<ulong>(row, column, vector, x => x),
            var t when t == typeof(bool) => Make<bool>(row, column, vector, x => x ? 1 : 0),
            _ => throw new ArgumentException($"Column '{column.Name}' ({column.Type}) cannot feed a model: use numbers, booleans, keys or vectors of them."),
        };
    }

    private static ColumnReader Make<T>(DataViewRow row, DataViewSchema.Column column, bool vector, Func<T, double> widen) =>
        vector ? new VectorReader<T>(row.GetGetter<VBuffer<T>>(column), widen) : new ScalarReader<T>(row.GetGetter<T>(column), widen);

    private sealed class ScalarReader<T>(ValueGetter<T> getter, Func<T, double> widen) : ColumnReader
    {
        private readonly double[] _value = new double[1];
        private T _raw = default!;

        internal override ReadOnlySpan<double> Values => _value;

        internal override void Read()
        {
            getter(ref _raw);
            _value[0] = widen(_raw);
        }
    }

    private sealed class VectorReader<T>(ValueGetter<VBuffer<T>> getter, Func<T, double> widen) : ColumnReader
    {
        private VBuffer<T> _raw;
        private double[] _values = [];
        private int _length;

        internal override ReadOnlySpan<double> Values => _values.AsSpan(0, _length);

        internal override void Read()
        {
            getter(ref _raw);
            _length = _raw.Length;
            if (_values.Length < _length) _values = new double[Math.Max(_length, _values.Length * 2)];
            var values = _raw.GetValues();
            if (_raw.IsDense)
            {
                for (int i = 0; i < values.Length; i++) _values[i] = widen(values[i]);
                return;
            }
            // Sparse: the implicit entries are the type's default (0).
            Array.Clear(_values, 0, _length);
            var indices = _raw.GetIndices();
            for (int i = 0; i < values.Length; i++) _values[indices[i]] = widen(values[i]);
        }
    }
}
