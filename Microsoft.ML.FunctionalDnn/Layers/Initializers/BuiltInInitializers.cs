namespace Microsoft.ML.FunctionalDnn.Initializers;

internal sealed class ConstantInitializer(string name, float value) : Initializer
{
    internal override bool CreatesFreshTensors => true;

    public override string Name => name;

    public override Tensor Create(Shape shape, RandomGenerator random)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var d = new float[shape.Size];
        Array.Fill(d, value);
        return Tensor.FromOwnedArray(d, shape);
    }
}

internal sealed class RandomUniformInitializer(float min, float max) : Initializer
{
    internal override bool CreatesFreshTensors => true;

    public override string Name => "random_uniform";

    public override Tensor Create(Shape shape, RandomGenerator random)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(random);
        var d = new float[shape.Size];
        for (int i = 0; i < d.Length; i++) d[i] = min + (max - min) * random.NextFloat();
        return Tensor.FromOwnedArray(d, shape);
    }
}

internal enum FanMode
{
    In,
    Average,
}

/// <summary>Keras's VarianceScaling: variance scale / fan, uniform with limit √(3·variance) or normal.</summary>
internal sealed class VarianceScalingInitializer(string name, double scale, FanMode mode, bool normal) : Initializer
{
    internal override bool CreatesFreshTensors => true;

    public override string Name => name;

    public override Tensor Create(Shape shape, RandomGenerator random)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(random);
        var (fanIn, fanOut) = Fans(shape);
        double fan = mode == FanMode.In ? fanIn : (fanIn + fanOut) / 2;
        double variance = scale / Math.Max(1, fan);
        var d = new float[shape.Size];
        if (normal)
        {
            double sd = Math.Sqrt(variance);
            for (int i = 0; i < d.Length; i++) d[i] = (float)(sd * random.NextNormal());
        }
        else
        {
            float limit = (float)Math.Sqrt(3 * variance);
            for (int i = 0; i < d.Length; i++) d[i] = limit * (2 * random.NextFloat() - 1);
        }
        return Tensor.FromOwnedArray(d, shape);
    }
}

/// <summary>
/// Keras's Orthogonal: a normal matrix of (rows = product of all but the last axis, columns =
/// last axis) orthonormalized (QR with the signs of R's diagonal folded in), transposed when
/// there are fewer rows than columns.
/// </summary>
internal sealed class OrthogonalInitializer : Initializer
{
    internal override bool CreatesFreshTensors => true;

    public override string Name => "orthogonal";

    public override Tensor Create(Shape shape, RandomGenerator random)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(random);
        int cols = shape.Rank == 0 ? 1 : shape[-1];
        int rows = shape.Size / Math.Max(1, cols);
        int n = Math.Max(rows, cols), k = Math.Min(rows, cols);
        // Columns of an n × k normal matrix, orthonormalized by modified Gram–Schmidt (= Q of QR with R's diagonal positive).
        var q = new double[k][];
        for (int j = 0; j < k; j++)
        {
            q[j] = new double[n];
            for (int i = 0; i < n; i++) q[j][i] = random.NextNormal();
        }
        for (int j = 0; j < k; j++)
        {
            for (int p = 0; p < j; p++)
            {
                double dot = 0;
                for (int i = 0; i < n; i++) dot += q[p][i] * q[j][i];
                for (int i = 0; i < n; i++) q[j][i] -= dot * q[p][i];
            }
            double norm = Math.Sqrt(q[j].Sum(v => v * v));
            for (int i = 0; i < n; i++) q[j][i] /= norm;
        }
        var d = new float[shape.Size];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                d[r * cols + c] = (float)(rows >= cols ? q[c][r] : q[r][c]);
        return Tensor.FromOwnedArray(d, shape);
    }
}
