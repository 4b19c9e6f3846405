using System.Collections.Immutable;

namespace Microsoft.ML.Data;

/// <summary>The type of a column: its raw .NET type (<see cref="RawType"/>) and, for vectors and keys, more.</summary>
public abstract class DataViewType : IEquatable<DataViewType>
{
    private protected DataViewType(Type rawType) => RawType = rawType ?? throw new ArgumentNullException(nameof(rawType));

    /// <summary>The .NET type getters of this column produce.</summary>
    public Type RawType { get; }

    /// <summary>True when <paramref name="other"/> is the same column type.</summary>
    public abstract bool Equals(DataViewType? other);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is DataViewType t && Equals(t);

    /// <inheritdoc/>
    public override int GetHashCode() => RawType.GetHashCode();
}

/// <summary>A type made of parts (vectors).</summary>
public abstract class StructuredDataViewType : DataViewType
{
    /// <summary>A structured type over <paramref name="rawType"/>.</summary>
    protected StructuredDataViewType(Type rawType) : base(rawType)
    {
    }
}

/// <summary>A single value (numbers, text, booleans, keys).</summary>
public abstract class PrimitiveDataViewType : DataViewType
{
    /// <summary>A primitive type over <paramref name="rawType"/>, which must not be disposable.</summary>
    protected PrimitiveDataViewType(Type rawType) : base(rawType)
    {
        if (typeof(IDisposable).IsAssignableFrom(rawType))
            throw new ArgumentException($"A primitive column type cannot be disposable; received {rawType.Name}.", nameof(rawType));
    }
}

/// <summary>Text: getters produce <see cref="ReadOnlyMemory{T}"/> of char.</summary>
public sealed class TextDataViewType : PrimitiveDataViewType
{
    private TextDataViewType() : base(typeof(ReadOnlyMemory<char>))
    {
    }

    /// <summary>The text type.</summary>
    public static TextDataViewType Instance { get; } = new();

    /// <inheritdoc/>
    public override bool Equals(DataViewType? other) => ReferenceEquals(other, this);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => ReferenceEquals(obj, this);

    /// <inheritdoc/>
    public override int GetHashCode() => 1;

    /// <inheritdoc/>
    public override string ToString() => "String";
}

/// <summary>Booleans.</summary>
public sealed class BooleanDataViewType : PrimitiveDataViewType
{
    private BooleanDataViewType() : base(typeof(bool))
    {
    }

    /// <summary>The boolean type.</summary>
    public static BooleanDataViewType Instance { get; } = new();

    /// <inheritdoc/>
    public override bool Equals(DataViewType? other) => ReferenceEquals(other, this);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => ReferenceEquals(obj, this);

    /// <inheritdoc/>
    public override int GetHashCode() => 2;

    /// <inheritdoc/>
    public override string ToString() => "Boolean";
}

/// <summary>Row ids.</summary>
public sealed class RowIdDataViewType : PrimitiveDataViewType
{
    private RowIdDataViewType() : base(typeof(DataViewRowId))
    {
    }

    /// <summary>The row-id type.</summary>
    public static RowIdDataViewType Instance { get; } = new();

    /// <inheritdoc/>
    public override bool Equals(DataViewType? other) => ReferenceEquals(other, this);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => ReferenceEquals(obj, this);

    /// <inheritdoc/>
    public override int GetHashCode() => 3;

    /// <inheritdoc/>
    public override string ToString() => "DataViewRowId";
}

/// <summary>The numeric types, one singleton each (compare them with <c>==</c>).</summary>
public sealed class NumberDataViewType : PrimitiveDataViewType
{
    private NumberDataViewType(Type rawType) : base(rawType)
    {
    }

    /// <summary>sbyte.</summary>
    public static NumberDataViewType SByte { get; } = new(typeof(sbyte));

    /// <summary>byte.</summary>
    public static NumberDataViewType Byte { get; } = new(typeof(byte));

    /// <summary>short.</summary>
    public static NumberDataViewType Int16 { get; } = new(typeof(short));

    /// <summary>ushort.</summary>
    public static NumberDataViewType UInt16 { get; } = new(typeof(ushort));

    /// <summary>int.</summary>
    public static NumberDataViewType Int32 { get; } = new(typeof(int));

    /// <summary>uint.</summary>
    public static NumberDataViewType UInt32 { get; } = new(typeof(uint));

    /// <summary>long.</summary>
    public static NumberDataViewType Int64 { get; } = new(typeof(long));

    /// <summary>ulong.</summary>
    public static NumberDataViewType UInt64 { get; } = new(typeof(ulong));

    /// <summary>float.</summary>
    public static NumberDataViewType Single { get; } = new(typeof(float));

    /// <summary>double.</summary>
    public static NumberDataViewType Double { get; } = new(typeof(double));

    internal static NumberDataViewType? ForRawType(Type t) =>
        new[] { SByte, Byte, Int16, UInt16, Int32, UInt32, Int64, UInt64, Single, Double }.FirstOrDefault(n => n.RawType == t);

