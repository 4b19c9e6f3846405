namespace Microsoft.ML.FunctionalDnn.Tests.Backends;

/// <summary>
/// A test class that derives from this runs its tests on <see cref="BackendName"/>: the class
/// itself on the managed engine, and a subclass that overrides the name (in <c>Backends/Torch/</c>)
/// runs every inherited test again on the torch backend — one test body, parametrised by backend.
/// </summary>
public abstract class BackendTestBase
{
    private IDisposable? _scope;

    /// <summary>The backend the tests run on.</summary>
    protected virtual string BackendName => "managed";

    [TestInitialize]
    public void UseBackend() => _scope = TestBackends.Use(BackendName);

    [TestCleanup]
    public void RestoreBackend()
    {
        _scope?.Dispose();
        _scope = null;
    }
}
