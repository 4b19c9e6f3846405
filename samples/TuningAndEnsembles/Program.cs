// Hyperparameter search and ensembling on a two-input model, on data generated here.
// Each sample has a "signal" (8 numbers) and a "context" (4 numbers); its class (one of 3) depends
// on a nonlinear mix of both, and 10 % of the labels are flipped at random. The search explores the
// signal branch's depth and widths, the dropout rate and the learning rate; the three best models
// are then averaged into one ensemble model and compared with the best single model on held-out data.
// `--quick` runs 4 short trials instead of 14 (the smoke test's setting).
using Microsoft.ML.FunctionalDnn;
using Microsoft.ML.FunctionalDnn.Callbacks;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Optimizers;
using Microsoft.ML.FunctionalDnn.Tuning;
using static Microsoft.ML.FunctionalDnn.Keras;

const int Classes = 3;
bool quick = args.Contains("--quick");
var random = new RandomGenerator(2024);
var (trainSignal, trainContext, trainLabels) = Generate(random, 3000);
var (testSignal, testContext, testLabels) = Generate(random, 3000);

Model Build(HyperParameters hp)
{
    var signal = Input([8], name: "signal");
    var context = Input([4], name: "context");
    var x = signal;
    int layers = hp.Int("layers", 1, 3);
    for (int i = 0; i < layers; i++)
        x = new Dense(hp.Int($"units_{i}", 16, 128, step: 16), "relu").Apply(x);
    x = Concatenate([x, new Dense(8, "relu").Apply(context)]);
    x = new Dropout((float)hp.Float("dropout", 0, 0.5, step: 0.1)).Apply(x);
    var model = new Model([signal, context], new Dense(Classes, "softmax", name: "label").Apply(x));
    model.Compile(new Adam((float)hp.Float("lr", 1e-4, 1e-2, sampling: Sampling.Log)), "sparse_categorical_crossentropy", metrics: ["accuracy"]);
    return model;
}

string directory = Path.Combine(Path.GetTempPath(), "fdnn-tuning");
var tuner = new BayesianOptimization(Build, objective: "val_accuracy", maxTrials: quick ? 4 : 14, numInitialPoints: quick ? 3 : 6, seed: 7,
    directory: directory, projectName: "signals", overwrite: true);
var started = DateTime.UtcNow;
tuner.Search(new[] { trainSignal, trainContext }, trainLabels, epochs: quick ? 8 : 30, batchSize: 64, validationSplit: 0.2f,
    callbacks: [new EarlyStopping("val_loss", patience: 4)]);
Console.WriteLine($"Searched {tuner.Trials.Count} trials in {(DateTime.UtcNow - started).TotalSeconds:F0} s.");
Console.WriteLine();
Console.Write(tuner.SearchSpaceSummary());
Console.WriteLine();
Console.Write(tuner.ResultsSummary(3));
Console.WriteLine($"Charts: {tuner.PlotTrials(Path.Combine(tuner.ProjectDirectory, "trials.svg"))}");
Console.WriteLine($"        {tuner.PlotHyperParameters(Path.Combine(tuner.ProjectDirectory, "hyperparameters.svg"))}");
Console.WriteLine();

var best = tuner.GetBestModels(3);
var testX = new[] { testSignal, testContext };
Console.WriteLine("Held-out test set (3,000 samples):");
for (int i = 0; i < best.Count; i++)
{
    var s = best[i].Evaluate(testX, testLabels);
    Console.WriteLine($"  model {i + 1} (trial {tuner.GetBestTrials(3)[i].Id}): accuracy {s["accuracy"]:P2}, loss {s["loss"]:F4}");
}
var ensemble = Ensemble.Average(best);
var e = ensemble.Evaluate(testX, testLabels);
Console.WriteLine($"  ensemble of the 3 (average): accuracy {e["accuracy"]:P2}, loss {e["loss"]:F4}");
var single = best[0].Evaluate(testX, testLabels);
Console.WriteLine(e["accuracy"] >= single["accuracy"]
    ? $"The ensemble beats the best single model by {(e["accuracy"] - single["accuracy"]) * 100:F2} points of accuracy."
    : $"The ensemble trails the best single model by {(single["accuracy"] - e["accuracy"]) * 100:F2} points of accuracy.");
Console.WriteLine($"Trials, checkpoints and results are in {tuner.ProjectDirectory}");

static (Tensor Signal, Tensor Context, Tensor Labels) Generate(RandomGenerator r, int n)
{
    var signal = new float[n, 8];
    var context = new float[n, 4];
    var labels = new int[n];
    for (int i = 0; i < n; i++)
    {
        for (int j = 0; j < 8; j++) signal[i, j] = (float)r.NextNormal();
        for (int j = 0; j < 4; j++) context[i, j] = (float)r.NextNormal();
        double a = signal[i, 0] * signal[i, 1] + Math.Sin(2 * signal[i, 2]) + 0.5 * context[i, 0];
        double b = signal[i, 3] * signal[i, 3] - 1 + 0.8 * context[i, 1] * signal[i, 4];
        int label = a > 0.3 ? 0 : b > 0 ? 1 : 2;
        if (r.NextDouble() < 0.1) label = r.NextInt(Classes);
        labels[i] = label;
    }
    return (Tensor.FromArray(signal), Tensor.FromArray(context), Tensor.FromArray(labels));
}
