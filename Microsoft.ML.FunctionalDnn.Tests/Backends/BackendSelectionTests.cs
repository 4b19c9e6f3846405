using Microsoft.ML.FunctionalDnn.Backends;
using Microsoft.ML.FunctionalDnn.TorchSharp;

namespace Microsoft.ML.FunctionalDnn.Tests.Backends;

[TestClass]
public sealed class BackendSelectionTests
{
    [TestMethod]
    public void TheEnvironmentOrElseTheManagedEngineChoosesAndTheChoiceIsFixedOnceTensorsExist()
    {
        // .ci/run runs the suite twice: without the variable (the managed default) and with it set to torch.
        string expected = Environment.GetEnvironmentVariable(Keras.Config.BackendVariable) is { Length: > 0 } chosen ? chosen : "managed";
        string other = expected == "managed" ? "torch" : "managed";
        _ = Tensor.Zeros(new Shape(1)); // fixes the process's backend, as any first tensor does
        Assert.IsTrue(Backend.IsFixed);
        Assert.AreEqual(expected, Keras.Config.Backend);
        Assert.AreEqual("cpu", Keras.Config.Device);
        Keras.Config.SetBackend(expected); // the same choice again is fine
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => Keras.Config.SetBackend(other));
        StringAssert.Contains(ex.Message, $"already '{expected}'");
        StringAssert.Contains(ex.Message, $"FUNCTIONALDNN_BACKEND={other}");
    }

    [TestMethod]
    public void UnknownBackendAndDeviceNamesAreRefusedWithTheChoices()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => Keras.Config.SetBackend("tensorflow"));
        StringAssert.Contains(ex.Message, "'managed'");
        StringAssert.Contains(ex.Message, "'torch'");
        var device = Assert.ThrowsExactly<ArgumentException>(() => Backend.Create("managed", "cuda"));
        StringAssert.Contains(device.Message, "CPU only");
    }

    [TestMethod]
    public void TorchDeviceChoice()
    {
        _ = TestBackends.Torch;
        Assert.AreEqual("cpu", TorchBackend.Create("cpu").Device);
        Assert.ThrowsExactly<ArgumentException>(() => TorchBackend.Create("gpu"));
        if (!global::TorchSharp.torch.cuda.is_available())
        {
            // No CUDA here: asking for it says which package brings it, and the default is the CPU.
            var ex = Assert.ThrowsExactly<InvalidOperationException>(() => TorchBackend.Create("cuda:0"));
            StringAssert.Contains(ex.Message, "TorchSharp-cuda");
            Assert.AreEqual("cpu", TorchBackend.Create(null).Device);
        }
    }

    [TestMethod]
    public void ANativeLoadFailureNamesTheLibraryTheMissingVersionAndTheFix()
    {
        var glibcxx = TorchBackend.LoadFailure(new DllNotFoundException(
            "Unable to load shared library 'LibTorchSharp': /lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found (required by libLibTorchSharp.so)"));
        StringAssert.Contains(glibcxx, "libLibTorchSharp.so");
        StringAssert.Contains(glibcxx, "GLIBCXX_3.4.32");
        StringAssert.Contains(glibcxx, "libtorchsharp-compat.sh");
        var missing = TorchBackend.LoadFailure(new NotSupportedException(
            "This application or script uses TorchSharp but doesn't contain a reference to libtorch-cpu-linux-x64, Version=2.10.0.1."));
        StringAssert.Contains(missing, "TorchSharp-cpu");
    }
}
