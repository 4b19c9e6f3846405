using System.Collections;
using System.Globalization;

namespace Microsoft.ML.Data;

/// <summary>
/// A vector value, dense or sparse (ML.NET's VBuffer): <see cref="Length"/> logical items, the
/// explicit <see cref="GetValues"/> and, when sparse, their ascending <see cref="GetIndices"/>.
/// The constructors take ownership of the arrays; getters may reuse a destination's arrays.
/// </summary>
public readonly struct VBuffer<T> : IEnumerable
{
    private readonly T[]? _values;
    private readonly int[]? _indices;
    private readonly int _count;

    /// <summary>The logical length.</summary>
    public readonly int Length;

    /// <summary>A dense vector of the first <paramref name="length"/> items of <paramref name="values"/>.</summary>
    public VBuffer(int length, T[] values, int[]? indices = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length > 0 && (values is null || values.Length < length)) throw new ArgumentException($"A dense VBuffer of length {length} needs at least {length} values.", nameof(values));
        (Length, _count, _values, _indices) = (length, length, values, indices);
    }

    /// <summary>A sparse vector: <paramref name="count"/> explicit values at ascending <paramref name="indices"/> (dense when count equals length).</summary>
    public VBuffer(int length, int count, T[] values, int[]? indices)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (count < 0 || count > length) throw new ArgumentOutOfRangeException(nameof(count), count, $"count must be in [0, {length}].");
        if (count > 0 && (values is null || values.Length < count)) throw new ArgumentException($"{count} explicit values need an array of at least {count}.", nameof(values));
        if (count < length)
        {
            if (count > 0 && (indices is null || indices.Length < count)) throw new ArgumentException($"A sparse VBuffer needs {count} indices.", nameof(indices));
            for (int i = 0; i < count; i++)
                if (indices![i] < 0 || indices[i] >= length || (i > 0 && indices[i] <= indices[i - 1]))
                    throw new ArgumentException("Sparse indices must be ascending and inside the length.", nameof(indices));
        }
        (Length, _count, _values, _indices) = (length, count, values, indices);
    }

    /// <summary>True when every item is explicit.</summary>
    public bool IsDense => _count == Length;

    /// <summary>The explicit values.</summary>
    public ReadOnlySpan<T> GetValues() => _values is null ? [] : _values.AsSpan(0, _count);

    /// <summary>The indices of the explicit values; empty when dense.</summary>
    public ReadOnlySpan<int> GetIndices() => IsDense || _indices is null ? [] : _indices.AsSpan(0, _count);

    /// <summary>All <see cref="Length"/> items, implicit ones as <c>default</c>.</summary>
    public IEnumerable<T> DenseValues()
    {
        for (int i = 0; i < Length; i++) yield return GetItemOrDefault(i);
    }

    /// <summary>The explicit items with their indices (or every item when <paramref name="all"/>).</summary>
    public IEnumerable<KeyValuePair<int, T>> Items(bool all = false)
    {
        if (all || IsDense)
        {
            for (int i = 0; i < Length; i++) yield return new(i, GetItemOrDefault(i));
            yield break;
        }
        for (int i = 0; i < _count; i++) yield return new(_indices![i], _values![i]);
    }

    /// <summary>The item at <paramref name="index"/>, or <c>default</c> when implicit.</summary>
    public T GetItemOrDefault(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Length);
        if (IsDense) return _values![index];
        int at = _indices is null ? -1 : Array.BinarySearch(_indices, 0, _count, index);
        return at >= 0 ? _values![at] : default!;
    }

    /// <summary>The item at <paramref name="index"/> into <paramref name="destination"/>.</summary>
    public void GetItemOrDefault(int index, ref T destination) => destination = GetItemOrDefault(index);

    /// <summary>Writes the items, dense, into <paramref name="destination"/>.</summary>
    public void CopyTo(Span<T> destination)
    {
        if (destination.Length < Length) throw new ArgumentException($"The destination holds {destination.Length} items; the vector has {Length}.", nameof(destination));
        if (IsDense)
        {
            GetValues().CopyTo(destination);
            return;
        }
        destination[..Length].Clear();
        for (int i = 0; i < _count; i++) destination[_indices![i]] = _values![i];
    }

    /// <summary>Copies into <paramref name="destination"/>, reusing its array when large enough.</summary>
    public void CopyTo(ref VBuffer<T> destination)
    {
        var values = destination._values is { } existing && existing.Length >= _count ? existing : new T[Math.Max(_count, 0)];
        GetValues().CopyTo(values);
        if (IsDense)
        {
            destination = new VBuffer<T>(Length, values, destination._indices);
            return;
        }
        var indices = destination._indices is { } ix && ix.Length >= _count ? ix : new int[_count];
        GetIndices().CopyTo(indices);
        destination = new VBuffer<T>(Length, _count, values, indices);
    }

    /// <summary>A dense copy into <paramref name="destination"/>.</summary>
    public void CopyToDense(ref VBuffer<T> destination)
    {
        var values = destination._values is { } existing && existing.Length >= Length ? existing : new T[Length];
        CopyTo(values);
        destination = new VBuffer<T>(Length, values, destination._indices);
    }

    /// <summary>Enumerates the backing values (as ML.NET does).</summary>
    public IEnumerator GetEnumerator() => (_values ?? []).GetEnumerator();

    /// <inheritdoc/>
    public override string ToString() =>
        IsDense ? $"Dense vector of size {Length}" : string.Create(CultureInfo.InvariantCulture, $"Sparse vector of size {Length}, {_count} explicit values");
}

/// <summary>A 128-bit row id.</summary>
/// <param name="low">The low 64 bits.</param>
/// <param name="high">The high 64 bits.</param>
public readonly struct DataViewRowId(ulong low, ulong high) : IComparable<DataViewRowId>, IEquatable<DataViewRowId>
{
    /// <summary>The low 64 bits.</summary>
    public readonly ulong Low = low;

    /// <summary>The high 64 bits.</summary>
    public readonly ulong High = high;

    /// <inheritdoc/>
    public int CompareTo(DataViewRowId other) => High != other.High ? High.CompareTo(other.High) : Low.CompareTo(other.Low);

    /// <inheritdoc/>
    public bool Equals(DataViewRowId other) => Low == other.Low && High == other.High;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is DataViewRowId other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Low, High);

    /// <summary>32 hexadecimal digits, high then low.</summary>
    public override string ToString() => $"{High:X16}{Low:X16}";

    /// <summary>Compares by value.</summary>
    public static bool operator ==(DataViewRowId a, DataViewRowId b) => a.Equals(b);

    /// <summary>Compares by value.</summary>
    public static bool operator !=(DataViewRowId a, DataViewRowId b) => !a.Equals(b);

    /// <summary>Orders by value.</summary>
    public static bool operator <(DataViewRowId a, DataViewRowId b) => a.CompareTo(b) < 0;

    /// <summary>Orders by value.</summary>
    public static bool operator >(DataViewRowId a, DataViewRowId b) => a.CompareTo(b) > 0;

    /// <summary>Orders by value.</summary>
    public static bool operator <=(DataViewRowId a, DataViewRowId b) => a.CompareTo(b) <= 0;

    /// <summary>Orders by value.</summary>
    public static bool operator >=(DataViewRowId a, DataViewRowId b) => a.CompareTo(b) >= 0;
}
