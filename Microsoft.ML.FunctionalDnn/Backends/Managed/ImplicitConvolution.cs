using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed;

internal sealed partial class ManagedBackend
{
    /// <summary>
    /// Below this many input channels a tap's product is too thin to beat a patch matrix. Measured
    /// forward + backward, 3×3 same, batch 64, medians of 25 alternations: with 8 channels implicit
    /// wins 1.16–1.60×, with 4–6 it ranges 0.85–1.89×, with 1–3 the patch matrix wins (0.62–0.94).
    /// </summary>
    private const int ImplicitConvMinChannels = 8;

    private static bool UseImplicitGemm(in ConvGeometry g, bool? forced) =>
        g.SH == 1 && g.SW == 1 && (forced ?? g.Channels >= ImplicitConvMinChannels);

    /// <summary>
    /// Stride-1 convolution without a patch matrix: y = Σₜ X[shifted by tap t] · Wₜ over the
    /// zero-padded input laid out "wide" (each image row padded to Wp pixels, each image to Hp rows),
    /// so that every tap is one constant row offset into the flattened input. Each output row is one
    /// run of OutW consecutive wide rows, computed straight into y (only the last tile of a run
    /// reads past it, into rows whose results are not stored). The backward pass is the same tap
    /// product: dX = Σₜ dY[shifted back by t] · Wₜᵀ (one run per input row, straight into dx), and
    /// dWₜ = X[shifted by t]ᵀ · dY.
    /// </summary>
    private static Tensor ConvImplicit(Tensor x, Tensor kernel, ConvGeometry g, Shape outShape, string name)
    {
        int c = g.Channels, f = outShape[-1];
        int hp = g.OutH + (g.KH - 1) * g.DH, wp = g.OutW + (g.KW - 1) * g.DW, image = hp * wp;
        var offsets = new int[g.KH * g.KW];
        for (int kh = 0; kh < g.KH; kh++)
            for (int kw = 0; kw < g.KW; kw++) offsets[kh * g.KW + kw] = kh * g.DH * wp + kw * g.DW;
        int maxOffset = offsets[^1];
        // Samples go through in chunks so the working buffers (per-thread scratch) stay small; the
        // padded input is rebuilt in the backward pass rather than kept alive between the passes.
        int per = Math.Clamp(ImplicitConvChunkFloats / (image * Math.Max(c, f)), 1, g.Batch);
        var y = Tensor.Empty(outShape);
        for (int n0 = 0; n0 < g.Batch; n0 += per)
        {
            int count = Math.Min(per, g.Batch - n0);
            var xp = PadWide(x, g, hp, wp, n0, count);
            // One segment per output row: its OutW positions start at that row's top-left tap in the padded input.
            var aStarts = new int[count * g.OutH];
            var cStarts = new int[count * g.OutH];
            for (int n = 0, s = 0; n < count; n++)
                for (int oh = 0; oh < g.OutH; oh++, s++) (aStarts[s], cStarts[s]) = ((n * hp + oh) * wp, s * g.OutW);
            Gemm.MultiplyTapSegments(aStarts, cStarts, g.OutW, f, c, offsets, xp, c, kernel.Data, false, y.Data[(n0 * g.OutH * g.OutW * f)..], f, false);
        }
        if (!Tape.ShouldRecord(x, kernel)) return y;
        Tape.Record(name, y, [x, kernel], node =>
        {
            var back = new int[offsets.Length];
            for (int t = 0; t < offsets.Length; t++) back[t] = maxOffset - offsets[t];
            var dk = node.NeedsGrad(1) ? Tensor.Zeros(kernel.Shape) : null;
            // Input positions no window reaches (past the last window of a valid convolution) keep a zero gradient.
            int h = Math.Min(g.InH, hp - g.PadTop), w = Math.Min(g.InW, wp - g.PadLeft);
            var dx = !node.NeedsGrad(0) ? null : h == g.InH && w == g.InW ? Tensor.Empty(x.Shape) : Tensor.Zeros(x.Shape);
            var grad = node.Grad;
            for (int n0 = 0; n0 < g.Batch; n0 += per)
            {
                // dY in the wide layout, after maxOffset zero rows so that shifting back stays in range (and zero slack rows after it for the segments' last tiles).
                int count = Math.Min(per, g.Batch - n0), rows = count * image - maxOffset, wideRows = count * image + maxOffset + Gemm.SegmentSlackRows;
                var dWide = Scratch.Get(Scratch.Slot.Gradient, wideRows * f);
                dWide.AsSpan(0, maxOffset * f).Clear();
                dWide.AsSpan((maxOffset + count * image) * f, Gemm.SegmentSlackRows * f).Clear();
                int first = n0;
                Parallelism.ForRanges(count, image * f, (n, samples) =>
                {
                    for (; samples > 0; samples--, n++)
                        Frame(grad.Data[((first + n) * g.OutH * g.OutW * f)..], g.OutW * f, g.OutH, g.OutW, dWide.AsSpan((maxOffset + n * image) * f, image * f), wp, 0, 0, f);
                });
                if (dk is not null)
                    Gemm.MultiplyTapsTransposed(rows, f, c, offsets, PadWide(x, g, hp, wp, n0, count), dWide.AsSpan(maxOffset * f), dk.Data, accumulate: true);
                if (dx is not null)
                {
                    // One segment per input row reached by a window, written straight into dx.
                    var aStarts = new int[count * h];
                    var cStarts = new int[count * h];
                    for (int n = 0, s = 0; n < count; n++)
                        for (int ih = 0; ih < h; ih++, s++)
                            (aStarts[s], cStarts[s]) = ((n * hp + ih + g.PadTop) * wp + g.PadLeft, (n * g.InH + ih) * g.InW);
                    Gemm.MultiplyTapSegments(aStarts, cStarts, w, c, f, back, dWide, f, kernel.Data, true, dx.Data[(n0 * g.InH * g.InW * c)..], c, false);
                }
            }
            if (dk is not null) node.AccumulateInputGrad(1, dk);
            if (dx is not null) node.AccumulateInputGrad(0, dx);
        });
        return y;
    }

