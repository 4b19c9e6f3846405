// The notes' graph patterns on real images: an Inception module (parallel 1×1, 1×1 → 3×3 and
// pool → 1×1 branches concatenated), a residual connection with a 1×1 projection,
// BatchNormalization and SeparableConv2D, trained on Fashion-MNIST (60,000 clothing images,
// 28×28) with EarlyStopping, ReduceLROnPlateau, a LearningRateScheduler, ModelCheckpoint and
// TensorBoard. Reads the IDX files of Debian's dataset-fashion-mnist package with the samples'
// shared loader (samples/Shared/FashionMnist.cs).
using Microsoft.ML.FunctionalDnn;
using Microsoft.ML.FunctionalDnn.Callbacks;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Optimizers;
using Microsoft.ML.FunctionalDnn.Samples;
using static Microsoft.ML.FunctionalDnn.Keras;

// Arguments: [epochs] [training images], or --quick (2 epochs on 6,000 images: the smoke test's setting);
// --backend torch runs the same model on libtorch through TorchSharp (or set FUNCTIONALDNN_BACKEND).
bool quick = args.Contains("--quick");
int backendAt = Array.IndexOf(args, "--backend");
if (backendAt >= 0 && backendAt + 1 < args.Length) Keras.Config.SetBackend(args[backendAt + 1]);
// (Without --backend, backendAt is -1: index 0 is a number, not the backend's name.)
var numbers = args.Where((a, i) => a != "--quick" && (backendAt < 0 || (i != backendAt && i != backendAt + 1))).Select(a => int.Parse(a, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
int epochs = numbers.Length > 0 ? numbers[0] : quick ? 2 : 5;
int? limit = numbers.Length > 1 ? numbers[1] : quick ? 6000 : null;
if (!FashionMnist.IsAvailable())
{
    Console.WriteLine($"Fashion-MNIST is not in {FashionMnist.DefaultDirectory}. Install it with: sudo apt-get install -y dataset-fashion-mnist");
    return 1;
}
var (trainX, trainY) = FashionMnist.Load(train: true, limit: limit);
var (testX, testY) = FashionMnist.Load(train: false);
Console.WriteLine($"Fashion-MNIST: {trainX.Shape[0]:N0} training and {testX.Shape[0]:N0} test images of {trainX.Shape[1]}×{trainX.Shape[2]}.");

using var seeds = SeedScope.Begin(7);
var image = Input([28, 28, 1], name: "image");
// The stem: a 3×3 convolution over the full 28×28 image, max-pooled to 14×14×32 (ReLU after the
// pool, which is the same as before it and touches a quarter of the values).
var x = new Conv2D(32, 3, padding: Padding.Same, name: "stem_conv").Apply(image);
x = new Activation("relu", name: "stem_relu").Apply(new MaxPooling2D(2, name: "stem_pool").Apply(x));

// Inception module: three branches over the same input (1×1, 1×1 → 3×3, 3×3 max-pool → 1×1), joined on the channel axis.
var a = new Conv2D(16, 1, activation: "relu", name: "branch_1x1").Apply(x);
var b = new Conv2D(24, 3, padding: Padding.Same, activation: "relu", name: "branch_3x3").Apply(new Conv2D(16, 1, activation: "relu", name: "branch_3x3_reduce").Apply(x));
var c = new Conv2D(24, 1, activation: "relu", name: "branch_pool_proj").Apply(new MaxPooling2D(3, strides: 1, padding: Padding.Same, name: "branch_pool").Apply(x));
var inception = Concatenate([a, b, c], name: "inception");              // 14×14×64

// Residual connection: the module's output plus a 1×1 projection of its input (32 → 64 channels).
var projected = new Conv2D(64, 1, name: "projection").Apply(x);
x = new BatchNormalization(name: "residual_bn").Apply(Add([inception, projected], name: "residual"));
x = new MaxPooling2D(2, name: "pool").Apply(new Activation("relu").Apply(x));   // 7×7×64
x = new SeparableConv2D(96, 3, padding: Padding.Same, activation: "relu", name: "separable").Apply(x);
x = new Flatten().Apply(new BatchNormalization(name: "head_bn").Apply(x));    // 7·7·96 = 4,704 features
x = new Dropout(0.2f).Apply(x);
var label = new Dense(10, "softmax", name: "label").Apply(x);
var model = new Model(image, label, name: "fashion_inception_residual");
model.Compile(new Adam(0.003f), "sparse_categorical_crossentropy", metrics: ["accuracy"]);
model.Summary(print: true);

string output = Path.GetFullPath("fashion-output");
Directory.CreateDirectory(output);
var started = DateTime.UtcNow;
var history = model.Fit(trainX, trainY, epochs: epochs, batchSize: 64, validationSplit: 1 / 12f, verbose: 2, callbacks:
[
    new EarlyStopping("val_accuracy", patience: 3, restoreBestWeights: true),
    new ReduceLROnPlateau("val_loss", factor: 0.3f, patience: 1),
    // Halve the rate every epoch (on top of any plateau cut): the short run ends annealed.
    new LearningRateScheduler((epoch, rate) => epoch == 0 ? rate : rate * 0.5f),
    new ModelCheckpoint(Path.Combine(output, "best.fdnn"), monitor: "val_accuracy", saveBestOnly: true),
    new TensorBoard(Path.Combine(output, "logs")),
]);
Console.WriteLine($"Trained {history.Epochs.Count} epochs in {(DateTime.UtcNow - started).TotalMinutes:F1} min on the {Keras.Config.Backend} backend ({Keras.Config.Device}).");
var scores = model.Evaluate(testX, testY, batchSize: 256);
Console.WriteLine($"Test accuracy: {scores["accuracy"]:P2} on {testX.Shape[0]:N0} test images (loss {scores["loss"]:F4}).");
var predicted = Ops.ArgMax(model.Predict(testX.SliceBatch(0, 8))[0]).ToIntArray();
for (int i = 0; i < 8; i++)
    Console.WriteLine($"  test image {i}: predicted {FashionMnist.ClassNames[predicted[i]],-12} true {FashionMnist.ClassNames[(int)testY[i]]}");
Console.WriteLine($"Best checkpoint: {Path.Combine(output, "best.fdnn")}; TensorBoard logs: {Path.Combine(output, "logs")}");
return 0;
