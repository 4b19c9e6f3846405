namespace Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

/// <summary>Copies a tensor with its axes reordered: output axis i is input axis perm[i].</summary>
internal static class PermuteKernel
{
    internal static void Permute<T>(ReadOnlySpan<T> src, Span<T> dst, Shape shape, int[] perm)
    {
        int rank = shape.Rank;
        if (rank == 0 || src.Length == 0)
        {
            src.CopyTo(dst);
            return;
        }
        var inStrides = shape.Strides();
        var outDims = new int[rank];
        var strides = new int[rank]; // input stride for each output axis
        for (int i = 0; i < rank; i++)
        {
            outDims[i] = shape[perm[i]];
            strides[i] = inStrides[perm[i]];
        }
        int inner = outDims[rank - 1], innerStride = strides[rank - 1];
        int rows = dst.Length / Math.Max(inner, 1);
        Span<int> index = stackalloc int[rank];
        index.Clear();
        int srcOffset = 0;
        for (int r = 0; r < rows; r++)
        {
            var row = dst.Slice(r * inner, inner);
            if (innerStride == 1) src.Slice(srcOffset, inner).CopyTo(row);
            else for (int j = 0, s = srcOffset; j < inner; j++, s += innerStride) row[j] = src[s];
            for (int d = rank - 2; d >= 0; d--)
            {
                srcOffset += strides[d];
                if (++index[d] < outDims[d]) break;
                srcOffset -= strides[d] * outDims[d];
                index[d] = 0;
            }
        }
    }
}
