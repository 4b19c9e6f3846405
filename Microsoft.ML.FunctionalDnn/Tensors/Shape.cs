using System.Collections;
using System.Globalization;
using System.Text;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// The dimensions of a concrete tensor, outermost first (row-major). Immutable.
/// </summary>
/// <remarks>
/// A sibling of <see cref="TensorShape"/>, not a base: every dimension here is known, so a Shape
/// has a <see cref="Size"/> and strides and indexes as <c>int</c>, which the kernels rely on; a
/// symbolic tensor's dimensions may be unknown (<c>int?</c>). The two share axis normalization,
/// the tuple text and the hash (the static helpers below); Keras keeps the same split between a
/// tensor's concrete shape and a KerasTensor's shape with <c>None</c>.
/// </remarks>
public sealed class Shape : IEquatable<Shape>, IReadOnlyList<int>
{
    private readonly int[] _dims;

    /// <summary>Creates a shape from its dimensions; each must be zero or more.</summary>
    /// <exception cref="ArgumentException">A dimension is negative.</exception>
    public Shape(params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        long size = 1;
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i] < 0)
                throw new ArgumentException($"Shape dimensions must be zero or more; dimension {i} of {Format(dims)} is {dims[i]}.", nameof(dims));
            size *= dims[i];
            if (size > int.MaxValue)
                throw new ArgumentException($"Shape {Format(dims)} holds more than {int.MaxValue} elements.", nameof(dims));
        }
        _dims = (int[])dims.Clone();
        Size = (int)size;
    }

    /// <summary>The shape of a scalar: rank 0, one element.</summary>
    public static Shape Scalar { get; } = new();

    /// <summary>The number of dimensions.</summary>
    public int Rank => _dims.Length;

    /// <summary>The number of elements (the product of the dimensions; 1 for a scalar).</summary>
    public int Size { get; }

    /// <summary>The number of dimensions (same as <see cref="Rank"/>).</summary>
    public int Count => _dims.Length;

    /// <summary>The size of dimension <paramref name="axis"/>; negative axes count from the end.</summary>
    public int this[int axis] => _dims[NormalizeAxis(axis)];

    /// <summary>A copy of the dimensions.</summary>
    public int[] ToArray() => (int[])_dims.Clone();

    internal ReadOnlySpan<int> Dims => _dims;

    /// <summary>Maps a possibly negative axis to 0..Rank-1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The axis is outside -Rank..Rank-1.</exception>
    public int NormalizeAxis(int axis) => NormalizeAxis(axis, Rank);

    internal static int NormalizeAxis(int axis, int rank)
    {
        int a = axis < 0 ? axis + rank : axis;
        if ((uint)a >= (uint)rank)
            throw new ArgumentOutOfRangeException(nameof(axis), $"Axis {axis} is out of range for a tensor of rank {rank} (expected {-rank}..{rank - 1}).");
        return a;
    }

    /// <summary>The product of the dimensions in [start, end).</summary>
    public int SizeOf(int start, int end)
    {
        int s = 1;
        for (int i = start; i < end; i++) s *= _dims[i];
        return s;
    }

    /// <summary>Row-major strides in elements.</summary>
    internal int[] Strides()
    {
        var s = new int[Rank];
        int acc = 1;
        for (int i = Rank - 1; i >= 0; i--) { s[i] = acc; acc *= _dims[i]; }
        return s;
    }

    /// <summary>Returns a shape with dimension <paramref name="axis"/> replaced by <paramref name="size"/>.</summary>
    public Shape With(int axis, int size)
    {
        var d = ToArray();
        d[NormalizeAxis(axis)] = size;
        return new Shape(d);
    }

    /// <inheritdoc/>
    public bool Equals(Shape? other) => other is not null && _dims.AsSpan().SequenceEqual(other._dims);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Shape);

    /// <inheritdoc/>
    public override int GetHashCode() => Hash<int>(_dims);

    /// <summary>The hash of a list of dimensions, for this type and <see cref="TensorShape"/>.</summary>
    internal static int Hash<T>(ReadOnlySpan<T> dims)
    {
        var h = new HashCode();
        foreach (var d in dims) h.Add(d);
        return h.ToHashCode();
    }

    /// <summary>Shapes are equal when their dimensions are.</summary>
    public static bool operator ==(Shape? a, Shape? b) => a is null ? b is null : a.Equals(b);

    /// <summary>Shapes differ when their dimensions do.</summary>
    public static bool operator !=(Shape? a, Shape? b) => !(a == b);

    /// <summary>Creates a shape from an array of dimensions.</summary>
    public static implicit operator Shape(int[] dims) => new(dims);

    /// <summary>Python-style text, e.g. <c>(2, 3)</c>, <c>(5,)</c> or <c>()</c>.</summary>
    public override string ToString() => Format(_dims);

    internal static string Format(ReadOnlySpan<int> dims) => Format(dims, static d => d.ToString(CultureInfo.InvariantCulture));

    /// <summary>Python's tuple text, <c>(2, 3)</c>, <c>(5,)</c>, <c>()</c>, with each dimension written by <paramref name="text"/> (also <see cref="TensorShape"/>'s, whose unknown dimensions read <c>None</c>).</summary>
    internal static string Format<T>(ReadOnlySpan<T> dims, Func<T, string> text)
    {
        var sb = new StringBuilder("(");
        for (int i = 0; i < dims.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(text(dims[i]));
        }
        if (dims.Length == 1) sb.Append(',');
        return sb.Append(')').ToString();
    }

    /// <inheritdoc/>
    public IEnumerator<int> GetEnumerator() => ((IEnumerable<int>)_dims).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _dims.GetEnumerator();
}
