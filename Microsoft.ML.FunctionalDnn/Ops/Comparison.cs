using Microsoft.ML.FunctionalDnn.Backends;

namespace Microsoft.ML.FunctionalDnn;

public static partial class Ops
{
    /// <summary>
    /// 1 where a == b, else 0, as float32, with NumPy broadcasting: Keras's <c>ops.equal</c>, as a
    /// 0/1 multiplier rather than booleans. Both operands float32 or both int32; no gradient.
    /// NaN equals nothing, itself included.
    /// </summary>
    /// <exception cref="ArgumentException">The types differ, or the shapes do not broadcast (both are named).</exception>
    public static Tensor Equal(Tensor a, Tensor b) => Backend.Current.Equal(a, b);

    /// <summary>1 where a != b, else 0, as float32 with broadcasting (Keras's <c>ops.not_equal</c>); NaN differs from everything.</summary>
    /// <exception cref="ArgumentException">The types differ, or the shapes do not broadcast (both are named).</exception>
    public static Tensor NotEqual(Tensor a, Tensor b) => Backend.Current.NotEqual(a, b);

    /// <summary>1 where a &gt; b, else 0, as float32 with broadcasting (Keras's <c>ops.greater</c>); a NaN on either side gives 0.</summary>
    /// <exception cref="ArgumentException">The types differ, or the shapes do not broadcast (both are named).</exception>
    public static Tensor Greater(Tensor a, Tensor b) => Backend.Current.Greater(a, b);

    /// <summary>
    /// 1 where <paramref name="low"/> ≤ x &lt; <paramref name="high"/>, else 0 (NaN is outside), as
    /// float32; x float32 or int32, compared in its own type so large ids stay exact. The validity
    /// mask of ids and labels: a reduction of it brings one scalar to the host instead of the data.
    /// </summary>
    internal static Tensor InRange(Tensor x, int low, int high)
    {
        ArgumentNullException.ThrowIfNull(x);
        // 1 - [low > x] rather than [x > low - 1], so a fractional float just below low stays outside.
        var notBelow = Subtract(Tensor.Scalar(1), Greater(Bound(low, x.DType), x));
        return Multiply(notBelow, Greater(Bound(high, x.DType), x));
    }

    // A temporary of the caller's scope (every Embedding call checks its ids with one).
    private static Tensor Bound(int value, DType dtype) =>
        dtype == DType.Int32 ? Backend.Current.FromHostTemporary([value], Shape.Scalar) : Tensor.Scalar(value);
}
