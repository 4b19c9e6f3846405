using Microsoft.ML.FunctionalDnn.Backends;
using Microsoft.ML.FunctionalDnn.Backends.Managed;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// An n-dimensional array of float32 (for math) or int32 (for ids and labels) in contiguous
/// row-major storage. Reshapes and batch-axis slices are views that share storage; every op returns
/// a new tensor. A float tensor can take part in automatic differentiation (see
/// <see cref="RequiresGrad"/> and <see cref="Backward(Tensor, bool)"/>).
/// </summary>
/// <remarks>
/// A tensor belongs to the backend that made it: the managed engine's tensors hold a
/// <c>Storage</c> (pooled CLR arrays); another backend's tensors hold that backend's own handle
/// (a libtorch tensor) and answer host copies and autograd questions through it.
/// </remarks>
public sealed partial class Tensor
{
    private readonly int _offset;
    private readonly Storage? _storage;

    internal Tensor(Storage storage, int offset, Shape shape, DType dtype)
    {
        _storage = storage;
        _offset = offset;
        Shape = shape;
        DType = dtype;
    }

    /// <summary>A tensor of another backend, holding that backend's own handle.</summary>
    internal Tensor(IBackend owner, object native, Shape shape, DType dtype)
    {
        Owner = owner;
        Native = native;
        Shape = shape;
        DType = dtype;
    }

    /// <summary>The dimensions of this tensor.</summary>
    public Shape Shape { get; }

    /// <summary>The element type.</summary>
    public DType DType { get; }

    /// <summary>The number of dimensions.</summary>
    public int Rank => Shape.Rank;

    /// <summary>The number of elements.</summary>
    public int Size => Shape.Size;

    /// <summary>An optional name, shown by <see cref="ToString"/> and in error messages.</summary>
    public string? Name { get; set; }

    /// <summary>The managed engine's buffer (shared with views).</summary>
    internal Storage Storage => _storage ?? throw ForeignTensor();

    /// <summary>True for a tensor of the managed engine.</summary>
    internal bool IsManaged => _storage is not null;

    /// <summary>The backend that made a foreign tensor (null for the managed engine's).</summary>
    internal IBackend? Owner { get; }

    /// <summary>A foreign backend's handle (a TorchSharp tensor), or null for the managed engine's.</summary>
    internal object? Native { get; }

    /// <summary>The backend that answers for this tensor: host copies, autograd, views.</summary>
    internal IBackend OwningBackend => Owner ?? ManagedBackend.Instance;

    private InvalidOperationException ForeignTensor() =>
        new($"This tensor{(Name is null ? "" : $" '{Name}'")} belongs to the '{Owner?.Name}' backend, not the managed engine; mix tensors of one backend only (select the backend once, before any tensor is made).");

    internal int Offset => _offset;

    /// <summary>
    /// The managed engine's view of the float32 elements, row-major; writes go to the tensor (and its
    /// views). Only the engine (<c>Tensors/</c>, <c>Kernels/</c>, <c>Backends/Managed/</c>) touches
    /// storage: everything else copies out (<see cref="ToArray"/>, <see cref="CopyTo(Span{float})"/>)
    /// or goes through <see cref="Ops"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The tensor is int32.</exception>
    internal Span<float> Data
    {
        get
        {
            if (DType != DType.Float32) ThrowWrongType(DType.Float32);
            return new Span<float>(Storage.Floats, _offset, Shape.Size);
        }
    }

    /// <summary>The managed engine's view of the int32 elements (see <see cref="Data"/>).</summary>
    /// <exception cref="InvalidOperationException">The tensor is float32.</exception>
    internal Span<int> IntData
    {
        get
        {
            if (DType != DType.Int32) ThrowWrongType(DType.Int32);
            return new Span<int>(Storage.Ints, _offset, Shape.Size);
        }
    }

    /// <summary>The element at the given indices (one per dimension), as float (int32 elements are converted); a copy to the host.</summary>
    [System.Runtime.CompilerServices.IndexerName("At")]
    public float this[params int[] indices]
    {
        get
        {
            int i = FlatIndex(indices);
            if (!IsManaged) return HostElement(i);
            return DType == DType.Float32 ? Data[i] : IntData[i];
        }

        // Tests poke single elements; users go through Assign or build a new tensor.
        internal set
        {
            int i = FlatIndex(indices);
            if (DType == DType.Float32) Data[i] = value;
            else IntData[i] = checked((int)value);
        }
    }