    /// <inheritdoc/>
    public override bool Equals(DataViewType? other) => ReferenceEquals(other, this);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => ReferenceEquals(obj, this);

    /// <inheritdoc/>
    public override int GetHashCode() => RawType.GetHashCode();

    /// <inheritdoc/>
    public override string ToString() => RawType.Name;
}

/// <summary>
/// A key: a category stored as an unsigned integer in [1, <see cref="Count"/>], 0 meaning missing
/// (labels mapped by <c>MapValueToKey</c>).
/// </summary>
public sealed class KeyDataViewType : PrimitiveDataViewType
{
    /// <summary>A key over <paramref name="type"/> (byte, ushort, uint or ulong) with <paramref name="count"/> values.</summary>
    /// <exception cref="ArgumentException">Another type, or a count of 0 or beyond the type's range.</exception>
    public KeyDataViewType(Type type, ulong count) : base(type)
    {
        if (!IsValidDataType(type)) throw new ArgumentException($"A key's type must be byte, ushort, uint or ulong; received {type.Name}.", nameof(type));
        ulong max = type == typeof(byte) ? byte.MaxValue : type == typeof(ushort) ? ushort.MaxValue : type == typeof(uint) ? uint.MaxValue : ulong.MaxValue;
        if (count == 0 || count > max) throw new ArgumentOutOfRangeException(nameof(count), count, $"A key's count must be in [1, {max}].");
        Count = count;
    }

    /// <summary>A key over <paramref name="type"/> with <paramref name="count"/> values.</summary>
    public KeyDataViewType(Type type, int count) : this(type, count > 0 ? (ulong)count : throw new ArgumentOutOfRangeException(nameof(count), count, "A key's count must be positive."))
    {
    }

    /// <summary>The number of values.</summary>
    public ulong Count { get; }

    /// <summary>True for byte, ushort, uint and ulong.</summary>
    public static bool IsValidDataType(Type type) => type == typeof(byte) || type == typeof(ushort) || type == typeof(uint) || type == typeof(ulong);

    /// <inheritdoc/>
    public override bool Equals(DataViewType? other) => other is KeyDataViewType k && k.RawType == RawType && k.Count == Count;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is DataViewType t && Equals(t);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(RawType, Count);

    /// <inheritdoc/>
    public override string ToString() => $"Key<{RawType.Name}, 0-{Count - 1}>";
}

/// <summary>A vector of a primitive type, of known size (<see cref="Size"/> &gt; 0) or variable (0).</summary>
public sealed class VectorDataViewType : StructuredDataViewType
{
    /// <summary>A vector of <paramref name="size"/> items (0: variable size).</summary>
    public VectorDataViewType(PrimitiveDataViewType itemType, int size = 0) : this(itemType, ImmutableArray.Create(size))
    {
    }

    /// <summary>A vector with these dimensions (an image: height, width, channels).</summary>
    public VectorDataViewType(PrimitiveDataViewType itemType, params int[] dimensions) : this(itemType, ImmutableArray.Create(dimensions))
    {
    }

    /// <summary>A vector with these dimensions.</summary>
    public VectorDataViewType(PrimitiveDataViewType itemType, ImmutableArray<int> dimensions)
        : base(typeof(VBuffer<>).MakeGenericType((itemType ?? throw new ArgumentNullException(nameof(itemType))).RawType))
    {
        if (dimensions.IsDefaultOrEmpty) throw new ArgumentException("A vector needs at least one dimension.", nameof(dimensions));
        if (dimensions.Any(d => d < 0)) throw new ArgumentOutOfRangeException(nameof(dimensions), "Vector dimensions cannot be negative.");
        ItemType = itemType;
        Dimensions = dimensions;
        Size = dimensions.Any(d => d == 0) ? 0 : checked(dimensions.Aggregate(1, (a, b) => a * b));
    }

    /// <summary>The item type.</summary>
    public PrimitiveDataViewType ItemType { get; }

    /// <summary>The dimensions (their product is <see cref="Size"/>).</summary>
    public ImmutableArray<int> Dimensions { get; }

    /// <summary>The number of items, or 0 when the size varies.</summary>
    public int Size { get; }

    /// <summary>True when every row has <see cref="Size"/> items.</summary>
    public bool IsKnownSize => Size > 0;

    /// <inheritdoc/>
    public override bool Equals(DataViewType? other) =>
        other is VectorDataViewType v && v.ItemType.Equals(ItemType) && v.Size == Size && v.Dimensions.SequenceEqual(Dimensions);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is DataViewType t && Equals(t);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(ItemType, Size, Dimensions.Length);

    /// <inheritdoc/>
    public override string ToString() => IsKnownSize ? $"Vector<{ItemType}, {string.Join(", ", Dimensions)}>" : $"Vector<{ItemType}>";
}
