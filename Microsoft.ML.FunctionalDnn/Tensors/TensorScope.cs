using Microsoft.ML.FunctionalDnn.Backends;
using Microsoft.ML.FunctionalDnn.Backends.Managed;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// A <c>using</c> scope whose tensors take their buffers from a pool and give them back when the
/// scope ends, so a training step in steady state allocates almost nothing on the GC heap.
/// Scopes nest; each thread has its own. Tensors that must outlive the scope (a loss value to log,
/// a prediction to return) are passed to <see cref="Keep"/>, which hands them to the enclosing scope
/// or, at the outermost level, to the garbage collector.
/// </summary>
/// <example>
/// <code>
/// using (var scope = TensorScope.Begin())
/// {
///     var loss = Ops.Mean(Ops.Square(model(x) - y));
///     loss.Backward();
///     lossValue = loss.Item();
/// } // every temporary of the step is back in the pool here
/// </code>
/// </example>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? t_current;

    private readonly TensorScope? _parent;
    private readonly List<Storage> _owned = [];
    private readonly IBackendScope? _native;
    private bool _disposed;

    private TensorScope(TensorScope? parent, IBackendScope? native)
    {
        _parent = parent;
        _native = native;
    }

    /// <summary>Starts a scope on this thread; tensors created until it is disposed use pooled buffers (or, on the torch backend, are freed when it ends).</summary>
    public static TensorScope Begin() => t_current = new TensorScope(t_current, Backend.Current.BeginScope());

    internal static TensorScope? Current => t_current;

    /// <summary>The number of buffers this scope will return to the pool.</summary>
    public int OwnedCount => _owned.Count + (_native?.Count ?? 0);

    internal void Track(Storage storage) => _owned.Add(storage);

    /// <summary>
    /// Moves <paramref name="tensor"/>'s buffer (shared with its views) out of this scope: into the
    /// enclosing scope if there is one, otherwise it is never returned to the pool.
    /// </summary>
    /// <returns>The same tensor, for chaining.</returns>
    public Tensor Keep(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!tensor.IsManaged) _native?.Keep(tensor);
        else if (_owned.Remove(tensor.Storage)) _parent?.Track(tensor.Storage);
        return tensor;
    }

    /// <summary>Returns every buffer of the scope to the pool and makes the enclosing scope current.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        if (!ReferenceEquals(t_current, this))
            throw new InvalidOperationException("TensorScopes must be disposed in the reverse order of Begin, on the thread that began them.");
        _disposed = true;
        foreach (var s in _owned) s.Release();
        _owned.Clear();
        _native?.Dispose();
        t_current = _parent;
    }
}
