using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Microsoft.ML.FunctionalDnn;

public sealed partial class Tensor
{
    /// <summary>
    /// A tensor whose contents are undefined, for ops that overwrite every element. Inside a
    /// <see cref="TensorScope"/> the buffer comes from the pool.
    /// </summary>
    internal static Tensor Empty(Shape shape, DType dtype = DType.Float32)
    {
        var scope = TensorScope.Current;
        Storage storage;
        if (scope is null)
            storage = dtype == DType.Float32 ? Storage.OfFloats(new float[shape.Size]) : Storage.OfInts(new int[shape.Size]);
        else
        {
            storage = dtype == DType.Float32 ? Storage.RentFloats(shape.Size) : Storage.RentInts(shape.Size);
            scope.Track(storage);
        }
        return new Tensor(storage, 0, shape, dtype);
    }

    /// <summary>A tensor on the GC heap that no scope returns to the pool (weights, gradients of weights).</summary>
    internal static Tensor Persistent(Shape shape, DType dtype = DType.Float32) =>
        new(dtype == DType.Float32 ? Storage.OfFloats(new float[shape.Size]) : Storage.OfInts(new int[shape.Size]), 0, shape, dtype);

    /// <summary>A tensor of zeros.</summary>
    public static Tensor Zeros(Shape shape, DType dtype = DType.Float32)
    {
        var t = Empty(shape, dtype);
        if (t.Storage.Pooled)
        {
            if (dtype == DType.Float32) t.Data.Clear();
            else t.IntData.Clear();
        }
        return t;
    }

    /// <summary>A tensor of zeros with the shape and type of <paramref name="like"/>.</summary>
    public static Tensor ZerosLike(Tensor like)
    {
        ArgumentNullException.ThrowIfNull(like);
        return Zeros(like.Shape, like.DType);
    }

    /// <summary>A tensor of ones.</summary>
    public static Tensor Ones(Shape shape, DType dtype = DType.Float32) => Full(shape, 1, dtype);

    /// <summary>A tensor with every element equal to <paramref name="value"/>.</summary>
    public static Tensor Full(Shape shape, float value, DType dtype = DType.Float32)
    {
        var t = Empty(shape, dtype);
        if (dtype == DType.Float32) t.Data.Fill(value);
        else t.IntData.Fill(checked((int)value));
        return t;
    }

    /// <summary>A rank-0 float tensor holding <paramref name="value"/>.</summary>
    public static Tensor Scalar(float value) => Full(Shape.Scalar, value);

    /// <summary>The values start, start + step, … below stop, as a 1-D tensor (like numpy.arange).</summary>
    public static Tensor Arange(float start, float stop, float step = 1, DType dtype = DType.Float32)
    {
        if (step == 0 || float.IsNaN(step)) throw new ArgumentException("Arange needs a non-zero step.", nameof(step));
        int n = Math.Max(0, (int)Math.Ceiling((stop - start) / step));
        var t = Empty(new Shape(n), dtype);
        if (dtype == DType.Float32)
        {
            var d = t.Data;
            for (int i = 0; i < n; i++) d[i] = start + i * step;
        }
        else
        {
            var d = t.IntData;
            for (int i = 0; i < n; i++) d[i] = checked((int)(start + i * step));
        }
        return t;
    }

    /// <summary>Wraps a float array (not copied) as a tensor of the given shape (1-D when omitted).</summary>
    /// <exception cref="ArgumentException">The shape's element count differs from the array's length.</exception>
    public static Tensor FromArray(float[] data, Shape? shape = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        shape ??= new Shape(data.Length);
        CheckLength(data.Length, shape);
        return new Tensor(Storage.OfFloats(data), 0, shape, DType.Float32);
    }

