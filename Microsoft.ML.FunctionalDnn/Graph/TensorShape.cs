using System.Collections;
using System.Globalization;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// The shape of a symbolic tensor, batch axis first, where a dimension may be unknown (null,
/// printed <c>None</c> as Keras does): <c>(None, 200)</c> for a batch of 200-token sequences,
/// <c>(None, None, 256)</c> when the length varies. Immutable.
/// </summary>
/// <remarks>
/// Kept apart from <see cref="Shape"/> on purpose: a Shape is a concrete tensor's dimensions, all
/// known, with a size and strides; here a dimension may be unknown, so there is no size, and the
/// two must not be confused where a graph meets data (<see cref="IsCompatibleWith"/>,
/// <see cref="FromConcrete"/> convert between them). Axis normalization, the tuple text and the
/// hash are Shape's shared static helpers.
/// </remarks>
public sealed class TensorShape : IEquatable<TensorShape>, IReadOnlyList<int?>
{
    private readonly int?[] _dims;

    /// <summary>Creates a shape from its dimensions (null for unknown).</summary>
    public TensorShape(params int?[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        for (int i = 0; i < dims.Length; i++)
            if (dims[i] is < 0) throw new ArgumentException($"Shape dimensions must be zero or more (or null for unknown); dimension {i} of {Format(dims)} is {dims[i]}.", nameof(dims));
        _dims = (int?[])dims.Clone();
    }

    /// <summary>The number of dimensions, batch axis included.</summary>
    public int Rank => _dims.Length;

    /// <summary>The number of dimensions (same as <see cref="Rank"/>).</summary>
    public int Count => _dims.Length;

    /// <summary>Dimension <paramref name="axis"/> (negative counts from the end); null when unknown.</summary>
    public int? this[int axis] => _dims[Shape.NormalizeAxis(axis, Rank)];

    /// <summary>True when every dimension but the batch axis is known.</summary>
    public bool IsFullyDefinedPerSample => _dims.Skip(1).All(d => d.HasValue);

    /// <summary>The shape with a batch axis of unknown size in front of <paramref name="perSample"/>.</summary>
    public static TensorShape WithBatch(params int?[] perSample) => new([null, .. perSample]);

    /// <summary>A copy with dimension <paramref name="axis"/> replaced.</summary>
    public TensorShape With(int axis, int? size)
    {
        var d = (int?[])_dims.Clone();
        d[Shape.NormalizeAxis(axis, Rank)] = size;
        return new TensorShape(d);
    }

    /// <summary>The dimensions after the batch axis.</summary>
    public int?[] PerSample() => _dims[1..];

    /// <summary>The dimensions.</summary>
    public int?[] ToArray() => (int?[])_dims.Clone();

    /// <summary>Whether a concrete shape fits this one (same rank, equal wherever this one is known).</summary>
    public bool IsCompatibleWith(Shape concrete)
    {
        ArgumentNullException.ThrowIfNull(concrete);
        if (concrete.Rank != Rank) return false;
        for (int i = 0; i < Rank; i++)
            if (_dims[i] is int d && d != concrete[i]) return false;
        return true;
    }

    /// <summary>The shape of a concrete tensor, batch axis unknown.</summary>
    public static TensorShape FromConcrete(Shape shape, bool keepBatch = false)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var d = new int?[shape.Rank];
        for (int i = 0; i < d.Length; i++) d[i] = i == 0 && !keepBatch ? null : shape[i];
        return new TensorShape(d);
    }

    /// <inheritdoc/>
    public bool Equals(TensorShape? other) => other is not null && _dims.AsSpan().SequenceEqual(other._dims);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as TensorShape);

    /// <inheritdoc/>
    public override int GetHashCode() => Shape.Hash<int?>(_dims);

    /// <summary>Keras's text: <c>(None, 32)</c>, <c>(None,)</c>.</summary>
    public override string ToString() => Format(_dims);

    private static string Format(int?[] dims) =>
        Shape.Format<int?>(dims, static d => d?.ToString(CultureInfo.InvariantCulture) ?? "None");

    /// <inheritdoc/>
    public IEnumerator<int?> GetEnumerator() => ((IEnumerable<int?>)_dims).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _dims.GetEnumerator();
}
