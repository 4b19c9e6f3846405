// The notes' model as a layer: one Xception base shared by two camera inputs (a stereo rig), its
// pooled features concatenated. The base is called twice, so its 20.9 million weights are shared:
// the two-camera model has exactly the base's parameters. Inputs are 71×71 here (Xception's
// smallest) so the forward pass runs in seconds on 2 cores. The weights are random — no ImageNet
// weights are downloaded — so the features show the wiring, not vision.
using Microsoft.ML.FunctionalDnn;
using Microsoft.ML.FunctionalDnn.Applications;
using static Microsoft.ML.FunctionalDnn.Keras;

using var seeds = SeedScope.Begin(3);
var xception = Xception.Build(includeTop: false, inputShape: (71, 71, 3), pooling: Pooling.Avg);
var left = Input([71, 71, 3], name: "left_camera");
var right = Input([71, 71, 3], name: "right_camera");
var features = Concatenate([xception.Apply(left), xception.Apply(right)]);
var model = new Model([left, right], features, name: "dual_camera");
model.Summary(print: true);
Console.WriteLine();
Console.WriteLine($"The base alone has {xception.CountParams():N0} parameters; the two-camera model has {model.CountParams():N0} (shared, not copied).");

var random = new RandomGenerator(4);
var leftImage = Tensor.Uniform(new Shape(1, 71, 71, 3), 0, 1, random);
var rightImage = Tensor.Uniform(new Shape(1, 71, 71, 3), 0, 1, random);
var started = DateTime.UtcNow;
var both = model.Predict([leftImage, rightImage])[0].ToArray();
var same = model.Predict([leftImage, leftImage])[0].ToArray();
Console.WriteLine($"Forward pass of one image pair: {(DateTime.UtcNow - started).TotalMilliseconds / 2:F0} ms; features of shape (1, {both.Length}).");
Console.WriteLine($"The same image on both cameras gives equal halves: {same.Take(2048).SequenceEqual(same.Skip(2048))}.");
Console.WriteLine($"Different images give different halves: {!both.Take(2048).SequenceEqual(both.Skip(2048))}.");
Console.WriteLine("(Random weights: a real rig would load trained weights with model.LoadWeights.)");
