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
        forced ?? g.Channels >= ImplicitConvMinChannels;

    /// <summary>
    /// The taps of one stride phase: the kernel taps whose padded-input row is ≡ <paramref name="P"/>
    /// (mod SH) and column ≡ <paramref name="Q"/> (mod SW), their row offsets in the phase's wide
    /// layout, and their W blocks one after another (null: the whole kernel, in order).
    /// </summary>
    private sealed record ConvPhase(int P, int Q, int[] Taps, int[] Offsets, float[]? Weights);

    /// <summary>
    /// Convolution without a patch matrix: y = Σₜ X[shifted by tap t] · Wₜ over the zero-padded
    /// input laid out "wide" (each image row padded to W′ pixels, each image to H′ rows), so that
    /// every tap is one constant row offset into the flattened input. A stride s splits the padded
    /// input into s_h·s_w phases (rows ≡ p, columns ≡ q), each a stride-1 convolution with the
    /// taps that land on it (a 3×3 kernel at stride 2: 4, 2, 2 and 1 taps), summed; stride 1 is
    /// the one phase holding every tap. Each output row is one run of OutW consecutive wide rows,
    /// computed straight into y (only the last tile of a run reads past it, into rows whose results
    /// are not stored). The backward pass is the same tap product per phase: dX = Σₜ dY[shifted
    /// back by t] · Wₜᵀ (one run per input row of the phase, straight into dx at stride 1), and
    /// dWₜ = X[shifted by t]ᵀ · dY. A bias and ReLU are added to each output row in the last
    /// phase's store; backward, dY is masked by the ReLU and summed for the bias gradient as it is
    /// laid out wide.
    /// </summary>
    private static Tensor ConvImplicit(Tensor x, Tensor kernel, ConvGeometry g, Shape outShape, string name, Tensor? bias, bool relu)
    {
        int c = g.Channels, f = outShape[-1], sh = g.SH, sw = g.SW;
        int hp = (g.OutH - 1) * sh + (g.KH - 1) * g.DH + 1, wp = (g.OutW - 1) * sw + (g.KW - 1) * g.DW + 1;
        // Every phase image has the same wide geometry, so one dY layout serves them all.
        int phaseH = (hp + sh - 1) / sh, phaseW = (wp + sw - 1) / sw, image = phaseH * phaseW;
        var phases = Phases(g, kernel, c, f, phaseW);
        int maxOffset = phases.Max(ph => ph.Offsets.Max());
        // Samples go through in chunks so the working buffers (per-thread scratch) stay small; the
        // phase images are rebuilt in the backward pass rather than kept alive between the passes.
        int per = Math.Clamp(ImplicitConvChunkFloats / (image * Math.Max(c, f)), 1, g.Batch);
        var y = Tensor.Empty(outShape);
        float[]? epilogue = bias?.Data.ToArray() ?? (relu ? new float[f] : null);
        for (int n0 = 0; n0 < g.Batch; n0 += per)
        {
            int count = Math.Min(per, g.Batch - n0);
            // One segment per output row: its OutW positions start at that row's top-left tap in a phase image.
            var aStarts = new int[count * g.OutH];
            var cStarts = new int[count * g.OutH];
            for (int n = 0, s = 0; n < count; n++)
                for (int oh = 0; oh < g.OutH; oh++, s++) (aStarts[s], cStarts[s]) = ((n * phaseH + oh) * phaseW, s * g.OutW);
            for (int i = 0; i < phases.Count; i++)
            {
                var phase = phases[i];
                var xp = PhaseWide(x, g, phase, phaseH, phaseW, n0, count);
                bool last = i == phases.Count - 1;
                Gemm.MultiplyTapSegments(aStarts, cStarts, g.OutW, f, c, phase.Offsets, xp, c, phase.Weights ?? kernel.Data, false,
                    y.Data[(n0 * g.OutH * g.OutW * f)..], f, accumulate: i > 0, bias: last ? epilogue : default, relu: last && relu);
            }
        }
        if (!Tape.ShouldRecord(ConvInputs(x, kernel, bias))) return y;
        Tape.Record(name, y, ConvInputs(x, kernel, bias), node =>
        {
            var db = bias is not null && node.NeedsGrad(2) ? Tensor.Zeros(bias.Shape) : null;
            // Each sample's share of the bias gradient, added in sample order whatever the cores.
            var sampleSums = db is null ? null : new float[per * f];
            bool epilogueGradient = relu || db is not null;
            var dk = node.NeedsGrad(1) ? Tensor.Zeros(kernel.Shape) : null;
            // A phase's taps' dW blocks, summed over the chunks (the single stride-1 phase sums straight into dk).
            var phaseDw = phases.Select(ph => dk is null || ph.Weights is null ? null : new float[ph.Taps.Length * c * f]).ToArray();
            bool strided = sh > 1 || sw > 1;
            // Input positions no window reaches keep a zero gradient.
            int h = Math.Min(g.InH, hp - g.PadTop), w = Math.Min(g.InW, wp - g.PadLeft);
            var dx = !node.NeedsGrad(0) ? null : !strided && h == g.InH && w == g.InW ? Tensor.Empty(x.Shape) : Tensor.Zeros(x.Shape);
            var grad = node.Grad;
            for (int n0 = 0; n0 < g.Batch; n0 += per)
            {
                // dY in the wide layout, after maxOffset zero rows so that shifting back stays in range (and zero slack rows after it for the segments' last tiles).
                int count = Math.Min(per, g.Batch - n0), rows = count * image - maxOffset, wideRows = count * image + maxOffset + Gemm.SegmentSlackRows;
                var dWide = Scratch.Get(Scratch.Slot.Gradient, wideRows * f);
                dWide.AsSpan(0, maxOffset * f).Clear();
                dWide.AsSpan((maxOffset + count * image) * f, Gemm.SegmentSlackRows * f).Clear();
                int first = n0, outImage = g.OutH * g.OutW * f;
                Parallelism.ForRanges(count, image * f, (n, samples) =>
                {
                    for (; samples > 0; samples--, n++)
                        Frame(grad.Data.Slice((first + n) * outImage, outImage), g.OutW * f, g.OutH, g.OutW, dWide.AsSpan((maxOffset + n * image) * f, image * f), phaseW, 0, 0, f,
                            relu ? y.Data.Slice((first + n) * outImage, outImage) : default, sampleSums is null ? default : sampleSums.AsSpan(n * f, f), epilogueGradient);
                });
                if (db is not null) BiasKernel.AddPartials(sampleSums, count, db.Data);
                for (int i = 0; i < phases.Count; i++)
                {
                    var phase = phases[i];
                    if (dk is not null)
                        Gemm.MultiplyTapsTransposed(rows, f, c, phase.Offsets, PhaseWide(x, g, phase, phaseH, phaseW, n0, count), dWide.AsSpan(maxOffset * f),
                            phaseDw[i] ?? dk.Data, accumulate: true);
                    if (dx is not null) PhaseInputGradient(phase, g, dWide, maxOffset, phaseH, phaseW, phase.Weights ?? kernel.Data, f, dx, n0, count);
                }
            }
            if (dk is not null)
            {
                // Each phase's tap blocks back to their places in the (KH, KW, C, F) kernel.
                for (int i = 0; i < phases.Count; i++)
                {
                    if (phaseDw[i] is not { } blocks) continue;
                    for (int j = 0; j < phases[i].Taps.Length; j++)
                        blocks.AsSpan(j * c * f, c * f).CopyTo(dk.Data.Slice(phases[i].Taps[j] * c * f, c * f));
                }
                node.AccumulateInputGrad(1, dk);
            }
            if (dx is not null) node.AccumulateInputGrad(0, dx);
            if (db is not null) node.AccumulateInputGrad(2, db);
        });
        return y;
    }

    /// <summary>The stride phases that hold taps, in (p, q) order; stride 1 is one phase with every tap in kernel order.</summary>
    private static List<ConvPhase> Phases(in ConvGeometry g, Tensor kernel, int c, int f, int phaseW)
    {
        var taps = new List<int>[g.SH * g.SW];
        var offsets = new List<int>[g.SH * g.SW];
        for (int kh = 0; kh < g.KH; kh++)
            for (int kw = 0; kw < g.KW; kw++)
            {
                int u = kh * g.DH, v = kw * g.DW, phase = u % g.SH * g.SW + v % g.SW;
                (taps[phase] ??= []).Add(kh * g.KW + kw);
                (offsets[phase] ??= []).Add(u / g.SH * phaseW + v / g.SW);
            }
        var phases = new List<ConvPhase>();
        for (int i = 0; i < taps.Length; i++)
        {
            if (taps[i] is null) continue;
            float[]? weights = null;
            if (g.SH > 1 || g.SW > 1)
            {
                weights = new float[taps[i].Count * c * f];
                for (int j = 0; j < taps[i].Count; j++) kernel.Data.Slice(taps[i][j] * c * f, c * f).CopyTo(weights.AsSpan(j * c * f));
            }
            phases.Add(new ConvPhase(i / g.SW, i % g.SW, [.. taps[i]], [.. offsets[i]], weights));
        }
        return phases;
    }

    /// <summary>
    /// The input gradient of one phase: its dY-shifted products for the phase positions that are
    /// input pixels, one run per phase row; at stride 1 written straight into dx, otherwise into a
    /// scratch block and then to every s-th pixel (each input pixel lies in exactly one phase).
    /// </summary>
    private static void PhaseInputGradient(ConvPhase phase, in ConvGeometry g, float[] dWide, int maxOffset, int phaseH, int phaseW, ReadOnlySpan<float> weights,
        int f, Tensor dx, int n0, int count)
    {
        int c = g.Channels, sh = g.SH, sw = g.SW;
        // Phase rows i and columns j whose padded position (i·sh + p, j·sw + q) is an input pixel.
        int iLo = Math.Max(0, CeilDiv(g.PadTop - phase.P, sh)), iHi = Math.Min(phaseH - 1, FloorDiv(g.InH - 1 + g.PadTop - phase.P, sh));
        int jLo = Math.Max(0, CeilDiv(g.PadLeft - phase.Q, sw)), jHi = Math.Min(phaseW - 1, FloorDiv(g.InW - 1 + g.PadLeft - phase.Q, sw));
        int rowsPerSample = iHi - iLo + 1, length = jHi - jLo + 1;
        if (rowsPerSample <= 0 || length <= 0) return;
        var back = phase.Offsets.Select(o => maxOffset - o).ToArray();
        var aStarts = new int[count * rowsPerSample];
        var cStarts = new int[count * rowsPerSample];
        bool direct = sh == 1 && sw == 1;
        for (int n = 0, s = 0; n < count; n++)
            for (int i = iLo; i <= iHi; i++, s++)
            {
                int ih = i * sh + phase.P - g.PadTop, iw = jLo * sw + phase.Q - g.PadLeft;
                aStarts[s] = (n * phaseH + i) * phaseW + jLo;
                cStarts[s] = direct ? (n * g.InH + ih) * g.InW + iw : s * length;
            }
        if (direct)
        {
            Gemm.MultiplyTapSegments(aStarts, cStarts, length, c, f, back, dWide, f, weights, true, dx.Data[(n0 * g.InH * g.InW * c)..], c, false);
            return;
        }
        var block = Scratch.Get(Scratch.Slot.Result, aStarts.Length * length * c);
        Gemm.MultiplyTapSegments(aStarts, cStarts, length, c, f, back, dWide, f, weights, true, block, c, false);
        var geometry = g;
        int p = phase.P, q = phase.Q;
        Parallelism.ForRanges(count, rowsPerSample * length * c, (n, samples) =>
        {
            for (; samples > 0; samples--, n++)
                for (int i = iLo, s = n * rowsPerSample; i <= iHi; i++, s++)
                {
                    int ih = i * sh + p - geometry.PadTop;
                    for (int j = 0; j < length; j++)
                    {
                        int iw = (jLo + j) * sw + q - geometry.PadLeft;
                        block.AsSpan((s * length + j) * c, c).CopyTo(dx.Data.Slice((((n0 + n) * geometry.InH + ih) * geometry.InW + iw) * c, c));
                    }
                }
        });
    }

    private static int CeilDiv(int a, int b) => a >= 0 ? (a + b - 1) / b : -(-a / b);

    private static int FloorDiv(int a, int b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    /// <summary>
    /// One phase's image of samples [n0, n0 + count) in the wide layout (per-thread scratch), then
    /// <see cref="Gemm.SegmentSlackRows"/> zero rows: pixel (i, j) is the padded input's
    /// (i·SH + p, j·SW + q), zero outside the input. At stride 1 that is the padded input itself,
    /// placed as whole rows.
    /// </summary>
    private static float[] PhaseWide(Tensor x, in ConvGeometry g, ConvPhase phase, int phaseH, int phaseW, int n0, int count)
    {
        if (g.SH == 1 && g.SW == 1) return PadWide(x, g, phaseH, phaseW, n0, count);
        int c = g.Channels, image = phaseH * phaseW * c;
        var p = Scratch.Get(Scratch.Slot.Operand, (count * phaseH * phaseW + Gemm.SegmentSlackRows) * c);
        p.AsSpan(count * image, Gemm.SegmentSlackRows * c).Clear();
        var geometry = g;
        Parallelism.ForRanges(count, image, (n, samples) =>
        {
            var xs = x.Data;
            for (; samples > 0; samples--, n++)
                for (int i = 0; i < phaseH; i++)
                {
                    var row = p.AsSpan((n * phaseH + i) * phaseW * c, phaseW * c);
                    int ih = i * geometry.SH + phase.P - geometry.PadTop;
                    if (ih < 0 || ih >= geometry.InH)
                    {
                        row.Clear();
                        continue;
                    }
                    for (int j = 0; j < phaseW; j++)
                    {
                        int iw = j * geometry.SW + phase.Q - geometry.PadLeft;
                        if (iw < 0 || iw >= geometry.InW) row.Slice(j * c, c).Clear();
                        else xs.Slice((((n0 + n) * geometry.InH + ih) * geometry.InW + iw) * c, c).CopyTo(row[(j * c)..]);
                    }
                }
        });
        return p;
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
    private static void Frame(ReadOnlySpan<float> source, int rowStride, int rows, int cols, Span<float> frame, int frameW, int top, int left, int channels) =>
        Frame(source, rowStride, rows, cols, frame, frameW, top, left, channels, default, default, epilogueGradient: false);

    /// <summary>
    /// <see cref="Frame(ReadOnlySpan{float}, int, int, int, Span{float}, int, int, int, int)"/> of an
    /// output gradient through a layer's epilogue when <paramref name="epilogueGradient"/>: each
    /// value kept where <paramref name="mask"/> (the output, laid out as the source) is positive
    /// (all of them with an empty mask: no ReLU), each pixel added into <paramref name="sums"/>
    /// (the bias gradient's share) when it is not empty.
    /// </summary>
    private static void Frame(ReadOnlySpan<float> source, int rowStride, int rows, int cols, Span<float> frame, int frameW, int top, int left, int channels,
        ReadOnlySpan<float> mask, Span<float> sums, bool epilogueGradient)
    {
        if (!sums.IsEmpty) sums.Clear();
        int rowFloats = frameW * channels;
        frame[..(top * rowFloats)].Clear();
        for (int r = 0; r < rows; r++)
        {
            var row = frame.Slice((top + r) * rowFloats, rowFloats);
            row[..(left * channels)].Clear();
            var run = row.Slice(left * channels, cols * channels);
            if (!epilogueGradient) source.Slice(r * rowStride, cols * channels).CopyTo(run);
            else BiasKernel.GradientRun(source.Slice(r * rowStride, cols * channels), mask.IsEmpty ? default : mask.Slice(r * rowStride, cols * channels), run, sums, channels);
            row[((left + cols) * channels)..].Clear();
        }
        frame[((top + rows) * rowFloats)..].Clear();
    }
}
