// A two-input functional model, Keras-style, on data generated here: the position of a point on
// one of three interleaved spirals (input "point") plus a weak, noisy hint of its arm (input
// "hint") → which arm it lies on. Builds the graph, prints Keras's summary, trains with a
// validation split and early stopping, evaluates on held-out data, saves and reloads the model,
// and prints a few predictions. It also writes TensorBoard logs, a drawing of the model and the
// training curves (a PNG, through the Plotting package) to ./quickstart-output.
using Microsoft.ML.FunctionalDnn;
using Microsoft.ML.FunctionalDnn.Callbacks;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Optimizers;
using static Microsoft.ML.FunctionalDnn.Keras;

const int Arms = 3;
using var seed = SeedScope.Begin(7);
var random = new RandomGenerator(7);
var (trainPoints, trainHints, trainArms) = Spirals(random, perArm: 500);
var (testPoints, testHints, testArms) = Spirals(random, perArm: 100);

// The graph: two branches merged by concatenation, then a softmax over the arms.
var point = Input([2], name: "point");
var hint = Input([1], name: "hint");
var p = new Dense(64, "relu").Apply(point);
p = new Dense(64, "relu").Apply(p);
var h = new Dense(8, "tanh").Apply(hint);
var arm = new Dense(Arms, "softmax", name: "arm").Apply(Concatenate([p, h]));
var model = new Model([point, hint], arm, name: "spiral_arms");
model.Summary(print: true);

string output = Path.GetFullPath("quickstart-output");
string logs = Path.Combine(output, "logs");
if (Directory.Exists(logs)) Directory.Delete(logs, recursive: true);
model.Compile(new Adam(0.01f), "sparse_categorical_crossentropy", metrics: ["accuracy"]);
var history = model.Fit([trainPoints, trainHints], trainArms, epochs: 40, batchSize: 32, validationSplit: 0.2f,
    callbacks: [new EarlyStopping("val_loss", patience: 5, restoreBestWeights: true), new TensorBoard(logs, histogramFreq: 5)], verbose: 2);
Console.WriteLine($"Trained {history.Epochs.Count} epochs; best val_loss {history["val_loss"].Min():F4}.");
Console.WriteLine($"TensorBoard logs in {logs} (view them with: tensorboard --logdir {logs})");
Console.WriteLine($"Model drawing: {model.PlotModel(Path.Combine(output, "model.svg"), showShapes: true)}");
Console.WriteLine($"Training curves: {history.Plot(Path.Combine(output, "history.png"))}");

var scores = model.Evaluate([testPoints, testHints], testArms);
Console.WriteLine($"Test accuracy: {scores["accuracy"]:P1} (loss {scores["loss"]:F4})");

string path = Path.Combine(Path.GetTempPath(), "spiral_arms.fdnn");
model.Save(path);
var reloaded = Model.Load(path);
var probabilities = reloaded.Predict([testPoints, testHints])[0];
var predicted = Ops.ArgMax(probabilities).ToIntArray();
Console.WriteLine($"Saved to {path} and reloaded; predictions of the reloaded model:");
for (int i = 0; i < 6; i++)
{
    int k = i * 50;
    Console.WriteLine($"  point ({testPoints[k, 0],6:F2}, {testPoints[k, 1],6:F2})  hint {testHints[k, 0],5:F2}  →  arm {predicted[k]} ({probabilities[k, predicted[k]]:P0})   true arm {testArms[k]}");
}
File.Delete(path);

static (Tensor Points, Tensor Hints, Tensor Arms) Spirals(RandomGenerator r, int perArm)
{
    int n = Arms * perArm;
    var points = new float[n, 2];
    var hints = new float[n, 1];
    var arms = new int[n];
    for (int c = 0; c < Arms; c++)
        for (int i = 0; i < perArm; i++)
        {
            int k = c * perArm + i;
            float radius = (i + 0.5f) / perArm;
            float angle = c * 2 * MathF.PI / Arms + radius * 4 + (float)r.NextNormal() * 0.15f;
            points[k, 0] = radius * MathF.Cos(angle);
            points[k, 1] = radius * MathF.Sin(angle);
            hints[k, 0] = c + (float)r.NextNormal() * 1.5f; // weak: the spiral branch has to do the work
            arms[k] = c;
        }
    // Shuffle once so the validation split (the last 20 %) holds every arm.
    var order = r.Permutation(n);
    var p = new float[n, 2];
    var h = new float[n, 1];
    var a = new int[n];
    for (int i = 0; i < n; i++)
    {
        (p[i, 0], p[i, 1], h[i, 0], a[i]) = (points[order[i], 0], points[order[i], 1], hints[order[i], 0], arms[order[i]]);
    }
    return (Tensor.FromArray(p), Tensor.FromArray(h), Tensor.FromArray(a));
}
