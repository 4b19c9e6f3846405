namespace Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

/// <summary>
/// Computes one Mr × Nr tile of C as a sum over one or more taps, each a product of an Mr × depth
/// block of A with a depth × Nr block of B. Row r of A at depth p of tap t is at
/// a[tapOffsets[t] + r·rowStride + p·step]: a packed sliver has rowStride 1 and step Mr, A read in
/// place (row-major) has rowStride lda and step 1, and Aᵀ read in place (rows of op(A) are columns
/// of A) has rowStride 1 and step lda. B holds Nr values per depth, bStep apart (Nr for a packed
/// sliver, ldb for B read in place), the taps one after another.
/// </summary>
internal interface IGemmMicroKernel
{
    /// <summary>Rows of a tile (the height of a packed A sliver).</summary>
    static abstract int Mr { get; }

    /// <summary>Columns of a tile (the width of a packed B sliver).</summary>
    static abstract int Nr { get; }

    /// <summary>
    /// C[0..Mr, 0..Nr] (row stride <paramref name="ldc"/>) = (accumulate ? C : 0) + Σₜ Aₜ · Bₜ, the
    /// accumulators kept in registers over every tap and depth (<paramref name="depth"/> per tap,
    /// <paramref name="taps"/> taps whose A offsets are <paramref name="tapOffsets"/>, in floats).
    /// </summary>
    static abstract unsafe void Run(int depth, int taps, int* tapOffsets, float* a, nint rowStride, nint step,
        float* b, nint bStep, float* c, int ldc, bool accumulate);
}
