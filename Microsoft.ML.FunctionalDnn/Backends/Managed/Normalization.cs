namespace Microsoft.ML.FunctionalDnn.Backends.Managed;

internal sealed partial class ManagedBackend
{
    public Tensor BatchNormTraining(Tensor x, Tensor? gamma, Tensor? beta, float epsilon, out Tensor batchMean, out Tensor batchVariance)
    {
        ArgumentNullException.ThrowIfNull(x);
        RequireFloat(x, nameof(BatchNormTraining));
        int c = x.Shape[-1], rows = x.Size / Math.Max(c, 1);
        OpChecks.CheckChannels(gamma, c, nameof(gamma), x);
        OpChecks.CheckChannels(beta, c, nameof(beta), x);
        var mean = Tensor.Zeros(new Shape(c));
        var variance = Tensor.Zeros(new Shape(c));
        var xs = x.Data;
        var m = mean.Data;
        var v = variance.Data;
        for (int r = 0; r < rows; r++) System.Numerics.Tensors.TensorPrimitives.Add(m, xs.Slice(r * c, c), m);
        System.Numerics.Tensors.TensorPrimitives.Multiply(m, 1f / rows, m);
        var centered = new float[c];
        for (int r = 0; r < rows; r++)
        {
            System.Numerics.Tensors.TensorPrimitives.Subtract(xs.Slice(r * c, c), m, centered);
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(centered, centered, v, v);
        }
        System.Numerics.Tensors.TensorPrimitives.Multiply(v, 1f / rows, v);
        var invStd = new float[c];
        for (int j = 0; j < c; j++) invStd[j] = 1f / MathF.Sqrt(v[j] + epsilon);
        var y = Normalize(x, mean.Data.ToArray(), invStd, perRow: false, gamma, beta, out var xHat);
        batchMean = mean;
        batchVariance = variance;
        RecordNormalization(nameof(BatchNormTraining), x, gamma, beta, y, xHat, invStd, perRow: false);
        return y;
    }

