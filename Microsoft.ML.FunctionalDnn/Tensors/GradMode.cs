using Microsoft.ML.FunctionalDnn.Backends;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// Whether ops record on the autograd tape on this thread. Recording is on unless a
/// <see cref="NoGrad"/> scope is open (inference, metric computation, optimizer updates).
/// </summary>
public static class GradMode
{
    [ThreadStatic] private static int t_disabledDepth;

    /// <summary>True when ops on tensors that require gradients record their backward rules.</summary>
    public static bool IsEnabled => t_disabledDepth == 0;

    /// <summary>Opens a scope in which nothing is recorded; dispose it to restore the previous mode.</summary>
    /// <example><code>using (GradMode.NoGrad()) { var y = model(x); }</code></example>
    public static NoGradScope NoGrad()
    {
        var native = Backend.Current.NoGrad();
        t_disabledDepth++;
        return new NoGradScope(native);
    }

    /// <summary>The scope returned by <see cref="NoGrad"/>.</summary>
    public readonly struct NoGradScope : IDisposable
    {
        // The backend's own no-grad mode (libtorch's), restored with ours.
        private readonly IDisposable? _native;

        internal NoGradScope(IDisposable? native) => _native = native;

        /// <summary>Ends the scope.</summary>
        public void Dispose()
        {
            t_disabledDepth--;
            _native?.Dispose();
        }
    }
}
