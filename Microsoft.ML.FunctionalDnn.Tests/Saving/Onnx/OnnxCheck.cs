using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.FunctionalDnn.Tests.Saving.Onnx;

/// <summary>
/// Runs an exported model in ONNX Runtime and compares every output with the model's own Predict:
/// |ours − ONNX Runtime| ≤ 1e-5 · max(1, |ours|) element by element.
/// </summary>
internal static class OnnxCheck
{
    internal const double Tolerance = 1e-5;

    /// <summary>
    /// Gives the weights the initializers left at constants random values — biases, normalization
    /// scales, shifts and statistics (variances positive), merge logits — so their paths are checked;
    /// kernels keep their random Glorot/orthogonal/uniform values, which keep deep stacks' activations
    /// of order one, as in a trained model.
    /// </summary>
    internal static void Randomize(Model model, int seed)
    {
        var random = new Random(seed);
        foreach (var layer in model.Layers.SelectMany(Flatten))
        {
            var weights = layer.Weights;
            if (weights.Count == 0) continue;
            layer.SetWeights([.. weights.Select(w => w.Name.Contains("kernel", StringComparison.Ordinal) || w.Name == "embeddings" ? w.Value.ToArray()
                : [.. Enumerable.Range(0, w.Value.Size).Select(_ => w.Name == "moving_variance" ? (float)(0.5 + random.NextDouble()) : (float)(random.NextDouble() - 0.5))])]);
        }
    }

    private static IEnumerable<Layer> Flatten(Layer layer) => layer is Model nested ? nested.Layers.SelectMany(Flatten) : [layer];

    /// <summary>Exports <paramref name="model"/> (at <paramref name="opset"/>), runs it on <paramref name="inputs"/> in ONNX Runtime and checks the outputs against Predict.</summary>
    internal static void Matches(Model model, IReadOnlyList<Tensor> inputs, int opset = 17, string? because = null)
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.onnx");
        model.Export(path, opset: opset);
        var expected = model.Predict(inputs, batchSize: 1024);
        var actual = Run(path, model.InputNames, inputs);
        Assert.HasCount(model.OutputNames.Count, actual);
        var names = UniqueNames(model.OutputNames);
        for (int o = 0; o < expected.Count; o++)
        {
            var (name, shape, values) = actual[o];
            Assert.AreEqual(names[o], name, "output names follow the model's");
            CollectionAssert.AreEqual(expected[o].Shape.ToArray().Select(d => (long)d).ToArray(), shape, $"output '{name}' shape ({because})");
            float[] ours = expected[o].ToArray();
            for (int i = 0; i < ours.Length; i++)
            {
                double limit = Tolerance * Math.Max(1, Math.Abs(ours[i]));
                if (!(Math.Abs(ours[i] - values[i]) <= limit))
                    Assert.Fail($"{model.Name} ({because}, opset {opset}): output '{name}' element {i}: ours {ours[i]:R}, ONNX Runtime {values[i]:R}, difference {Math.Abs(ours[i] - values[i]):E2} > {limit:E2}.");
            }
        }
    }

    /// <summary>The model's output names as ONNX must have them, distinct: a repeated name (several outputs of one layer) gets _1, _2 ….</summary>
    internal static List<string> UniqueNames(IReadOnlyList<string> names)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<string>();
        foreach (var name in names)
        {
            string unique = name;
            for (int i = 1; !used.Add(unique); i++) unique = $"{name}_{i}";
            result.Add(unique);
        }
        return result;
    }

    /// <summary>Runs the ONNX file at <paramref name="path"/> on named inputs (float32 or int32); returns each output's name, shape and values.</summary>
    internal static List<(string Name, long[] Shape, float[] Values)> Run(string path, IReadOnlyList<string> inputNames, IReadOnlyList<Tensor> inputs)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(path, options);
        var values = new List<OrtValue>();
        try
        {
            for (int i = 0; i < inputs.Count; i++)
            {
                long[] shape = [.. inputs[i].Shape.ToArray().Select(d => (long)d)];
                values.Add(inputs[i].DType == DType.Int32
                    ? OrtValue.CreateTensorValueFromMemory(inputs[i].ToIntArray(), shape)
                    : OrtValue.CreateTensorValueFromMemory(inputs[i].ToArray(), shape));
            }
            var outputNames = session.OutputNames;
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, [.. inputNames], values, outputNames);
            return [.. results.Select((r, i) => (outputNames[i], r.GetTensorTypeAndShape().Shape, r.GetTensorDataAsSpan<float>().ToArray()))];
        }
        finally
        {
            foreach (var value in values) value.Dispose();
        }
    }
}
