using System.Buffers;
using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed;

internal sealed partial class ManagedBackend
{
    /// <summary>Patch matrices are built for this many floats at a time, so memory stays bounded for large batches.</summary>
    private const int ColumnBufferFloats = 1 << 22;

    public Tensor Conv2D(Tensor x, Tensor kernel, (int H, int W)? strides, Padding padding, (int H, int W)? dilation, Tensor? bias, bool relu) =>
        Conv2DCore(x, kernel, strides, padding, dilation, implicitGemm: null, bias, relu);

    /// <summary>Conv2D with the algorithm chosen (<paramref name="implicitGemm"/> null) or forced (tests run both).</summary>
    internal Tensor Conv2DCore(Tensor x, Tensor kernel, (int H, int W)? strides, Padding padding, (int H, int W)? dilation, bool? implicitGemm,
        Tensor? bias = null, bool relu = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(kernel);
        RequireRank(x, 4, nameof(Conv2D), "(batch, height, width, channels)");
        RequireRank(kernel, 4, nameof(Conv2D), "kernel (kernelH, kernelW, channels, filters)");
        if (padding == Padding.Causal) throw new ArgumentException("Conv2D: causal padding exists only for 1-D convolutions.", nameof(padding));
        var (sh, sw) = strides ?? (1, 1);
        var (dh, dw) = dilation ?? (1, 1);
        var g = Geometry(x, kernel.Shape[0], kernel.Shape[1], sh, sw, dh, dw, padding, padding, nameof(Conv2D));
        if (kernel.Shape[2] != g.Channels)
            throw new ArgumentException($"Conv2D: the kernel {kernel.Shape} expects {kernel.Shape[2]} input channels; the input {x.Shape} has {g.Channels}.");
        OpChecks.CheckConvBias(bias, kernel.Shape[3], nameof(Conv2D));
        return ConvCore(x, kernel, g, new Shape(g.Batch, g.OutH, g.OutW, kernel.Shape[3]), nameof(Conv2D), implicitGemm, bias, relu);
    }

    public Tensor Conv1D(Tensor x, Tensor kernel, int stride, Padding padding, int dilation, Tensor? bias, bool relu) =>
        Conv1DCore(x, kernel, stride, padding, dilation, implicitGemm: null, bias, relu);

    /// <summary>Conv1D with the algorithm chosen (<paramref name="implicitGemm"/> null) or forced (tests run both).</summary>
    internal Tensor Conv1DCore(Tensor x, Tensor kernel, int stride, Padding padding, int dilation, bool? implicitGemm,
        Tensor? bias = null, bool relu = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(kernel);
        RequireRank(x, 3, nameof(Conv1D), "(batch, steps, channels)");
        RequireRank(kernel, 3, nameof(Conv1D), "kernel (kernelSize, channels, filters)");
        var x4 = Reshape(x, x.Shape[0], 1, x.Shape[1], x.Shape[2]);
        var g = Geometry(x4, 1, kernel.Shape[0], 1, stride, 1, dilation, Padding.Valid, padding, nameof(Conv1D));
        if (kernel.Shape[1] != g.Channels)
            throw new ArgumentException($"Conv1D: the kernel {kernel.Shape} expects {kernel.Shape[1]} input channels; the input {x.Shape} has {g.Channels}.");
        OpChecks.CheckConvBias(bias, kernel.Shape[2], nameof(Conv1D));
        var k4 = Reshape(kernel, 1, kernel.Shape[0], kernel.Shape[1], kernel.Shape[2]);
        var y = ConvCore(x4, k4, g, new Shape(g.Batch, 1, g.OutW, kernel.Shape[2]), nameof(Conv1D), implicitGemm, bias, relu);
        return Reshape(y, g.Batch, g.OutW, kernel.Shape[2]);
    }

    internal static ConvGeometry Geometry(Tensor x4, int kh, int kw, int sh, int sw, int dh, int dw, Padding padH, Padding padW, string op)
    {
        bool oneD = op.EndsWith("1D", StringComparison.Ordinal);
        var (oh, pt) = ConvGeometry.Axis(x4.Shape[1], kh, sh, dh, padH, op, "height");
        var (ow, pl) = ConvGeometry.Axis(x4.Shape[2], kw, sw, dw, padW, op, oneD ? "length (steps)" : "width");
        return new ConvGeometry(x4.Shape[0], x4.Shape[1], x4.Shape[2], x4.Shape[3], kh, kw, sh, sw, dh, dw, pt, pl, oh, ow);
    }

    private static bool IsPointwise(in ConvGeometry g) =>
        g.KH == 1 && g.KW == 1 && g.SH == 1 && g.SW == 1 && g.PadTop == 0 && g.PadLeft == 0;