    public Tensor LayerNorm(Tensor x, Tensor? gamma, Tensor? beta, float epsilon)
    {
        ArgumentNullException.ThrowIfNull(x);
        RequireFloat(x, nameof(LayerNorm));
        int c = x.Shape[-1], rows = x.Size / Math.Max(c, 1);
        OpChecks.CheckChannels(gamma, c, nameof(gamma), x);
        OpChecks.CheckChannels(beta, c, nameof(beta), x);
        var xs = x.Data;
        var means = new float[rows];
        var invStd = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            var row = xs.Slice(r * c, c);
            float mean = System.Numerics.Tensors.TensorPrimitives.Sum(row) / c;
            float var = 0;
            foreach (float value in row) var += (value - mean) * (value - mean);
            means[r] = mean;
            invStd[r] = 1f / MathF.Sqrt(var / c + epsilon);
        }
        var y = Normalize(x, means, invStd, perRow: true, gamma, beta, out var xHat);
        RecordNormalization(nameof(LayerNorm), x, gamma, beta, y, xHat, invStd, perRow: true);
        return y;
    }

    /// <summary>
    /// x̂ = (x - mean) · invStd with one statistic per channel (last axis), or per row when
    /// <paramref name="perRow"/>; then y = γ x̂ + β. Returns y and x̂ (kept for backward).
    /// </summary>
    private static Tensor Normalize(Tensor x, float[] mean, float[] invStd, bool perRow, Tensor? gamma, Tensor? beta, out Tensor xHat)
    {
        int c = x.Shape[-1], rows = x.Size / Math.Max(c, 1);
        var normalized = Tensor.Empty(x.Shape);
        // Rows are independent: large tensors are normalized a range of rows per core.
        ForRows(rows, c, (first, count) =>
        {
            var xs = x.Data;
            var h = normalized.Data;
            for (int r = first; r < first + count; r++)
            {
                var row = h.Slice(r * c, c);
                if (perRow)
                {
                    System.Numerics.Tensors.TensorPrimitives.Subtract(xs.Slice(r * c, c), mean[r], row);
                    System.Numerics.Tensors.TensorPrimitives.Multiply(row, invStd[r], row);
                }
                else
                {
                    System.Numerics.Tensors.TensorPrimitives.Subtract(xs.Slice(r * c, c), mean, row);
                    System.Numerics.Tensors.TensorPrimitives.Multiply(row, invStd, row);
                }
            }
        });
        xHat = normalized;
        return ScaleShift(x.Shape, normalized, gamma, beta);
    }

    private static Tensor ScaleShift(Shape shape, Tensor xHat, Tensor? gamma, Tensor? beta)
    {
        int c = shape[-1], rows = shape.Size / Math.Max(c, 1);
        var y = Tensor.Empty(shape);
        ForRows(rows, c, (first, count) =>
        {
            var ys = y.Data.Slice(first * c, count * c);
            xHat.Data.Slice(first * c, count * c).CopyTo(ys);
            for (int r = 0; r < count; r++)
            {
                var row = ys.Slice(r * c, c);
                if (gamma is not null) System.Numerics.Tensors.TensorPrimitives.Multiply(row, gamma.Data, row);
                if (beta is not null) System.Numerics.Tensors.TensorPrimitives.Add(row, beta.Data, row);
            }
        });
        return y;
    }

    /// <summary>Rows of <paramref name="c"/> values computed independently: one range of rows per core for large tensors.</summary>
    private static void ForRows(int rows, int c, Action<int, int> body) => Kernels.Parallelism.ForRanges(rows, 4L * c, body);

    /// <summary>
    /// Backward of y = γ x̂ + β with x̂ = (x - μ)·s over groups of N elements (channels for batch
    /// norm, rows for layer norm): dx = s/N · (N·dx̂ - Σdx̂ - x̂·Σ(dx̂ x̂)), with dx̂ = dy·γ.
    /// </summary>
    private static void RecordNormalization(string name, Tensor x, Tensor? gamma, Tensor? beta, Tensor y, Tensor xHatTensor, float[] invStd, bool perRow)
    {
        Tensor[] inputs = [x, gamma ?? Tensor.Scalar(0), beta ?? Tensor.Scalar(0)];
        if (!Tape.ShouldRecord(inputs)) return;
        Tape.Record(name, y, inputs, node =>
        {
            int c = x.Shape[-1], rows = x.Size / Math.Max(c, 1);
            var dy = node.Grad.Data;
            var xHat = xHatTensor.Data;
            var dxHatTensor = Tensor.Empty(x.Shape);
            var dxHat = dxHatTensor.Data;
            if (gamma is null) dy.CopyTo(dxHat);
            else
            {
                var grad = node.Grad;
                ForRows(rows, c, (first, count) =>
                {
                    for (int r = first; r < first + count; r++)
                        System.Numerics.Tensors.TensorPrimitives.Multiply(grad.Data.Slice(r * c, c), gamma.Data, dxHatTensor.Data.Slice(r * c, c));
                });
            }
            if (gamma is not null && node.NeedsGrad(1))
            {
                var dg = Tensor.Zeros(gamma.Shape);
                var dgs = dg.Data;
                for (int r = 0; r < rows; r++) System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(dy.Slice(r * c, c), xHat.Slice(r * c, c), dgs, dgs);
                node.AccumulateInputGrad(1, dg);
            }
            if (beta is not null && node.NeedsGrad(2))
            {
                var db = Tensor.Zeros(beta.Shape);
                for (int r = 0; r < rows; r++) System.Numerics.Tensors.TensorPrimitives.Add(db.Data, dy.Slice(r * c, c), db.Data);
                node.AccumulateInputGrad(2, db);
            }
            if (!node.NeedsGrad(0)) return;
            var dx = Tensor.Empty(x.Shape);
            if (perRow)
            {
                ForRows(rows, c, (first, count) =>
                {
                    for (int r = first; r < first + count; r++) RowGradient(r);
                });
                void RowGradient(int r)
                {
                    var d = dx.Data;
                    var dh = dxHatTensor.Data.Slice(r * c, c);
                    var xh = xHatTensor.Data.Slice(r * c, c);
                    float sum = System.Numerics.Tensors.TensorPrimitives.Sum(dh), sumXHat = System.Numerics.Tensors.TensorPrimitives.Dot(dh, xh);
                    var row = d.Slice(r * c, c);
                    // dx = s/N · (N·dx̂ − Σdx̂ − x̂·Σ(dx̂ x̂))
                    System.Numerics.Tensors.TensorPrimitives.Multiply(xh, -sumXHat, row);
                    System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(dh, (float)c, row, row);
                    System.Numerics.Tensors.TensorPrimitives.Add(row, -sum, row);
                    System.Numerics.Tensors.TensorPrimitives.Multiply(row, invStd[r] / c, row);
                }
            }
            else
            {
                // Per channel over all rows: the sums first, then dx row by row, all as vector ops.
                var sums = new float[c];
                var sumsXHat = new float[c];
                for (int r = 0; r < rows; r++)
                {
                    System.Numerics.Tensors.TensorPrimitives.Add(sums, dxHat.Slice(r * c, c), sums);
                    System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(dxHat.Slice(r * c, c), xHat.Slice(r * c, c), sumsXHat, sumsXHat);
                }
                var scale = new float[c];
                System.Numerics.Tensors.TensorPrimitives.Multiply(invStd, 1f / rows, scale);
                ForRows(rows, c, (first, count) =>
                {
                    for (int r = first; r < first + count; r++)
                    {
                        var row = dx.Data.Slice(r * c, c);
                        System.Numerics.Tensors.TensorPrimitives.Multiply(xHatTensor.Data.Slice(r * c, c), sumsXHat, row);
                        System.Numerics.Tensors.TensorPrimitives.Negate(row, row);
                        System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(dxHatTensor.Data.Slice(r * c, c), (float)rows, row, row);
                        System.Numerics.Tensors.TensorPrimitives.Subtract(row, sums, row);
                        System.Numerics.Tensors.TensorPrimitives.Multiply(row, scale, row);
                    }
                });
            }
            node.AccumulateInputGrad(0, dx);
        });
    }

}
