using Microsoft.ML.FunctionalDnn.Backends;
using Microsoft.ML.FunctionalDnn.TorchSharp;

namespace Microsoft.ML.FunctionalDnn.Tests.Backends;

/// <summary>
/// Runs a test body on a chosen backend: <c>[DataRow("managed")] [DataRow("torch")]</c> on the test
/// and <c>using var _ = TestBackends.Use(backend);</c> first. The torch backend loads libtorch once;
/// where it cannot (a Debian 12 machine on which nobody ran libtorchsharp-compat.sh) the test is
/// reported skipped with the reason and the fix — and fails under <c>FUNCTIONALDNN_REQUIRE_ALL=1</c>,
/// as in CI.
/// </summary>
internal static class TestBackends
{
    private static readonly Lazy<(IBackend? Backend, string? Failure)> s_torch = new(LoadTorch);

    /// <summary>Both backends' names, for <c>DynamicData</c>.</summary>
    public static IEnumerable<object[]> Names => [["managed"], ["torch"]];

    public static IBackend Get(string name) => name switch
    {
        "managed" => Backend.Create("managed", null),
        "torch" => Torch,
        _ => throw new ArgumentException($"Unknown backend '{name}'.", nameof(name)),
    };

    /// <summary>The torch backend on the CPU, or the test is skipped (failed in CI) with the reason.</summary>
    public static IBackend Torch
    {
        get
        {
            var (backend, failure) = s_torch.Value;
            if (backend is null)
                Prerequisite.Missing($"The torch backend cannot load libtorch here: {failure} Fix on Debian 12: bash ../shared/tools/libtorchsharp-compat.sh after dotnet restore, then rebuild (.ci/run does both).");
            return backend;
        }
    }

    /// <summary>Makes <paramref name="name"/>'s backend current until the scope ends.</summary>
    public static IDisposable Use(string name) => Backend.Use(Get(name));

    private static (IBackend?, string?) LoadTorch()
    {
        try
        {
            return (TorchBackend.Create("cpu"), null);
        }
        catch (InvalidOperationException e)
        {
            return (null, e.Message);
        }
    }
}
