using System.Buffers;

namespace Microsoft.ML.FunctionalDnn.Backends.Managed;

/// <summary>
/// The buffer behind a tensor and all of its views. A pooled buffer goes back to the pool when the
/// <see cref="TensorScope"/> that rented it ends; touching it after that throws instead of reading
/// another tensor's numbers.
/// </summary>
internal sealed class Storage
{
    private float[]? _floats;
    private int[]? _ints;

    private Storage(float[]? floats, int[]? ints, bool pooled)
    {
        _floats = floats;
        _ints = ints;
        Pooled = pooled;
    }

    internal bool Pooled { get; }

    internal bool Released => _floats is null && _ints is null;

    internal static Storage OfFloats(float[] data) => new(data, null, false);

    internal static Storage OfInts(int[] data) => new(null, data, false);

    internal static Storage RentFloats(int length) => new(ArrayPool<float>.Shared.Rent(Math.Max(length, 1)), null, true);

    internal static Storage RentInts(int length) => new(null, ArrayPool<int>.Shared.Rent(Math.Max(length, 1)), true);

    internal float[] Floats => _floats ?? ThrowReleased<float[]>();

    internal int[] Ints => _ints ?? ThrowReleased<int[]>();

    internal void Release()
    {
        if (!Pooled) return;
        if (_floats is not null) ArrayPool<float>.Shared.Return(_floats);
        if (_ints is not null) ArrayPool<int>.Shared.Return(_ints);
        _floats = null;
        _ints = null;
    }

    private static T ThrowReleased<T>() =>
        throw new ObjectDisposedException(nameof(Tensor),
            "This tensor's buffer went back to the pool when its TensorScope ended. Call scope.Keep(tensor) or tensor.Clone() inside the scope to use it afterwards.");
}