    /// <summary>Samples are convolved in chunks whose padded input or wide gradient has about this many floats.</summary>
    private const int ImplicitConvChunkFloats = 1 << 20;

    /// <summary>
    /// Samples [n0, n0 + count) placed at (PadTop, PadLeft) in zero images of hp × wp pixels
    /// (per-thread scratch), then <see cref="Gemm.SegmentSlackRows"/> zero rows for the segments' last tiles.
    /// </summary>
    private static float[] PadWide(Tensor x, in ConvGeometry g, int hp, int wp, int n0, int count)
    {
        int c = g.Channels;
        var p = Scratch.Get(Scratch.Slot.Operand, (count * hp * wp + Gemm.SegmentSlackRows) * c);
        p.AsSpan(count * hp * wp * c, Gemm.SegmentSlackRows * c).Clear();
        int h = Math.Min(g.InH, hp - g.PadTop), w = Math.Min(g.InW, wp - g.PadLeft), image = hp * wp * c;
        var geometry = g;
        Parallelism.ForRanges(count, image, (n, samples) =>
        {
            for (; samples > 0; samples--, n++)
                Frame(x.Data[((n0 + n) * geometry.InH * geometry.InW * c)..], geometry.InW * c, h, w, p.AsSpan(n * image, image), wp, geometry.PadTop, geometry.PadLeft, c);
        });
        return p;
    }

    /// <summary>
    /// One image into a zero frame of <paramref name="frameW"/>-pixel rows (<paramref name="channels"/>
    /// floats a pixel, as many rows as <paramref name="frame"/> holds): <paramref name="rows"/> rows
    /// of <paramref name="cols"/> pixels from <paramref name="source"/> (<paramref name="rowStride"/>
    /// floats apart) at (<paramref name="top"/>, <paramref name="left"/>), and only the rest of the
    /// frame cleared, so each value is written once.
    /// </summary>
    private static void Frame(ReadOnlySpan<float> source, int rowStride, int rows, int cols, Span<float> frame, int frameW, int top, int left, int channels)
    {
        int rowFloats = frameW * channels;
        frame[..(top * rowFloats)].Clear();
        for (int r = 0; r < rows; r++)
        {
            var row = frame.Slice((top + r) * rowFloats, rowFloats);
            row[..(left * channels)].Clear();
            source.Slice(r * rowStride, cols * channels).CopyTo(row[(left * channels)..]);
            row[((left + cols) * channels)..].Clear();
        }
        frame[((top + rows) * rowFloats)..].Clear();
    }
}
