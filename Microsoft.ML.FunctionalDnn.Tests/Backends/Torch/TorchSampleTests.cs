using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.ML.FunctionalDnn.Samples;
using Microsoft.ML.FunctionalDnn.Tests.Samples;

namespace Microsoft.ML.FunctionalDnn.Tests.Backends.Torch;

/// <summary>The Fashion-MNIST sample, run as a user runs it with <c>--backend torch</c>, learns as on the managed engine.</summary>
[TestClass]
public sealed class TorchSampleTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(8);

    [TestMethod]
    public void FashionInceptionResidualOnTheTorchBackendLearnsAsOnTheManagedEngine()
    {
        _ = TestBackends.Torch;
        if (!FashionMnist.IsAvailable())
            Prerequisite.Missing($"Fashion-MNIST is not in {FashionMnist.DefaultDirectory} (apt-get install -y dataset-fashion-mnist; .ci/run installs it).");
        string managed = SampleRunner.Run("FashionInceptionResidual", Timeout, "--quick");
        string torch = SampleRunner.Run("FashionInceptionResidual", Timeout, "--quick", "--backend", "torch");
        StringAssert.Contains(torch, "on the torch backend (cpu)");
        // The epochs' training accuracy (progress lines) agrees to within a point: same weights,
        // same batches, Keras's optimizer rules, kernels that differ in rounding only.
        double[] Accuracies(string output) => [.. Regex.Matches(output, @" - accuracy: (\d\.\d+) ").Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))];
        var a = Accuracies(managed);
        var b = Accuracies(torch);
        Assert.HasCount(2, b, torch);
        Assert.AreEqual(a[^1], b[^1], 0.01, $"training accuracy managed {a[^1]}, torch {b[^1]}\n{torch}");
        Assert.IsGreaterThan(0.8, b[^1], torch);
    }
}
