namespace Microsoft.ML.FunctionalDnn.Kernels;

/// <summary>
/// Computes one Mr × Nr tile of C from packed slivers: A as kc groups of Mr values (one column of
/// the tile's rows each), B as kc groups of Nr values (one row of the tile's columns each).
/// </summary>
internal interface IGemmMicroKernel
{
    /// <summary>Rows of a tile (the height of a packed A sliver).</summary>
    static abstract int Mr { get; }

    /// <summary>Columns of a tile (the width of a packed B sliver).</summary>
    static abstract int Nr { get; }

    /// <summary>C[0..Mr, 0..Nr] (row stride <paramref name="ldc"/>) = (accumulate ? C : 0) + Apacked · Bpacked.</summary>
    static abstract unsafe void Run(int kc, float* a, float* b, float* c, int ldc, bool accumulate);
}
