using Microsoft.ML.FunctionalDnn.Backends;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Losses;
using Microsoft.ML.FunctionalDnn.Optimizers;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.Training;

[TestClass]
public sealed class TrainerTests
{
    [TestInitialize]
    public void ResetNames() => LayerNames.Reset();

    private static Model Classifier(long seed, int classes, string activation)
    {
        using var scope = SeedScope.Begin(seed);
        var input = Input([3]);
        return new Model(input, new Dense(classes, activation).Apply(new Dense(4, "relu").Apply(input)));
    }

    private static float[] WeightValues(Model model) => [.. model.Weights.SelectMany(w => w.Value.ToArray())];

    [TestMethod]
    public void TrainOnBatchIsTheSeamsGradientsThenApplyThenClear()
    {
        var x = Tensor.Uniform(new Shape(8, 3), -1, 1, new RandomGenerator(31));
        var y = Tensor.Uniform(new Shape(8, 2), -1, 1, new RandomGenerator(32));
        var byTrainer = Classifier(30, 2, "linear");
        byTrainer.Compile(new Adam(0.01f), "mse");
        byTrainer.TrainOnBatch(x, y);

        var byHand = Classifier(30, 2, "linear");
        var optimizer = new Adam(0.01f);
        Tensor[] variables = [.. byHand.Weights.Select(w => w.Value)];
        using (TensorScope.Begin())
        {
            var loss = new MeanSquaredError().Compute(y, byHand.Apply(x, training: true), null);
            optimizer.Apply(Backend.Current.Gradients(loss, variables), variables);
            Backend.Current.ClearGradients(variables);
        }
        CollectionAssert.AreEqual(WeightValues(byHand), WeightValues(byTrainer), "Keras 3's torch step, written out, gives the same weights bit for bit");
        Assert.IsTrue(byTrainer.Weights.All(w => w.Value.Grad is null || w.Value.Grad.ToArray().All(g => g == 0)), "no gradient is left for the next step");
    }

    [TestMethod]
    public void ALayerFrozenAfterBuildingStaysAndKeepsNoGradient()
    {
        var model = Classifier(33, 2, "linear");
        model.Compile(new Sgd(0.1f), "mse");
        var frozen = model.Layers[1];
        frozen.Trainable = false;
        var before = frozen.Weights.Select(w => w.Value.ToArray()).ToList();
        var x = Tensor.Uniform(new Shape(8, 3), -1, 1, new RandomGenerator(34));
        model.TrainOnBatch(x, Tensor.Ones(new Shape(8, 2)));
        for (int i = 0; i < before.Count; i++)
        {
            var weight = frozen.Weights[i].Value;
            CollectionAssert.AreEqual(before[i], weight.ToArray(), $"{weight.Name} is unchanged");
            Assert.IsTrue(weight.Grad is null || weight.Grad.ToArray().All(g => g == 0), $"{weight.Name} keeps no gradient");
        }
    }

    [TestMethod]
    public void ClassWeightsReadIntFloatAndOneHotLabels()
    {
        var x = Tensor.Uniform(new Shape(12, 3), -1, 1, new RandomGenerator(35));
        var ones = Enumerable.Repeat(1, 12).ToArray();
        var cases = new (string Loss, int Classes, string Activation, Tensor Labels)[]
        {
            ("sparse_categorical_crossentropy", 3, "softmax", Tensor.FromArray(ones)),
            ("binary_crossentropy", 1, "sigmoid", Tensor.Ones(new Shape(12, 1))),
            ("categorical_crossentropy", 3, "softmax", Ops.OneHot(Tensor.FromArray(ones), 3)),
        };
        foreach (var (loss, classes, activation, labels) in cases)
        {
            var silenced = Classifier(36, classes, activation);
            silenced.Compile(new Sgd(0.5f), loss);
            var before = WeightValues(silenced);
            silenced.Fit(x, labels, batchSize: 4, verbose: 0, classWeight: new Dictionary<int, float> { [1] = 0f });
            CollectionAssert.AreEqual(before, WeightValues(silenced), $"{loss}: every sample is class 1, weighted 0");

            var counted = Classifier(36, classes, activation);
            counted.Compile(new Sgd(0.5f), loss);
            counted.Fit(x, labels, batchSize: 4, verbose: 0, classWeight: new Dictionary<int, float> { [0] = 0f });
            CollectionAssert.AreNotEqual(before, WeightValues(counted), $"{loss}: class 1 keeps its weight of 1");
        }
    }

    [TestMethod]
    public void RowsGatherFloatAndIntTensors()
    {
        var floats = Tensor.FromArray(new float[,] { { 0, 1 }, { 2, 3 }, { 4, 5 } });
        var ints = Tensor.FromArray(new int[,] { { 0, 1 }, { 2, 3 }, { 4, 5 } });
        var weights = Tensor.FromArray(new float[] { 0.5f, 1, 2 });
        int[] rows = [2, 0, 2];
        var batch = DataSpec.Rows([floats], [ints, floats], weights, rows);
        Assert.AreEqual(new Shape(3, 2), batch.X[0].Shape);
        CollectionAssert.AreEqual(new float[] { 4, 5, 0, 1, 4, 5 }, batch.X[0].ToArray());
        Assert.AreEqual(DType.Int32, batch.Y[0].DType);
        CollectionAssert.AreEqual(new[] { 4, 5, 0, 1, 4, 5 }, batch.Y[0].ToIntArray());
        CollectionAssert.AreEqual(batch.X[0].ToArray(), batch.Y[1].ToArray());
        CollectionAssert.AreEqual(new float[] { 2, 0.5f, 2 }, batch.Weights!.ToArray());
        Assert.IsNull(DataSpec.Rows([floats], [floats], null, rows).Weights);
    }
}
