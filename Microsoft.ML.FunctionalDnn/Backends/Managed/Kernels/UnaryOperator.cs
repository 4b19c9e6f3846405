namespace Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

/// <summary>
/// An element-wise function with its derivative: <see cref="Forward"/> computes y = f(x) and
/// <see cref="Backward"/> dx = dy · f'(x), given x and y (whichever the rule needs). Instances carry
/// parameters such as a leaky slope; generic code over the struct type is specialized and inlined.
/// </summary>
internal interface IUnaryOperator
{
    void Forward(ReadOnlySpan<float> x, Span<float> y);

    void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx);
}

/// <summary>A scalar function and its derivative, for activations TensorPrimitives lacks.</summary>
internal interface IScalarFunction
{
    float Value(float x);

    /// <summary>f'(x), given x and y = f(x).</summary>
    float Derivative(float x, float y);
}

/// <summary>Runs an <see cref="IScalarFunction"/> over spans: the one driver for scalar-defined activations.</summary>
internal readonly struct ScalarUnary<TF>(TF function) : IUnaryOperator where TF : struct, IScalarFunction
{
    private readonly TF _f = function;

    public void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = _f.Value(x[i]);
    }

    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (int i = 0; i < dx.Length; i++) dx[i] = dy[i] * _f.Derivative(x[i], y[i]);
    }
}