    /// <summary>
    /// y = conv(x, kernel), then + <paramref name="bias"/> and the ReLU when given (the layer's
    /// epilogue: in the product's store on the implicit path, in one pass over y otherwise; the
    /// backward pass masks and sums the output gradient on its way into the products).
    /// </summary>
    private static Tensor ConvCore(Tensor x, Tensor kernel, ConvGeometry g, Shape outShape, string name, bool? implicitGemm, Tensor? bias, bool relu)
    {
        RequireFloat(x, name);
        if (!IsPointwise(g) && UseImplicitGemm(g, implicitGemm)) return ConvImplicit(x, kernel, g, outShape, name, bias, relu);
        int filters = outShape[-1], patch = g.PatchSize, positions = g.OutputPositions;
        var y = Tensor.Empty(outShape);
        var w = kernel.Data;
        if (IsPointwise(g))
        {
            // A 1×1 convolution is a plain product of the input rows with the kernel.
            Gemm.Multiply(false, false, g.Batch * positions, filters, patch, x.Data, patch, w, filters, y.Data, filters, false);
        }
        else
        {
            int chunk = Math.Clamp(ColumnBufferFloats / Math.Max(1, positions * patch), 1, Math.Max(1, g.Batch));
            var col = ArrayPool<float>.Shared.Rent(chunk * positions * patch);
            for (int n0 = 0; n0 < g.Batch; n0 += chunk)
            {
                int count = Math.Min(chunk, g.Batch - n0);
                Im2Col.Gather(x, col, g, n0, count);
                Gemm.Multiply(false, false, count * positions, filters, patch, col, patch, w, filters,
                    y.Data.Slice(n0 * positions * filters), filters, false);
            }
            ArrayPool<float>.Shared.Return(col);
        }
        if (bias is not null || relu) BiasKernel.Forward(y, bias ?? Tensor.Zeros(new Shape(filters)), y, relu);
        if (Tape.ShouldRecord(ConvInputs(x, kernel, bias)))
            Tape.Record(name, y, ConvInputs(x, kernel, bias), node => ConvBackward(node, x, kernel, g, filters, y, bias, relu));
        return y;
    }

    /// <summary>What a convolution's tape node depends on: x, the kernel and the bias when there is one (input 2).</summary>
    private static Tensor[] ConvInputs(Tensor x, Tensor kernel, Tensor? bias) => bias is null ? [x, kernel] : [x, kernel, bias];

    private static void ConvBackward(GradNode node, Tensor x, Tensor kernel, ConvGeometry g, int filters, Tensor y, Tensor? bias, bool relu)
    {
        int patch = g.PatchSize, positions = g.OutputPositions;
        // The epilogue first: the ReLU's mask (from y) and the bias gradient, in one pass.
        var db = bias is not null && node.NeedsGrad(2) ? Tensor.Empty(bias.Shape) : null;
        var dz = relu ? Tensor.Empty(y.Shape) : null;
        if (dz is not null || db is not null) BiasKernel.Backward(node.Grad, relu ? y : null, dz, db);
        if (db is not null) node.AccumulateInputGrad(2, db);
        var dy = (dz ?? node.Grad).Data;
        Tensor? dx = node.NeedsGrad(0) ? Tensor.Zeros(x.Shape) : null;
        Tensor? dw = node.NeedsGrad(1) ? Tensor.Empty(kernel.Shape) : null;
        if (IsPointwise(g))
        {
            int rows = g.Batch * positions;
            if (dw is not null) Gemm.MultiplyTapsTransposed(rows, filters, patch, [0], x.Data, dy, dw.Data, accumulate: false);
            if (dx is not null) Gemm.Multiply(false, true, rows, patch, filters, dy, filters, kernel.Data, filters, dx.Data, patch, false);
        }
        else
        {
            int chunk = Math.Clamp(ColumnBufferFloats / Math.Max(1, positions * patch), 1, Math.Max(1, g.Batch));
            var col = ArrayPool<float>.Shared.Rent(chunk * positions * patch);
            for (int n0 = 0; n0 < g.Batch; n0 += chunk)
            {
                int count = Math.Min(chunk, g.Batch - n0);
                int rows = count * positions;
                var dyChunk = dy.Slice(n0 * positions * filters, rows * filters);
                if (dw is not null)
                {
                    Im2Col.Gather(x, col, g, n0, count);
                    Gemm.MultiplyTapsTransposed(rows, filters, patch, [0], col, dyChunk, dw.Data, accumulate: n0 > 0);
                }
                if (dx is not null)
                {
                    Gemm.Multiply(false, true, rows, patch, filters, dyChunk, filters, kernel.Data, filters, col, patch, false);
                    Im2Col.Scatter(col, dx, g, n0, count);
                }
            }
            ArrayPool<float>.Shared.Return(col);
        }
        if (dx is not null) node.AccumulateInputGrad(0, dx);
        if (dw is not null) node.AccumulateInputGrad(1, dw);
    }
}
