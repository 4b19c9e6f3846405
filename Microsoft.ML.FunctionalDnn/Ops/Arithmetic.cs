using Microsoft.ML.FunctionalDnn.Backends;
using Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

namespace Microsoft.ML.FunctionalDnn;

public static partial class Ops
{
    /// <summary>a + b with NumPy broadcasting.</summary>
    public static Tensor Add(Tensor a, Tensor b) => Backend.Current.Add(a, b);

    /// <summary>
    /// x + bias over the last axis, then max(·, 0) when <paramref name="relu"/>: a layer's bias and
    /// ReLU as one op (one pass over the output each way on the managed engine, and no intermediate
    /// tensor kept for the backward pass).
    /// </summary>
    internal static Tensor BiasAdd(Tensor x, Tensor bias, bool relu = false) => Backend.Current.BiasAdd(x, bias, relu);

    /// <summary>a - b with NumPy broadcasting.</summary>
    public static Tensor Subtract(Tensor a, Tensor b) => Backend.Current.Subtract(a, b);

    /// <summary>a · b element-wise with NumPy broadcasting.</summary>
    public static Tensor Multiply(Tensor a, Tensor b) => Backend.Current.Multiply(a, b);

    /// <summary>a / b element-wise with NumPy broadcasting.</summary>
    public static Tensor Divide(Tensor a, Tensor b) => Backend.Current.Divide(a, b);

    /// <summary>Element-wise maximum with broadcasting; where a == b the gradient goes to a.</summary>
    public static Tensor Maximum(Tensor a, Tensor b) => Backend.Current.Maximum(a, b);

    /// <summary>Element-wise minimum with broadcasting; where a == b the gradient goes to a.</summary>
    public static Tensor Minimum(Tensor a, Tensor b) => Backend.Current.Minimum(a, b);

    /// <summary>a raised to b element-wise with broadcasting (the gradient with respect to b needs a &gt; 0).</summary>
    public static Tensor Pow(Tensor a, Tensor b) => Backend.Current.Pow(a, b);

    /// <summary>x raised to a constant power.</summary>
    public static Tensor Pow(Tensor x, float exponent) => Backend.Current.Pow(x, exponent);

    /// <summary>-x.</summary>
    public static Tensor Negate(Tensor x) => Backend.Current.Negate(x);

    /// <summary>eˣ.</summary>
    public static Tensor Exp(Tensor x) => Backend.Current.Exp(x);

    /// <summary>Natural logarithm.</summary>
    public static Tensor Log(Tensor x) => Backend.Current.Log(x);

    /// <summary>Square root.</summary>
    public static Tensor Sqrt(Tensor x) => Backend.Current.Sqrt(x);

    /// <summary>x².</summary>
    public static Tensor Square(Tensor x) => Backend.Current.Square(x);

    /// <summary>|x| (gradient 0 at 0).</summary>
    public static Tensor Abs(Tensor x) => Backend.Current.Abs(x);

    /// <summary>Limits every element to [<paramref name="min"/>, <paramref name="max"/>]; the gradient passes inside the range.</summary>
    public static Tensor Clip(Tensor x, float min, float max) => Backend.Current.Clip(x, min, max);
}
