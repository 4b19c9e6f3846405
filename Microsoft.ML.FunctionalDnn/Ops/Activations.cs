using Microsoft.ML.FunctionalDnn.Kernels;

namespace Microsoft.ML.FunctionalDnn;

public static partial class Ops
{
    /// <summary>max(x, 0).</summary>
    public static Tensor Relu(Tensor x) => Unary(x, new ReluOperator(), nameof(Relu));

    /// <summary>x for x ≥ 0, <paramref name="negativeSlope"/> · x below (Keras's default slope 0.2).</summary>
    public static Tensor LeakyRelu(Tensor x, float negativeSlope = 0.2f) =>
        Unary(x, new ScalarUnary<LeakyReluFunction>(new LeakyReluFunction(negativeSlope)), nameof(LeakyRelu));

    /// <summary>Exponential linear unit: x for x &gt; 0, α(eˣ - 1) below.</summary>
    public static Tensor Elu(Tensor x, float alpha = 1f) =>
        Unary(x, new ScalarUnary<EluFunction>(new EluFunction(alpha)), nameof(Elu));

    /// <summary>Scaled ELU with the self-normalizing constants α ≈ 1.6733 and scale ≈ 1.0507.</summary>
    public static Tensor Selu(Tensor x) =>
        Unary(x, new ScalarUnary<EluFunction>(new EluFunction(1.6732632423543772f, 1.0507009873554805f)), nameof(Selu));

    /// <summary>Gaussian error linear unit; the tanh approximation by default, as <c>keras.ops.gelu</c>.</summary>
    public static Tensor Gelu(Tensor x, bool approximate = true) =>
        Unary(x, new ScalarUnary<GeluFunction>(new GeluFunction(approximate)), nameof(Gelu));

    /// <summary>1 / (1 + e^-x).</summary>
    public static Tensor Sigmoid(Tensor x) => Unary(x, new SigmoidOperator(), nameof(Sigmoid));

    /// <summary>Keras 3's piecewise-linear sigmoid: clip(x / 6 + 0.5, 0, 1).</summary>
    public static Tensor HardSigmoid(Tensor x) =>
        Unary(x, new ScalarUnary<HardSigmoidFunction>(default), nameof(HardSigmoid));

    /// <summary>Hyperbolic tangent.</summary>
    public static Tensor Tanh(Tensor x) => Unary(x, new TanhOperator(), nameof(Tanh));

    /// <summary>ln(1 + eˣ), stable for large |x|.</summary>
    public static Tensor Softplus(Tensor x) =>
        Unary(x, new ScalarUnary<SoftplusFunction>(default), nameof(Softplus));

    /// <summary>x / (1 + |x|).</summary>
    public static Tensor Softsign(Tensor x) =>
        Unary(x, new ScalarUnary<SoftsignFunction>(default), nameof(Softsign));

    /// <summary>x · sigmoid(x) (SiLU).</summary>
    public static Tensor Swish(Tensor x) =>
        Unary(x, new ScalarUnary<SwishFunction>(default), nameof(Swish));
}
