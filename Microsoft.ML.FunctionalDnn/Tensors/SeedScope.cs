namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// Fixes the seeds of everything built inside it: <c>using (SeedScope.Begin(42)) { …build the model… }</c>.
/// Each layer built in the scope takes its own generator forked from the scope's, in build order,
/// so the same code and seed give bit-identical initial weights and dropout masks. Outside any
/// scope, layers are seeded unpredictably, as unseeded Keras is. Scopes nest, per thread.
/// </summary>
public sealed class SeedScope : IDisposable
{
    [ThreadStatic] private static SeedScope? t_current;

    private readonly SeedScope? _parent;
    private readonly RandomGenerator _random;
    private bool _disposed;

    private SeedScope(long seed, SeedScope? parent)
    {
        _random = new RandomGenerator(seed);
        _parent = parent;
    }

    /// <summary>Starts a scope whose layers are seeded from <paramref name="seed"/>.</summary>
    public static SeedScope Begin(long seed) => t_current = new SeedScope(seed, t_current);

    /// <summary>A generator for one consumer: forked from the current scope, or unpredictable outside one.</summary>
    public static RandomGenerator NextGenerator() =>
        t_current is { } scope ? scope._random.Fork() : new RandomGenerator(Random.Shared.NextInt64());

    /// <summary>Ends the scope and restores the enclosing one.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        if (!ReferenceEquals(t_current, this))
            throw new InvalidOperationException("SeedScopes must be disposed in the reverse order of Begin, on the thread that began them.");
        _disposed = true;
        t_current = _parent;
    }
}
