#:project ../../Microsoft.ML.FunctionalDnn/Microsoft.ML.FunctionalDnn.csproj
#:project ../../Microsoft.ML.FunctionalDnn.Plotting/Microsoft.ML.FunctionalDnn.Plotting.csproj
// The file-based twin of samples/notebooks/functional-api-tour.ipynb (run: dotnet run -c Release samples/apps/functional-api-tour.cs):
// the same cells in order; what the notebook displays is printed, or written to a file, here.
using Microsoft.ML.FunctionalDnn;
using Microsoft.ML.FunctionalDnn.Callbacks;
using Microsoft.ML.FunctionalDnn.Layers;
using static Microsoft.ML.FunctionalDnn.Keras;

// The functional API in a notebook
//
// Inputs, two branches, a shared layer, the model's summary, training with its curves, the model's picture and TensorBoard logs — Keras's functional API in C#, with `Microsoft.ML.FunctionalDnn`.

// Two inputs of the same kind go through one shared Dense layer (the same weights for both), then a branch each; the branches are concatenated into one softmax head.
var left = Input([8], name: "left");
var right = Input([8], name: "right");
var shared = new Dense(16, "relu", name: "shared");
var a = new Dense(8, "relu", name: "left_branch").Apply(shared.Apply(left));
var b = new Dense(8, "relu", name: "right_branch").Apply(shared.Apply(right));
var output = new Dense(2, "softmax", name: "which").Apply(Concatenate([a, b]));
var model = new Model([left, right], output, name: "tour");
model.Compile("adam", "sparse_categorical_crossentropy", metrics: ["accuracy"]);
model.Summary(print: true);

// Data: the label says which of the two vectors has the larger sum.
var r = new RandomGenerator(1);
var x1 = Tensor.Uniform(new Shape(600, 8), 0, 1, r);
var x2 = Tensor.Uniform(new Shape(600, 8), 0, 1, r);
var y = Ops.Cast(Ops.Greater(Ops.Sum(x2, [1]), Ops.Sum(x1, [1])), DType.Int32);
var history = model.Fit(new[] { x1, x2 }, y, epochs: 15, batchSize: 32, validationSplit: 0.2f, verbose: 0,
    callbacks: [new TensorBoard("logs/tour")]);
Console.WriteLine($"training curves: {history.Plot("history.svg")}");
Console.WriteLine($"validation accuracy after {history.Epochs.Count} epochs: {history["val_accuracy"][^1]:P1}");

// `history` shows its curves as SVG, drawn by the core library (OxyPlot). For a PNG file — a report, a README — reference the Plotting package, which rasterizes the same charts:
Console.WriteLine($"curves as PNG: {history.Plot("tour-history.png", ["loss", "accuracy"])}");

// The model's graph, as Keras's `plot_model` draws it (the shared layer once, with an edge per call):
Console.WriteLine($"model picture: {model.PlotModel("tour.svg", showShapes: true)}");

// TensorBoard reads the logs: `tensorboard --logdir logs`.
