using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed;

internal sealed partial class ManagedBackend
{
    public Tensor Add(Tensor a, Tensor b)
    {
        var y = BinaryKernel.Run<AddOperator>(a, b, nameof(Add));
        if (Tape.ShouldRecord(a, b))
        {
            Tape.Record(nameof(Add), y, [a, b], n =>
            {
                if (n.NeedsGrad(0)) n.AccumulateInputGrad(0, ReduceKernel.SumToShape(n.Grad, a.Shape));
                if (n.NeedsGrad(1)) n.AccumulateInputGrad(1, ReduceKernel.SumToShape(n.Grad, b.Shape));
            });
        }
        return y;
    }

    public Tensor BiasAdd(Tensor x, Tensor bias, bool relu)
    {
        OpChecks.CheckBiasAdd(x, bias);
        var y = Tensor.Empty(x.Shape);
        BiasKernel.Forward(x, bias, y, relu);
        if (Tape.ShouldRecord(x, bias))
        {
            // The ReLU's mask is read from y (y > 0 exactly where x + b > 0), so x need not be kept.
            Tape.Record(nameof(BiasAdd), y, [x, bias], n =>
            {
                var dz = relu && n.NeedsGrad(0) ? Tensor.Empty(x.Shape) : null;
                var db = n.NeedsGrad(1) ? Tensor.Empty(bias.Shape) : null;
                if (dz is not null || db is not null) BiasKernel.Backward(n.Grad, relu ? y : null, dz, db);
                if (n.NeedsGrad(0)) n.AccumulateInputGrad(0, dz ?? n.Grad);
                if (db is not null) n.AccumulateInputGrad(1, db);
            });
        }
        return y;
    }

    public Tensor Subtract(Tensor a, Tensor b)
    {
        var y = BinaryKernel.Run<SubtractOperator>(a, b, nameof(Subtract));
        if (Tape.ShouldRecord(a, b))
        {
            Tape.Record(nameof(Subtract), y, [a, b], n =>
            {
                if (n.NeedsGrad(0)) n.AccumulateInputGrad(0, ReduceKernel.SumToShape(n.Grad, a.Shape));
                if (n.NeedsGrad(1)) n.AccumulateInputGrad(1, Negate(ReduceKernel.SumToShape(n.Grad, b.Shape)));
            });
        }
        return y;
    }

    public Tensor Multiply(Tensor a, Tensor b)
    {
        var y = BinaryKernel.Run<MultiplyOperator>(a, b, nameof(Multiply));
        if (Tape.ShouldRecord(a, b))
        {
            Tape.Record(nameof(Multiply), y, [a, b], n =>
            {
                if (n.NeedsGrad(0)) n.AccumulateInputGrad(0, ReduceKernel.SumToShape(BinaryKernel.Run<MultiplyOperator>(n.Grad, b, nameof(Multiply)), a.Shape));
                if (n.NeedsGrad(1)) n.AccumulateInputGrad(1, ReduceKernel.SumToShape(BinaryKernel.Run<MultiplyOperator>(n.Grad, a, nameof(Multiply)), b.Shape));
            });
        }
        return y;
    }

    public Tensor Divide(Tensor a, Tensor b)
    {
        var y = BinaryKernel.Run<DivideOperator>(a, b, nameof(Divide));
        if (Tape.ShouldRecord(a, b))
        {
            Tape.Record(nameof(Divide), y, [a, b], n =>
            {
                var gOverB = BinaryKernel.Run<DivideOperator>(n.Grad, b, nameof(Divide));
                if (n.NeedsGrad(0)) n.AccumulateInputGrad(0, ReduceKernel.SumToShape(gOverB, a.Shape));
                // d(a/b)/db = -(a/b)/b = -y/b, so db = -(g/b)·y.
                if (n.NeedsGrad(1)) n.AccumulateInputGrad(1, Negate(ReduceKernel.SumToShape(BinaryKernel.Run<MultiplyOperator>(gOverB, y, nameof(Divide)), b.Shape)));
            });
        }
        return y;
    }