    /// <summary>The value of a one-element tensor.</summary>
    /// <exception cref="InvalidOperationException">The tensor has more or fewer than one element.</exception>
    public float Item()
    {
        if (Size != 1)
            throw new InvalidOperationException($"Item() needs a tensor with exactly one element; this one has shape {Shape} ({Size} elements).");
        if (!IsManaged) return HostElement(0);
        return DType == DType.Float32 ? Data[0] : IntData[0];
    }

    private float HostElement(int flat) => DType == DType.Float32 ? ToArray()[flat] : ToIntArray()[flat];

    /// <summary>A copy of the float32 elements in row-major order.</summary>
    /// <exception cref="InvalidOperationException">The tensor is int32.</exception>
    public float[] ToArray()
    {
        if (DType != DType.Float32) ThrowWrongType(DType.Float32);
        var values = new float[Size];
        OwningBackend.CopyToHost(this, values);
        return values;
    }

    /// <summary>A copy of the int32 elements in row-major order.</summary>
    /// <exception cref="InvalidOperationException">The tensor is float32.</exception>
    public int[] ToIntArray()
    {
        if (DType != DType.Int32) ThrowWrongType(DType.Int32);
        var values = new int[Size];
        OwningBackend.CopyToHost(this, values);
        return values;
    }

    /// <summary>Copies the float32 elements, row-major, into <paramref name="destination"/> (exactly <see cref="Size"/> long).</summary>
    /// <exception cref="ArgumentException">The destination's length differs from <see cref="Size"/>.</exception>
    /// <exception cref="InvalidOperationException">The tensor is int32.</exception>
    public void CopyTo(Span<float> destination)
    {
        if (DType != DType.Float32) ThrowWrongType(DType.Float32);
        OwningBackend.CopyToHost(this, destination);
    }

    /// <summary>Copies the int32 elements, row-major, into <paramref name="destination"/> (exactly <see cref="Size"/> long).</summary>
    /// <exception cref="ArgumentException">The destination's length differs from <see cref="Size"/>.</exception>
    /// <exception cref="InvalidOperationException">The tensor is float32.</exception>
    public void CopyTo(Span<int> destination)
    {
        if (DType != DType.Int32) ThrowWrongType(DType.Int32);
        OwningBackend.CopyToHost(this, destination);
    }

    /// <summary>A copy with its own storage (outside any <see cref="TensorScope"/>), not connected to the autograd graph.</summary>
    public Tensor Clone()
    {
        if (DType == DType.Float32) return FromArray(ToArray(), Shape);
        return FromArray(ToIntArray(), Shape);
    }

    private int FlatIndex(int[] indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (indices.Length != Rank)
            throw new ArgumentException($"Expected {Rank} indices for a tensor of shape {Shape}; received {indices.Length}.", nameof(indices));
        int flat = 0;
        for (int d = 0; d < Rank; d++)
        {
            int n = Shape[d];
            int ix = indices[d] < 0 ? indices[d] + n : indices[d];
            if ((uint)ix >= (uint)n)
                throw new ArgumentOutOfRangeException(nameof(indices), $"Index {indices[d]} is out of range for dimension {d} of size {n} (shape {Shape}).");
            flat = flat * n + ix;
        }
        return flat;
    }

    private void ThrowWrongType(DType wanted) =>
        throw new InvalidOperationException($"This tensor{(Name is null ? "" : $" '{Name}'")} is {DType}, not {wanted}; use {(wanted == DType.Float32 ? nameof(ToIntArray) : nameof(ToArray))} or convert with Ops.Cast.");

    /// <summary>
    /// A view with a new shape over the same elements (no copy). One dimension may be -1, inferred
    /// from the others. Differentiable.
    /// </summary>
    public Tensor Reshape(params int[] shape) => Ops.Reshape(this, shape);

    internal Tensor View(Shape shape) => new(Storage, _offset, shape, DType);

    /// <summary>
    /// A view of rows [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>)
    /// of the first (batch) axis, sharing storage. Not differentiable: use <see cref="Ops.Slice"/>
    /// inside a computation that needs gradients.
    /// </summary>
    public Tensor SliceBatch(int start, int length)
    {
        if (Rank == 0) throw new InvalidOperationException("A scalar has no batch axis to slice.");
        if (start < 0 || length < 0 || start + length > Shape[0])
            throw new ArgumentOutOfRangeException(nameof(start), $"Rows [{start}, {start + length}) are outside the batch axis of size {Shape[0]} (shape {Shape}).");
        if (!IsManaged) return OwningBackend.SliceRows(this, start, length);
        int row = Shape.SizeOf(1, Rank);
        return new Tensor(Storage, _offset + start * row, Shape.With(0, length), DType);
    }
}
