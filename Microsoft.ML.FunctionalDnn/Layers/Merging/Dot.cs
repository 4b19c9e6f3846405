namespace Microsoft.ML.FunctionalDnn.Layers;

/// <summary>
/// Dot product of two inputs along an axis of each (Keras's <c>layers.Dot</c>): (batch, d)·(batch, d)
/// gives (batch, 1); (batch, n, d)·(batch, m, d) with axes (2, 2) gives (batch, n, m). With
/// <see cref="Normalize"/>, both are L2-normalized first (cosine similarity).
/// </summary>
public sealed class Dot(int axisA, int axisB, bool normalize = false, string? name = null) : Layer(name)
{
    /// <summary>The same axis of both inputs.</summary>
    public Dot(int axes, bool normalize = false, string? name = null) : this(axes, axes, normalize, name)
    {
    }

    /// <summary>The contracted axis of the first input.</summary>
    public int AxisA { get; } = axisA;

    /// <summary>The contracted axis of the second input.</summary>
    public int AxisB { get; } = axisB;

    /// <summary>Whether inputs are L2-normalized along their axes first.</summary>
    public bool Normalize { get; } = normalize;

    /// <inheritdoc/>
    protected override IEnumerable<KeyValuePair<string, object?>> ConfigEntries() =>
        [
            new("axes", new[] { AxisA, AxisB }),
            new("normalize", Normalize),
        ];

    /// <inheritdoc/>
    public override IReadOnlyList<TensorShape> ComputeOutputShapes(IReadOnlyList<TensorShape> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        if (inputShapes.Count != 2) throw Error($"expects 2 inputs; received {inputShapes.Count}.");
        var (a, b) = (inputShapes[0], inputShapes[1]);
        if (a.Rank != b.Rank || a.Rank is < 2 or > 3) throw Error($"supports two inputs of rank 2 or 3; received {a} and {b}.");
        int ax = Shape.NormalizeAxis(AxisA, a.Rank), bx = Shape.NormalizeAxis(AxisB, b.Rank);
        if (ax == 0 || bx == 0) throw Error("cannot contract the batch axis.");
        if (a[ax] is int x && b[bx] is int y && x != y) throw Error($"axis {AxisA} of {a} has size {x} but axis {AxisB} of {b} has size {y}.");
        if (a.Rank == 2) return [new TensorShape(a[0], 1)];
        return [new TensorShape(a[0], a[3 - ax], b[3 - bx])];
    }

    /// <inheritdoc/>
    protected internal override IReadOnlyList<Tensor> Call(IReadOnlyList<Tensor> inputs, bool training)
    {
        var (a, b) = (inputs[0], inputs[1]);
        int ax = Shape.NormalizeAxis(AxisA, a.Rank), bx = Shape.NormalizeAxis(AxisB, b.Rank);
        if (Normalize)
        {
            a = Ops.Divide(a, Ops.Sqrt(Ops.Add(Ops.Sum(Ops.Square(a), ax, keepDims: true), Tensor.Scalar(1e-12f))));
            b = Ops.Divide(b, Ops.Sqrt(Ops.Add(Ops.Sum(Ops.Square(b), bx, keepDims: true), Tensor.Scalar(1e-12f))));
        }
        if (a.Rank == 2) return [Ops.Sum(Ops.Multiply(a, b), -1, keepDims: true)];
        // (batch, n, d) · (batch, d, m): contract a's axis last and b's axis in the middle.
        return [Ops.MatMul(a, b, transposeA: ax == 1, transposeB: bx == 2)];
    }
}
