namespace Microsoft.ML.Data;

/// <summary>The column name of a class member (default: the member's name).</summary>
/// <param name="name">The column name.</param>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class ColumnNameAttribute(string name) : Attribute
{
    internal string Name { get; } = name ?? throw new ArgumentNullException(nameof(name));
}

/// <summary>A member that is not a column.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class NoColumnAttribute : Attribute
{
}

/// <summary>An array member as a vector column of known size (with dimensions for images: height, width, channels).</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class VectorTypeAttribute : Attribute
{
    /// <summary>A vector of variable size.</summary>
    public VectorTypeAttribute() => Dims = [];

    /// <summary>A vector of <paramref name="size"/> items.</summary>
    public VectorTypeAttribute(int size) : this([size])
    {
    }

    /// <summary>A vector with these dimensions.</summary>
    public VectorTypeAttribute(params int[] dimensions)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        if (dimensions.Any(d => d < 0)) throw new ArgumentOutOfRangeException(nameof(dimensions), "Vector dimensions cannot be negative.");
        Dims = dimensions;
    }

    internal int[] Dims { get; }
}

/// <summary>An unsigned integer member as a key column of <c>count</c> values.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class KeyTypeAttribute : Attribute
{
    /// <summary>Not supported: give the count.</summary>
    public KeyTypeAttribute() => throw new NotSupportedException("KeyType needs the number of key values: [KeyType(count)].");

    /// <summary>A key of <paramref name="count"/> values.</summary>
    public KeyTypeAttribute(ulong count) => Count = count;

    internal ulong Count { get; }
}

/// <summary>The source columns of a member when loading text files (0-based).</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class LoadColumnAttribute : Attribute
{
    /// <summary>One source column.</summary>
    public LoadColumnAttribute(int fieldIndex) : this([fieldIndex])
    {
    }

    /// <summary>A range of source columns (inclusive), loaded as a vector.</summary>
    public LoadColumnAttribute(int start, int end) : this([.. Enumerable.Range(start, end - start + 1)])
    {
    }

    /// <summary>These source columns, loaded as a vector.</summary>
    public LoadColumnAttribute(int[] columnIndexes)
    {
        ArgumentNullException.ThrowIfNull(columnIndexes);
        if (columnIndexes.Length == 0 || columnIndexes.Any(i => i < 0)) throw new ArgumentException("Source column indexes must be non-negative, at least one.", nameof(columnIndexes));
        Sources = columnIndexes;
    }

    internal int[] Sources { get; }
}
