using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed;

internal sealed partial class ManagedBackend
{
    public Tensor MatMul(Tensor a, Tensor b, bool transposeA, bool transposeB)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        BinaryKernel.CheckFloat(a, b, nameof(MatMul));
        if (a.Rank < 2 || b.Rank < 2)
            throw new ArgumentException($"MatMul needs operands of rank 2 or more; received {a.Shape} and {b.Shape}.");
        if (b.Rank == 2 && a.Rank > 2 && !transposeA)
        {
            // Fold the leading axes into the rows: one large GEMM instead of many small ones.
            var flat = MatMul(Reshape(a, -1, a.Shape[-1]), b, false, transposeB);
            var dims = a.Shape.ToArray();
            dims[^1] = flat.Shape[1];
            return Reshape(flat, dims);
        }
        int m = transposeA ? a.Shape[-1] : a.Shape[-2];
        int k = transposeA ? a.Shape[-2] : a.Shape[-1];
        int kb = transposeB ? b.Shape[-1] : b.Shape[-2];
        int n = transposeB ? b.Shape[-2] : b.Shape[-1];
        if (k != kb)
            throw new ArgumentException($"MatMul: inner dimensions differ: {a.Shape}{(transposeA ? "ᵀ" : "")} has {k} columns, {b.Shape}{(transposeB ? "ᵀ" : "")} has {kb} rows.");
        int batch = a.Shape.SizeOf(0, a.Rank - 2);
        if (a.Rank != b.Rank || batch != b.Shape.SizeOf(0, b.Rank - 2) || !a.Shape.Take(a.Rank - 2).SequenceEqual(b.Shape.Take(b.Rank - 2)))
            throw new ArgumentException($"MatMul: batched operands need the same leading axes; received {a.Shape} and {b.Shape}.");
        var dimsOut = a.Shape.ToArray();
        dimsOut[^2] = m;
        dimsOut[^1] = n;
        var y = Tensor.Empty(new Shape(dimsOut));
        BatchedGemm(transposeA, transposeB, m, n, k, a, b, y, batch, accumulate: false);
        if (Tape.ShouldRecord(a, b))
        {
            Tape.Record(nameof(MatMul), y, [a, b], node =>
            {
                var g = node.Grad;
                if (node.NeedsGrad(0))
                {
                    var da = Tensor.Empty(a.Shape);
                    // d op(A) = G · op(B)ᵀ; stored A is op(A) or its transpose.
                    if (!transposeA) BatchedGemm(false, !transposeB, m, k, n, g, b, da, batch, false);
                    else BatchedGemm(transposeB, true, k, m, n, b, g, da, batch, false);
                    node.AccumulateInputGrad(0, da);
                }
                if (node.NeedsGrad(1))
                {
                    var db = Tensor.Empty(b.Shape);
                    // d op(B) = op(A)ᵀ · G
                    if (!transposeB) BatchedGemm(!transposeA, false, k, n, m, a, g, db, batch, false);
                    else BatchedGemm(true, transposeA, n, k, m, g, a, db, batch, false);
                    node.AccumulateInputGrad(1, db);
                }
            });
        }
        return y;
    }

    // Two recorded ops here: the GEMM dominates on this engine, the bias add is a cheap pass.
    public Tensor Dense(Tensor x, Tensor kernel, Tensor? bias)
    {
        OpChecks.CheckDense(x, kernel, bias);
        var y = MatMul(x, kernel, false, false);
        return bias is null ? y : BiasAdd(y, bias, relu: false);
    }

    /// <summary>C[i] = op(A[i]) · op(B[i]) for each of <paramref name="batch"/> stacked matrices.</summary>
    private static void BatchedGemm(bool ta, bool tb, int m, int n, int k, Tensor a, Tensor b, Tensor c, int batch, bool accumulate)
    {
        int sa = m * k, sb = k * n, sc = m * n;
        int lda = ta ? m : k, ldb = tb ? k : n;
        var ad = a.Data;
        var bd = b.Data;
        var cd = c.Data;
        for (int i = 0; i < batch; i++)
            Gemm.Multiply(ta, tb, m, n, k, ad.Slice(i * sa, sa), lda, bd.Slice(i * sb, sb), ldb, cd.Slice(i * sc, sc), n, accumulate);
    }
}
