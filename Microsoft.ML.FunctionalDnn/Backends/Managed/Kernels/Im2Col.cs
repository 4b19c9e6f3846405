namespace Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

/// <summary>
/// Patch matrices for convolution as GEMM (channels last): one row per output position, columns
/// ordered (kernel row, kernel column, channel) to match a (KH, KW, C, F) kernel read as a
/// (KH·KW·C, F) matrix. Positions in the padding read as zero.
/// </summary>
internal static class Im2Col
{
    /// <summary>Fills <paramref name="col"/> with the patches of samples [n0, n0 + count) of <paramref name="x"/>, a range of samples per core.</summary>
    internal static void Gather(Tensor x, float[] col, ConvGeometry g, int n0, int count)
    {
        int perSample = g.OutputPositions * g.PatchSize;
        Parallelism.ForRanges(count, perSample, (first, samples) =>
        {
            var patches = col.AsSpan(first * perSample, samples * perSample);
            patches.Clear();
            var gather = new GatherPatch(x.Data, patches, g.Channels, g.PatchSize);
            WindowRuns.ForEach(g, n0 + first, samples, ref gather);
        });
    }

    /// <summary>
    /// Adds each patch row of <paramref name="col"/> (samples [n0, n0 + count)) back into the input
    /// positions of <paramref name="dx"/> it was read from: a sample's patches touch only its own
    /// pixels, so each core takes a range of samples.
    /// </summary>
    internal static void Scatter(float[] col, Tensor dx, ConvGeometry g, int n0, int count)
    {
        int perSample = g.OutputPositions * g.PatchSize;
        Parallelism.ForRanges(count, perSample, (first, samples) =>
        {
            var scatter = new ScatterPatch(col.AsSpan(first * perSample, samples * perSample), dx.Data, g.Channels, g.PatchSize);
            WindowRuns.ForEach(g, n0 + first, samples, ref scatter);
        });
    }

    /// <summary>Copies one pixel's channels into its place in a patch row (one float for a grayscale stem, without a span).</summary>
    private readonly ref struct GatherPatch(ReadOnlySpan<float> image, Span<float> patches, int channels, int patchSize) : ITapVisitor
    {
        private readonly ReadOnlySpan<float> _image = image;
        private readonly Span<float> _patches = patches;

        public void Visit(int position, int tap, int pixel)
        {
            int p = pixel * channels, e = position * patchSize + tap * channels;
            if (channels == 1) _patches[e] = _image[p];
            else _image.Slice(p, channels).CopyTo(_patches.Slice(e, channels));
        }
    }

    /// <summary>Adds a patch row's entry for one pixel back into that pixel's channels.</summary>
    private readonly ref struct ScatterPatch(ReadOnlySpan<float> patches, Span<float> image, int channels, int patchSize) : ITapVisitor
    {
        private readonly ReadOnlySpan<float> _patches = patches;
        private readonly Span<float> _image = image;

        public void Visit(int position, int tap, int pixel)
        {
            int p = pixel * channels, e = position * patchSize + tap * channels;
            if (channels == 1) _image[p] += _patches[e];
            else AddRow(_image.Slice(p, channels), _patches.Slice(e, channels));
        }
    }

    /// <summary>d += s for one pixel's channels: short rows, so an inlined vector loop beats a library call per row.</summary>
    internal static void AddRow(Span<float> d, ReadOnlySpan<float> s)
    {
        int i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            int w = System.Numerics.Vector<float>.Count;
            for (; i <= d.Length - w; i += w)
                (new System.Numerics.Vector<float>(d[i..]) + new System.Numerics.Vector<float>(s[i..])).CopyTo(d[i..]);
        }
        for (; i < d.Length; i++) d[i] += s[i];
    }
}
