using Microsoft.ML.FunctionalDnn.Backends;
using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn;

public static partial class Ops
{
    /// <summary>max(x, 0).</summary>
    public static Tensor Relu(Tensor x) => Backend.Current.Relu(x);

    /// <summary>x for x ≥ 0, <paramref name="negativeSlope"/> · x below (Keras's default slope 0.2).</summary>
    public static Tensor LeakyRelu(Tensor x, float negativeSlope = 0.2f) => Backend.Current.LeakyRelu(x, negativeSlope);

    /// <summary>Exponential linear unit: x for x &gt; 0, α(eˣ - 1) below.</summary>
    public static Tensor Elu(Tensor x, float alpha = 1f) => Backend.Current.Elu(x, alpha);

    /// <summary>Scaled ELU with the self-normalizing constants α ≈ 1.6733 and scale ≈ 1.0507.</summary>
    public static Tensor Selu(Tensor x) => Backend.Current.Selu(x);

    /// <summary>Gaussian error linear unit; the tanh approximation by default, as <c>keras.ops.gelu</c>.</summary>
    public static Tensor Gelu(Tensor x, bool approximate = true) => Backend.Current.Gelu(x, approximate);

    /// <summary>1 / (1 + e^-x).</summary>
    public static Tensor Sigmoid(Tensor x) => Backend.Current.Sigmoid(x);

    /// <summary>Keras 3's piecewise-linear sigmoid: clip(x / 6 + 0.5, 0, 1).</summary>
    public static Tensor HardSigmoid(Tensor x) => Backend.Current.HardSigmoid(x);

    /// <summary>Hyperbolic tangent.</summary>
    public static Tensor Tanh(Tensor x) => Backend.Current.Tanh(x);

    /// <summary>ln(1 + eˣ), stable for large |x|.</summary>
    public static Tensor Softplus(Tensor x) => Backend.Current.Softplus(x);

    /// <summary>x / (1 + |x|).</summary>
    public static Tensor Softsign(Tensor x) => Backend.Current.Softsign(x);

    /// <summary>x · sigmoid(x) (SiLU).</summary>
    public static Tensor Swish(Tensor x) => Backend.Current.Swish(x);
}
