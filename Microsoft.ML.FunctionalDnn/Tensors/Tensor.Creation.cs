using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Microsoft.ML.FunctionalDnn.Backends;
using Microsoft.ML.FunctionalDnn.Backends.Managed;

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
    public static Tensor Zeros(Shape shape, DType dtype = DType.Float32) => Full(shape, 0, dtype);

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
        ArgumentNullException.ThrowIfNull(shape);
        return Backend.Current.Full(shape, value, dtype);
    }

    /// <summary>A rank-0 float tensor holding <paramref name="value"/>.</summary>
    public static Tensor Scalar(float value) => Full(Shape.Scalar, value);

    /// <summary>The values start, start + step, … below stop, as a 1-D tensor (like numpy.arange).</summary>
    public static Tensor Arange(float start, float stop, float step = 1, DType dtype = DType.Float32)
    {
        if (step == 0 || float.IsNaN(step)) throw new ArgumentException("Arange needs a non-zero step.", nameof(step));
        int n = Math.Max(0, (int)Math.Ceiling((stop - start) / step));
        if (dtype == DType.Float32)
        {
            var values = new float[n];
            for (int i = 0; i < n; i++) values[i] = start + i * step;
            return FromOwnedArray(values, new Shape(n));
        }
        var ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = checked((int)(start + i * step));
        return FromOwnedArray(ids, new Shape(n));
    }

    /// <summary>A tensor holding a copy of <paramref name="data"/> with the given shape (1-D when omitted).</summary>
    /// <exception cref="ArgumentException">The shape's element count differs from the array's length.</exception>
    public static Tensor FromArray(float[] data, Shape? shape = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Backend.Current.FromHost(data, shape ?? new Shape(data.Length));
    }

    /// <summary>A tensor over <paramref name="data"/>, which the caller gives up (built-in initializers and optimizer slots: no second copy of a large table).</summary>
    internal static Tensor FromOwnedArray(float[] data, Shape shape) => Backend.Current.AdoptHost(data, shape);

    /// <summary>An int32 tensor over <paramref name="data"/>, which the caller gives up.</summary>
    internal static Tensor FromOwnedArray(int[] data, Shape shape) => Backend.Current.AdoptHost(data, shape);

    /// <summary>An int32 tensor holding a copy of <paramref name="data"/> with the given shape (1-D when omitted).</summary>
    /// <exception cref="ArgumentException">The shape's element count differs from the array's length.</exception>
    public static Tensor FromArray(int[] data, Shape? shape = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Backend.Current.FromHost(data, shape ?? new Shape(data.Length));
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
        // Multi-dimensional CLR arrays are stored row-major, so one block copy suffices.
        var bytes = MemoryMarshal.CreateSpan(ref MemoryMarshal.GetArrayDataReference(data), Buffer.ByteLength(data));
        return dtype == DType.Float32
            ? Backend.Current.FromHost(MemoryMarshal.Cast<byte, float>(bytes), new Shape(dims))
            : Backend.Current.FromHost(MemoryMarshal.Cast<byte, int>(bytes), new Shape(dims));
    }

    /// <summary>Uniform samples in [<paramref name="low"/>, <paramref name="high"/>) from <paramref name="random"/>.</summary>
    public static Tensor Uniform(Shape shape, float low, float high, RandomGenerator random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var d = new float[shape.Size];
        float span = high - low;
        for (int i = 0; i < d.Length; i++) d[i] = low + span * random.NextFloat();
        return FromOwnedArray(d, shape);
    }

    /// <summary>Normal samples with the given mean and standard deviation from <paramref name="random"/>.</summary>
    public static Tensor Normal(Shape shape, float mean, float stddev, RandomGenerator random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var d = new float[shape.Size];
        for (int i = 0; i < d.Length; i++) d[i] = (float)(mean + stddev * random.NextNormal());
        return FromOwnedArray(d, shape);
    }

    /// <summary>Uniform integers in [<paramref name="low"/>, <paramref name="high"/>) as an int32 tensor.</summary>
    public static Tensor RandomInts(Shape shape, int low, int high, RandomGenerator random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (high <= low) throw new ArgumentException($"RandomInts needs low < high; received [{low}, {high}).", nameof(high));
        var d = new int[shape.Size];
        for (int i = 0; i < d.Length; i++) d[i] = low + random.NextInt(high - low);
        return FromOwnedArray(d, shape);
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
