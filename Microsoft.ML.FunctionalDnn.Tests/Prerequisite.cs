namespace Microsoft.ML.FunctionalDnn.Tests;

/// <summary>
/// Tests that need something from outside the repository (python3, the Fashion-MNIST files) call
/// <see cref="Missing"/> when it is absent: inconclusive on a developer's machine, a failure where
/// <c>FUNCTIONALDNN_REQUIRE_ALL=1</c> says everything was installed (<c>.ci/run</c> sets it), so CI
/// never passes by skipping them.
/// </summary>
internal static class Prerequisite
{
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public static void Missing(string what)
    {
        if (Environment.GetEnvironmentVariable("FUNCTIONALDNN_REQUIRE_ALL") == "1")
            Assert.Fail($"{what} FUNCTIONALDNN_REQUIRE_ALL=1 (set by .ci/run, which installs it), so this test may not be skipped.");
        Assert.Inconclusive(what);
    }
}
