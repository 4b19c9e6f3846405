using Microsoft.ML.FunctionalDnn.Backends.Managed;

namespace Microsoft.ML.FunctionalDnn.Backends;

/// <summary>
/// The backend this process computes with. Keras 3 picks one per process before any tensor exists;
/// today the managed engine is the only one, and the selection API arrives with a second backend.
/// </summary>
internal static class Backend
{
    /// <summary>The backend every op, variable and gradient goes through.</summary>
    internal static IBackend Current { get; } = ManagedBackend.Instance;
}
