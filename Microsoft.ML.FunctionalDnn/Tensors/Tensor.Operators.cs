namespace Microsoft.ML.FunctionalDnn;

public sealed partial class Tensor
{
    /// <summary>Element-wise sum with broadcasting (<see cref="Ops.Add"/>).</summary>
    public static Tensor operator +(Tensor a, Tensor b) => Ops.Add(a, b);

    /// <summary>Adds a constant to every element.</summary>
    public static Tensor operator +(Tensor a, float b) => Ops.Add(a, Scalar(b));

    /// <summary>Adds a constant to every element.</summary>
    public static Tensor operator +(float a, Tensor b) => Ops.Add(Scalar(a), b);

    /// <summary>Element-wise difference with broadcasting (<see cref="Ops.Subtract"/>).</summary>
    public static Tensor operator -(Tensor a, Tensor b) => Ops.Subtract(a, b);

    /// <summary>Subtracts a constant from every element.</summary>
    public static Tensor operator -(Tensor a, float b) => Ops.Subtract(a, Scalar(b));

    /// <summary>A constant minus every element.</summary>
    public static Tensor operator -(float a, Tensor b) => Ops.Subtract(Scalar(a), b);

    /// <summary>Negation (<see cref="Ops.Negate"/>).</summary>
    public static Tensor operator -(Tensor a) => Ops.Negate(a);

    /// <summary>Element-wise product with broadcasting (<see cref="Ops.Multiply"/>).</summary>
    public static Tensor operator *(Tensor a, Tensor b) => Ops.Multiply(a, b);

    /// <summary>Scales every element.</summary>
    public static Tensor operator *(Tensor a, float b) => Ops.Multiply(a, Scalar(b));

    /// <summary>Scales every element.</summary>
    public static Tensor operator *(float a, Tensor b) => Ops.Multiply(Scalar(a), b);

    /// <summary>Element-wise quotient with broadcasting (<see cref="Ops.Divide"/>).</summary>
    public static Tensor operator /(Tensor a, Tensor b) => Ops.Divide(a, b);

    /// <summary>Divides every element by a constant.</summary>
    public static Tensor operator /(Tensor a, float b) => Ops.Divide(a, Scalar(b));

    /// <summary>A constant divided by every element.</summary>
    public static Tensor operator /(float a, Tensor b) => Ops.Divide(Scalar(a), b);
}
