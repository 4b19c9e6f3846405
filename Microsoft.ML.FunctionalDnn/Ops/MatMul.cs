using Microsoft.ML.FunctionalDnn.Backends;
using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn;

public static partial class Ops
{
    /// <summary>
    /// Matrix product. Rank 2 × rank 2 is (m, k)·(k, n); a rank-3+ left operand times a rank-2
    /// right one applies the matrix to every row of the leading axes (a Dense layer on a sequence);
    /// two rank-3+ operands with equal leading (batch) axes multiply batch by batch. The last two
    /// axes of either side can be transposed without a copy.
    /// </summary>
    public static Tensor MatMul(Tensor a, Tensor b, bool transposeA = false, bool transposeB = false) => Backend.Current.MatMul(a, b, transposeA, transposeB);

    /// <summary>
    /// <c>x · kernel + bias</c> over the last axis of <paramref name="x"/> (rank 2 or more): the
    /// affine part of a Dense layer as one op.
    /// </summary>
    internal static Tensor Dense(Tensor x, Tensor kernel, Tensor? bias) => Backend.Current.Dense(x, kernel, bias);
}
