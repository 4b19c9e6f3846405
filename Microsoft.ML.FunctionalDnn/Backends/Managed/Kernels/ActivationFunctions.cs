namespace Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

/// <summary>x for x ≥ 0, slope · x below (Keras's <c>leaky_relu</c>).</summary>
internal readonly struct LeakyReluFunction(float slope) : IScalarFunction
{
    private readonly float _slope = slope;
    public float Value(float x) => x >= 0 ? x : _slope * x;
    public float Derivative(float x, float y) => x >= 0 ? 1 : _slope;
}

/// <summary>x for x &gt; 0, α(eˣ - 1) below.</summary>
internal readonly struct EluFunction(float alpha, float scale = 1) : IScalarFunction
{
    private readonly float _alpha = alpha, _scale = scale;
    public float Value(float x) => _scale * (x > 0 ? x : _alpha * (MathF.Exp(x) - 1));
    public float Derivative(float x, float y) => x > 0 ? _scale : y + _scale * _alpha;
}

/// <summary>Gaussian error linear unit, exact (x·Φ(x)) or with the tanh approximation.</summary>
internal readonly struct GeluFunction(bool approximate) : IScalarFunction
{
    private const float SqrtTwoOverPi = 0.7978845608f;
    private const float InvSqrtTwo = 0.70710678f;
    private const float InvSqrtTwoPi = 0.39894228f;
    private readonly bool _approximate = approximate;

    public float Value(float x)
    {
        if (_approximate)
            return 0.5f * x * (1 + MathF.Tanh(SqrtTwoOverPi * (x + 0.044715f * x * x * x)));
        return 0.5f * x * (1 + Erf(x * InvSqrtTwo));
    }

    public float Derivative(float x, float y)
    {
        if (_approximate)
        {
            float u = SqrtTwoOverPi * (x + 0.044715f * x * x * x);
            float t = MathF.Tanh(u);
            float du = SqrtTwoOverPi * (1 + 3 * 0.044715f * x * x);
            return 0.5f * (1 + t) + 0.5f * x * (1 - t * t) * du;
        }
        return 0.5f * (1 + Erf(x * InvSqrtTwo)) + x * InvSqrtTwoPi * MathF.Exp(-0.5f * x * x);
    }

    /// <summary>erf with absolute error below 1.2e-7 (Numerical Recipes' erfc Chebyshev fit), evaluated in double.</summary>
    internal static float Erf(float xf)
    {
        double x = xf;
        double z = Math.Abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double r = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
            + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
            + t * (-0.82215223 + t * 0.17087277)))))))));
        return (float)(x >= 0 ? 1 - r : r - 1);
    }
}

/// <summary>Keras 3's hard sigmoid: clip(x / 6 + 1/2, 0, 1).</summary>
internal readonly struct HardSigmoidFunction : IScalarFunction
{
    public float Value(float x) => Math.Clamp(x / 6 + 0.5f, 0, 1);
    public float Derivative(float x, float y) => x > -3 && x < 3 ? 1f / 6 : 0;
}

/// <summary>ln(1 + eˣ), computed as max(x, 0) + ln(1 + e^-|x|) so large |x| neither overflows nor loses precision.</summary>
internal readonly struct SoftplusFunction : IScalarFunction
{
    public float Value(float x) => MathF.Max(x, 0) + (float)Math.Log(1 + Math.Exp(-Math.Abs(x)));
    public float Derivative(float x, float y) => 1 / (1 + MathF.Exp(-x));
}

/// <summary>x / (1 + |x|).</summary>
internal readonly struct SoftsignFunction : IScalarFunction
{
    public float Value(float x) => x / (1 + MathF.Abs(x));
    public float Derivative(float x, float y)
    {
        float d = 1 + MathF.Abs(x);
        return 1 / (d * d);
    }
}

/// <summary>x · sigmoid(x) (also called SiLU).</summary>
internal readonly struct SwishFunction : IScalarFunction
{
    public float Value(float x) => x / (1 + MathF.Exp(-x));
    public float Derivative(float x, float y)
    {
        float s = 1 / (1 + MathF.Exp(-x));
        return s * (1 + x * (1 - s));
    }
}
