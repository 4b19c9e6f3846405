using System.Numerics;
using System.Numerics.Tensors;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed.Kernels;

/// <summary>e^x; dx = dy · y.</summary>
internal readonly struct ExpOperator : IUnaryOperator
{
    public void Forward(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Exp(x, y);
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => TensorPrimitives.Multiply(dy, y, dx);
}

/// <summary>ln x; dx = dy / x.</summary>
internal readonly struct LogOperator : IUnaryOperator
{
    public void Forward(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Log(x, y);
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => TensorPrimitives.Divide(dy, x, dx);
}

/// <summary>√x; dx = dy / (2y).</summary>
internal readonly struct SqrtOperator : IUnaryOperator
{
    public void Forward(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Sqrt(x, y);
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        TensorPrimitives.Divide(dy, y, dx);
        TensorPrimitives.Multiply(dx, 0.5f, dx);
    }
}

/// <summary>x²; dx = 2x · dy.</summary>
internal readonly struct SquareOperator : IUnaryOperator
{
    public void Forward(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Multiply(x, x, y);
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        TensorPrimitives.Multiply(x, dy, dx);
        TensorPrimitives.Multiply(dx, 2f, dx);
    }
}

/// <summary>-x; dx = -dy.</summary>
internal readonly struct NegateOperator : IUnaryOperator
{
    public void Forward(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Negate(x, y);
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => TensorPrimitives.Negate(dy, dx);
}

/// <summary>|x|; dx = dy · sign(x) (0 at 0).</summary>
internal readonly struct AbsOperator : IUnaryOperator
{
    public void Forward(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Abs(x, y);
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (int i = 0; i < dx.Length; i++) dx[i] = x[i] > 0 ? dy[i] : x[i] < 0 ? -dy[i] : 0;
    }
}

/// <summary>x^p for a constant p; dx = dy · p · x^(p-1).</summary>
internal readonly struct PowScalarOperator(float exponent) : IUnaryOperator
{
    private readonly float _p = exponent;

    public void Forward(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Pow(x, _p, y);
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        TensorPrimitives.Pow(x, _p - 1, dx);
        TensorPrimitives.Multiply(dx, dy, dx);
        TensorPrimitives.Multiply(dx, _p, dx);
    }
}

/// <summary>min(max(x, lo), hi); the gradient passes where lo ≤ x ≤ hi.</summary>
internal readonly struct ClipOperator(float min, float max) : IUnaryOperator
{
    private readonly float _min = min, _max = max;

    public void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        TensorPrimitives.Max(x, _min, y);
        TensorPrimitives.Min(y, _max, y);
    }

    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (int i = 0; i < dx.Length; i++) dx[i] = x[i] >= _min && x[i] <= _max ? dy[i] : 0;
    }
}

/// <summary>max(x, 0); dx = dy where x &gt; 0.</summary>
internal readonly struct ReluOperator : IUnaryOperator
{
    public void Forward(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Max(x, 0f, y);

    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int w = Vector<float>.Count;
            for (; i <= dx.Length - w; i += w)
            {
                var keep = Vector.GreaterThan(new Vector<float>(x[i..]), Vector<float>.Zero);
                Vector.ConditionalSelect(keep, new Vector<float>(dy[i..]), Vector<float>.Zero).CopyTo(dx[i..]);
            }
        }
        for (; i < dx.Length; i++) dx[i] = x[i] > 0 ? dy[i] : 0;
    }
}

/// <summary>1 / (1 + e^-x); dx = dy · y(1 - y).</summary>
internal readonly struct SigmoidOperator : IUnaryOperator
{
    public void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        // TensorPrimitives.Sigmoid rejects empty spans; an empty tensor is valid here.
        if (!x.IsEmpty) TensorPrimitives.Sigmoid(x, y);
    }

    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int w = Vector<float>.Count;
            for (; i <= dx.Length - w; i += w)
            {
                var s = new Vector<float>(y[i..]);
                (new Vector<float>(dy[i..]) * s * (Vector<float>.One - s)).CopyTo(dx[i..]);
            }
        }
        for (; i < dx.Length; i++) dx[i] = dy[i] * y[i] * (1 - y[i]);
    }
}

/// <summary>tanh x; dx = dy · (1 - y²).</summary>
internal readonly struct TanhOperator : IUnaryOperator
{
    public void Forward(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Tanh(x, y);

    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int w = Vector<float>.Count;
            for (; i <= dx.Length - w; i += w)
            {
                var t = new Vector<float>(y[i..]);
                (new Vector<float>(dy[i..]) * (Vector<float>.One - t * t)).CopyTo(dx[i..]);
            }
        }
        for (; i < dx.Length; i++) dx[i] = dy[i] * (1 - y[i] * y[i]);
    }
}
