using Microsoft.ML.FunctionalDnn.Callbacks;
using Microsoft.ML.FunctionalDnn.Layers;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.Callbacks;

[TestClass]
public sealed class PredictCallbackTests
{
    [TestInitialize]
    public void ResetNames() => LayerNames.Reset();

    /// <summary>Records every predict hook and copies each batch's outputs.</summary>
    private sealed class Recorder : Callback
    {
        public List<string> Calls { get; } = [];

        public List<float[]> BatchOutputs { get; } = [];

        public override void OnPredictBegin(IReadOnlyDictionary<string, float> logs) => Calls.Add($"begin {logs.Count}");

        public override void OnPredictBatchBegin(int batch, IReadOnlyDictionary<string, float> logs) => Calls.Add($"batch_begin {batch}");

        public override void OnPredictBatchEnd(int batch, IReadOnlyList<Tensor> outputs, IReadOnlyDictionary<string, float> logs)
        {
            Calls.Add($"batch_end {batch} {outputs.Count} {outputs[0].Shape}");
            BatchOutputs.Add(outputs[0].ToArray());
        }

        public override void OnPredictEnd(IReadOnlyDictionary<string, float> logs) => Calls.Add($"end {logs.Count}");
    }

    /// <summary>Overrides only the outputs-free form, which the default of the other form calls.</summary>
    private sealed class BatchCounter : Callback
    {
        public List<int> Batches { get; } = [];

        public override void OnPredictBatchEnd(int batch, IReadOnlyDictionary<string, float> logs) => Batches.Add(batch);
    }

    private static Model TinyModel()
    {
        using var seed = SeedScope.Begin(21);
        var input = Input([3], name: "x");
        return new Model(input, new Dense(2, name: "y").Apply(input));
    }

    [TestMethod]
    public void PredictCallsEveryHookInKerasOrderWithEachBatchsOutputs()
    {
        var model = TinyModel();
        var x = Tensor.Uniform(new Shape(10, 3), -1, 1, new RandomGenerator(22));
        var recorder = new Recorder();
        var result = model.Predict(x, batchSize: 4, callbacks: [recorder])[0];
        CollectionAssert.AreEqual(new[]
        {
            "begin 0",
            "batch_begin 0", "batch_end 0 1 (4, 2)",
            "batch_begin 1", "batch_end 1 1 (4, 2)",
            "batch_begin 2", "batch_end 2 1 (2, 2)",
            "end 0",
        }, recorder.Calls);
        Assert.AreSame(model, recorder.Model);
        CollectionAssert.AreEqual(result.ToArray(), recorder.BatchOutputs.SelectMany(b => b).ToArray(), "the batches' outputs are the rows of the result, in order");
        CollectionAssert.AreEqual(result.ToArray(), model.Predict(x, batchSize: 4)[0].ToArray(), "callbacks do not change the predictions");
    }

    [TestMethod]
    public void EveryPredictFormTakesCallbacksAndTheShortBatchEndIsCalled()
    {
        var model = TinyModel();
        var x = Tensor.Uniform(new Shape(5, 3), -1, 1, new RandomGenerator(23));
        var byList = new BatchCounter();
        model.Predict([x], batchSize: 2, callbacks: [byList]);
        CollectionAssert.AreEqual(new[] { 0, 1, 2 }, byList.Batches);
        var byName = new BatchCounter();
        model.Predict(new Dictionary<string, Tensor> { ["x"] = x }, batchSize: 5, callbacks: [byName]);
        CollectionAssert.AreEqual(new[] { 0 }, byName.Batches);
    }

    [TestMethod]
    public void PredictOnZeroSamplesCallsBeginAndEndOnly()
    {
        var model = TinyModel();
        var recorder = new Recorder();
        var result = model.Predict(Tensor.Zeros(new Shape(0, 3)), callbacks: [recorder])[0];
        Assert.AreEqual(new Shape(0, 2), result.Shape);
        CollectionAssert.AreEqual(new[] { "begin 0", "end 0" }, recorder.Calls);
    }
}