    public Tensor Maximum(Tensor a, Tensor b) => Extremum<MaximumOperator>(a, b, nameof(Maximum), aWinsWhereGreater: true);

    public Tensor Minimum(Tensor a, Tensor b) => Extremum<MinimumOperator>(a, b, nameof(Minimum), aWinsWhereGreater: false);

    private static Tensor Extremum<TOp>(Tensor a, Tensor b, string name, bool aWinsWhereGreater) where TOp : IBinaryOperator
    {
        var y = BinaryKernel.Run<TOp>(a, b, name);
        if (Tape.ShouldRecord(a, b))
        {
            Tape.Record(name, y, [a, b], n =>
            {
                var aWins = aWinsWhereGreater
                    ? BinaryKernel.Run<GreaterOrEqualMaskOperator>(a, b, name)
                    : BinaryKernel.Run<GreaterOrEqualMaskOperator>(b, a, name);
                var ga = BinaryKernel.Run<MultiplyOperator>(n.Grad, aWins, name);
                if (n.NeedsGrad(0)) n.AccumulateInputGrad(0, ReduceKernel.SumToShape(ga, a.Shape));
                if (n.NeedsGrad(1)) n.AccumulateInputGrad(1, ReduceKernel.SumToShape(BinaryKernel.Run<SubtractOperator>(n.Grad, ga, name), b.Shape));
            });
        }
        return y;
    }

    public Tensor Pow(Tensor a, Tensor b)
    {
        var y = BinaryKernel.Run<PowOperator>(a, b, nameof(Pow));
        if (Tape.ShouldRecord(a, b))
        {
            Tape.Record(nameof(Pow), y, [a, b], n =>
            {
                if (n.NeedsGrad(0))
                {
                    // d(a^b)/da = b · a^(b-1)
                    var bMinus1 = BinaryKernel.Run<SubtractOperator>(b, Tensor.Scalar(1), nameof(Pow));
                    var d = BinaryKernel.Run<MultiplyOperator>(BinaryKernel.Run<PowOperator>(a, bMinus1, nameof(Pow)), b, nameof(Pow));
                    n.AccumulateInputGrad(0, ReduceKernel.SumToShape(BinaryKernel.Run<MultiplyOperator>(d, n.Grad, nameof(Pow)), a.Shape));
                }
                if (n.NeedsGrad(1))
                {
                    // d(a^b)/db = a^b · ln a
                    var logA = Tensor.Empty(a.Shape);
                    System.Numerics.Tensors.TensorPrimitives.Log(a.Data, logA.Data);
                    var d = BinaryKernel.Run<MultiplyOperator>(y, logA, nameof(Pow));
                    n.AccumulateInputGrad(1, ReduceKernel.SumToShape(BinaryKernel.Run<MultiplyOperator>(d, n.Grad, nameof(Pow)), b.Shape));
                }
            });
        }
        return y;
    }

    public Tensor Pow(Tensor x, float exponent) => Unary(x, new PowScalarOperator(exponent), nameof(Pow));

    public Tensor Negate(Tensor x) => Unary(x, new NegateOperator(), nameof(Negate));

    public Tensor Exp(Tensor x) => Unary(x, new ExpOperator(), nameof(Exp));

    public Tensor Log(Tensor x) => Unary(x, new LogOperator(), nameof(Log));

    public Tensor Sqrt(Tensor x) => Unary(x, new SqrtOperator(), nameof(Sqrt));

    public Tensor Square(Tensor x) => Unary(x, new SquareOperator(), nameof(Square));

    public Tensor Abs(Tensor x) => Unary(x, new AbsOperator(), nameof(Abs));

    public Tensor Clip(Tensor x, float min, float max)
    {
        if (!(min <= max)) throw new ArgumentException($"Clip needs min <= max; received min={min}, max={max}.", nameof(min));
        return Unary(x, new ClipOperator(min, max), nameof(Clip));
    }
}
