using Microsoft.ML.FunctionalDnn.Backends;
using TorchSharp;
using static Microsoft.ML.FunctionalDnn.Backends.OpChecks;
using F = TorchSharp.torch.nn.functional;
using TT = TorchSharp.torch.Tensor;

namespace Microsoft.ML.FunctionalDnn.TorchSharp;

// Activations, arithmetic and comparisons: libtorch's element-wise kernels, broadcasting as NumPy.
internal sealed partial class TorchBackend
{
    private Tensor Unary(Tensor x, string op, Func<TT, TT> f)
    {
        ArgumentNullException.ThrowIfNull(x);
        RequireFloat(x, op);
        return WrapFloat(f(T(x)), x.Shape);
    }

    private Tensor Binary(Tensor a, Tensor b, string op, Func<TT, TT, TT> f)
    {
        RequireFloatPair(a, b, op);
        var shape = BroadcastShape(a.Shape, b.Shape, op);
        return WrapFloat(f(T(a), T(b)), shape);
    }

    public Tensor Relu(Tensor x) => Unary(x, nameof(Relu), t => F.relu(t));

    // x where x >= 0: at 0 the gradient is 1, as on the managed engine (libtorch's leaky_relu gives the slope there).
    public Tensor LeakyRelu(Tensor x, float negativeSlope) => Unary(x, nameof(LeakyRelu), t => torch.where(t >= 0, t, t * negativeSlope));

    public Tensor Elu(Tensor x, float alpha) => Unary(x, nameof(Elu), t => F.elu(t, alpha));

    public Tensor Selu(Tensor x) => Unary(x, nameof(Selu), t => F.selu(t));

    public Tensor Gelu(Tensor x, bool approximate) =>
        Unary(x, nameof(Gelu), t => F.gelu(t, approximate ? global::TorchSharp.Modules.GELU.Approximate.tanh : global::TorchSharp.Modules.GELU.Approximate.none));

    public Tensor Sigmoid(Tensor x) => Unary(x, nameof(Sigmoid), torch.sigmoid);

    // Keras 3's hard_sigmoid is relu6(x + 3) / 6, which is libtorch's hardsigmoid.
    public Tensor HardSigmoid(Tensor x) => Unary(x, nameof(HardSigmoid), t => F.hardsigmoid(t));

    public Tensor Tanh(Tensor x) => Unary(x, nameof(Tanh), torch.tanh);

    // Threshold 20 (libtorch's default) returns x itself where ln(1 + eˣ) - x < 3e-9.
    public Tensor Softplus(Tensor x) => Unary(x, nameof(Softplus), t => F.softplus(t));

    public Tensor Softsign(Tensor x) => Unary(x, nameof(Softsign), t => F.softsign(t));

    public Tensor Swish(Tensor x) => Unary(x, nameof(Swish), t => F.silu(t));

    public Tensor Add(Tensor a, Tensor b) => Binary(a, b, nameof(Add), (x, y) => x + y);

    public Tensor BiasAdd(Tensor x, Tensor bias, bool relu)
    {
        OpChecks.CheckBiasAdd(x, bias);
        var sum = T(x) + T(bias);
        return WrapFloat(relu ? sum.relu_() : sum, x.Shape);
    }

    public Tensor Subtract(Tensor a, Tensor b) => Binary(a, b, nameof(Subtract), (x, y) => x - y);

    public Tensor Multiply(Tensor a, Tensor b) => Binary(a, b, nameof(Multiply), (x, y) => x * y);

    public Tensor Divide(Tensor a, Tensor b) => Binary(a, b, nameof(Divide), (x, y) => x / y);

    // Where a == b the managed engine sends the whole gradient to a (a >= b); so does this, while
    // libtorch's maximum would split it between the two. A NaN on either side gives NaN, as there.
    public Tensor Maximum(Tensor a, Tensor b) => Binary(a, b, nameof(Maximum), (x, y) => torch.where((x >= y).logical_or_(x.isnan()), x, y));

    public Tensor Minimum(Tensor a, Tensor b) => Binary(a, b, nameof(Minimum), (x, y) => torch.where((y >= x).logical_or_(x.isnan()), x, y));

    public Tensor Pow(Tensor a, Tensor b) => Binary(a, b, nameof(Pow), torch.pow);

    public Tensor Pow(Tensor x, float exponent) => Unary(x, nameof(Pow), t => t.pow(exponent));

    public Tensor Negate(Tensor x) => Unary(x, nameof(Negate), t => -t);

    public Tensor Exp(Tensor x) => Unary(x, nameof(Exp), torch.exp);

    public Tensor Log(Tensor x) => Unary(x, nameof(Log), torch.log);

    public Tensor Sqrt(Tensor x) => Unary(x, nameof(Sqrt), torch.sqrt);

    public Tensor Square(Tensor x) => Unary(x, nameof(Square), torch.square);

    public Tensor Abs(Tensor x) => Unary(x, nameof(Abs), torch.abs);

    public Tensor Clip(Tensor x, float min, float max)
    {
        if (!(min <= max)) throw new ArgumentException($"Clip needs min <= max; received min={min}, max={max}.", nameof(min));
        return Unary(x, nameof(Clip), t => t.clamp(min, max));
    }

    public Tensor NotEqualZero(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        using var _ = torch.no_grad();
        return Wrap(T(x).ne(0).to_type(torch.ScalarType.Float32));
    }

    public Tensor Equal(Tensor a, Tensor b) => Compare(a, b, nameof(Equal), (x, y) => x.eq(y));

    public Tensor NotEqual(Tensor a, Tensor b) => Compare(a, b, nameof(NotEqual), (x, y) => x.ne(y));

    public Tensor Greater(Tensor a, Tensor b) => Compare(a, b, nameof(Greater), (x, y) => x.gt(y));

    // Comparisons are piecewise constant: no gradient, a float32 0/1 result.
    private Tensor Compare(Tensor a, Tensor b, string op, Func<TT, TT, TT> f)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.DType != b.DType)
            throw new ArgumentException($"{op} compares tensors of one type; received {a.DType} {a.Shape} and {b.DType} {b.Shape}. Convert one with Ops.Cast first.");
        BroadcastShape(a.Shape, b.Shape, op);
        using var _ = torch.no_grad();
        return Wrap(f(T(a).detach(), T(b).detach()).to_type(torch.ScalarType.Float32));
    }

    public Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(condition);
        RequireFloatPair(a, b, nameof(Where));
        BroadcastShape(BroadcastShape(condition.Shape, a.Shape, nameof(Where)), b.Shape, nameof(Where));
        var c = T(condition).detach().ne(0);
        return Wrap(torch.where(c, T(a), T(b)));
    }
}