    /// <summary>Wraps an int array (not copied) as an int32 tensor of the given shape (1-D when omitted).</summary>
    /// <exception cref="ArgumentException">The shape's element count differs from the array's length.</exception>
    public static Tensor FromArray(int[] data, Shape? shape = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        shape ??= new Shape(data.Length);
        CheckLength(data.Length, shape);
        return new Tensor(Storage.OfInts(data), 0, shape, DType.Int32);
    }

    /// <summary>Copies a 2-D float array into a tensor of shape (rows, columns).</summary>
    public static Tensor FromArray(float[,] data) => CopyFrom(data, DType.Float32);

    /// <summary>Copies a 3-D float array into a tensor of the same shape.</summary>
    public static Tensor FromArray(float[,,] data) => CopyFrom(data, DType.Float32);

    /// <summary>Copies a 4-D float array into a tensor of the same shape.</summary>
    public static Tensor FromArray(float[,,,] data) => CopyFrom(data, DType.Float32);

    /// <summary>Copies a 2-D int array into an int32 tensor of shape (rows, columns).</summary>
    public static Tensor FromArray(int[,] data) => CopyFrom(data, DType.Int32);

    /// <summary>Copies a 3-D int array into an int32 tensor of the same shape.</summary>
    public static Tensor FromArray(int[,,] data) => CopyFrom(data, DType.Int32);

    private static Tensor CopyFrom(Array data, DType dtype)
    {
        ArgumentNullException.ThrowIfNull(data);
        var dims = new int[data.Rank];
        for (int i = 0; i < dims.Length; i++) dims[i] = data.GetLength(i);
        var t = Persistent(new Shape(dims), dtype);
        // Multi-dimensional CLR arrays are stored row-major, so one block copy suffices.
        var bytes = MemoryMarshal.CreateSpan(ref MemoryMarshal.GetArrayDataReference(data), Buffer.ByteLength(data));
        if (dtype == DType.Float32) MemoryMarshal.Cast<byte, float>(bytes).CopyTo(t.Data);
        else MemoryMarshal.Cast<byte, int>(bytes).CopyTo(t.IntData);
        return t;
    }

    /// <summary>Uniform samples in [<paramref name="low"/>, <paramref name="high"/>) from <paramref name="random"/>.</summary>
    public static Tensor Uniform(Shape shape, float low, float high, RandomGenerator random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var t = Empty(shape);
        var d = t.Data;
        float span = high - low;
        for (int i = 0; i < d.Length; i++) d[i] = low + span * random.NextFloat();
        return t;
    }

    /// <summary>Normal samples with the given mean and standard deviation from <paramref name="random"/>.</summary>
    public static Tensor Normal(Shape shape, float mean, float stddev, RandomGenerator random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var t = Empty(shape);
        var d = t.Data;
        for (int i = 0; i < d.Length; i++) d[i] = (float)(mean + stddev * random.NextNormal());
        return t;
    }

    /// <summary>Uniform integers in [<paramref name="low"/>, <paramref name="high"/>) as an int32 tensor.</summary>
    public static Tensor RandomInts(Shape shape, int low, int high, RandomGenerator random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (high <= low) throw new ArgumentException($"RandomInts needs low < high; received [{low}, {high}).", nameof(high));
        var t = Empty(shape, DType.Int32);
        var d = t.IntData;
        for (int i = 0; i < d.Length; i++) d[i] = low + random.NextInt(high - low);
        return t;
    }

    private static void CheckLength(int length, Shape shape)
    {
        if (length != shape.Size)
            throw new ArgumentException($"Shape {shape} needs {shape.Size} elements; the array has {length}.", nameof(shape));
    }

    /// <summary>Sets every float element to <paramref name="value"/>; returns this tensor.</summary>
    internal Tensor Fill(float value)
    {
        Data.Fill(value);
        return this;
    }

    /// <summary>Adds <paramref name="source"/>'s elements into this tensor in place (same size required).</summary>
    internal void AddInPlace(Tensor source) => TensorPrimitives.Add(Data, source.Data, Data);
}
