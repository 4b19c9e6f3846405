namespace Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

/// <summary>
/// Computes one Mr × Nr tile of C. B is a packed sliver: kc groups of Nr values (one row of the
/// tile's columns each). Row r of A at depth p is at a[r·rowStride + p·step]: a packed sliver has
/// rowStride 1 and step Mr; A read in place (row-major, not transposed) has rowStride lda, step 1.
/// </summary>
internal interface IGemmMicroKernel
{
    /// <summary>Rows of a tile (the height of a packed A sliver).</summary>
    static abstract int Mr { get; }

    /// <summary>Columns of a tile (the width of a packed B sliver).</summary>
    static abstract int Nr { get; }

    /// <summary>C[0..Mr, 0..Nr] (row stride <paramref name="ldc"/>) = (accumulate ? C : 0) + A · Bpacked.</summary>
    static abstract unsafe void Run(int kc, float* a, nint rowStride, nint step, float* b, float* c, int ldc, bool accumulate);
}
