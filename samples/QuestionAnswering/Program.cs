// Question answering through an ML.NET pipeline, on stories generated here in the style of the
// bAbI single-supporting-fact task: "Mary moved to the bathroom. John went to the hallway." /
// "Where is Mary?" → "bathroom". The rows go LoadFromEnumerable → MapValueToKey (answers) →
// ML.NET's NormalizeText, TokenizeIntoWords and MapValueToKey (story and question word keys, of any
// length; the estimator pads them like Keras's pad_sequences) → a two-branch functional model
// (Embedding + Lstm for the story and for the question, concatenated, softmax over the answers) →
// MapKeyToValue. It prints the model, the training, the test accuracy and a few predictions, saves
// the pipeline to one zip, and writes TensorBoard logs. `--quick` trains on fewer stories for fewer
// epochs (the smoke test's setting). `--reload` trains nothing: it loads the saved zip in this fresh
// process and checks that its answers and probabilities are bit-identical to the ones saved beside it.
// `--backend torch` runs the same model on libtorch through TorchSharp (the FUNCTIONALDNN_BACKEND
// environment variable does the same without an argument).
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.FunctionalDnn;
using Microsoft.ML.FunctionalDnn.Callbacks;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Optimizers;
using Microsoft.ML.FunctionalDnn.Samples.QuestionAnswering;
using Microsoft.ML.FunctionalDnn.Transforms;
using static Microsoft.ML.FunctionalDnn.Keras;

int backendAt = Array.IndexOf(args, "--backend");
if (backendAt >= 0 && backendAt + 1 < args.Length) Keras.Config.SetBackend(args[backendAt + 1]);
using var seeds = SeedScope.Begin(1);
var ml = new MLContext(seed: 1);
bool quick = args.Contains("--quick");
string output = Path.GetFullPath("qa-output");
string path = Path.Combine(output, "question_answering.zip"), saved = Path.Combine(output, "test-predictions.txt");
var trainRows = Stories.Generate(quick ? 2000 : 5000, seed: 1);
// Test stories are new: any story (with its question) that is also in the training set is drawn again.
var testRows = Stories.Generate(1000, seed: 2, exclude: trainRows);
if (args.Contains("--reload")) return Reload.Run(ml, path, saved, testRows);
int shared = testRows.Select(Stories.Key).Intersect(trainRows.Select(Stories.Key)).Count();
Console.WriteLine($"{trainRows.Count} training stories, {testRows.Count} test stories ({shared} of them in the training set), e.g.:");
foreach (var row in trainRows.Take(2)) Console.WriteLine($"  {row.Story} / {row.Question} → {row.Answer}");
Console.WriteLine();

// The model (StoryModel.cs): the story read with the question beside every word, and the question, each through an Lstm.
var model = StoryModel.Build();
model.Summary(print: true);
Console.WriteLine();

string logs = Path.Combine(output, "logs");
if (Directory.Exists(logs)) Directory.Delete(logs, recursive: true);
var pipeline = StoryModel.Columns(ml)
    .Append(ml.FunctionalDnn().Trainer(model, new FunctionalDnnOptions
    {
        Seed = 1,
        Epochs = quick ? 12 : 30,
        BatchSize = 32,
        ValidationFraction = 0.1f,
        Verbose = 2,
        PredictedLabelColumnName = "PredictedKey",
        Callbacks = { new EarlyStopping("val_accuracy", patience: 10, restoreBestWeights: true), new TensorBoard(logs) },
    }))
    .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedAnswer", "PredictedKey"));

var started = DateTime.UtcNow;
var fitted = pipeline.Fit(ml.Data.LoadFromEnumerable(trainRows));
Console.WriteLine($"Trained in {(DateTime.UtcNow - started).TotalSeconds:F0} s on the {Keras.Config.Backend} backend ({Keras.Config.Device}).");

var test = ml.Data.LoadFromEnumerable(testRows);
var predicted = fitted.Transform(test).GetColumn<string>("PredictedAnswer").ToList();
double accuracy = predicted.Zip(testRows).Count(p => p.First == p.Second.Answer) / (double)testRows.Count;
Console.WriteLine($"Test accuracy: {accuracy:P1} on {testRows.Count} new stories (chance: {1.0 / Stories.Places.Length:P1}).");
Console.WriteLine();

var engine = ml.Model.CreatePredictionEngine<StoryRow, AnswerPrediction>(fitted);
Console.WriteLine("Predictions:");
foreach (var row in testRows.Take(5))
{
    var p = engine.Predict(row);
    Console.WriteLine($"  {row.Story}");
    Console.WriteLine($"    {row.Question} → {p.PredictedAnswer} ({p.Probabilities.Max():P0}); true answer: {row.Answer}");
}

// One zip holds the whole pipeline, network included; ML.NET's Load cannot rebuild our transformer, ours can.
ml.FunctionalDnn().Save(fitted, test.Schema, path);
File.WriteAllLines(saved, Reload.Lines(fitted.Transform(test)));
var reloaded = ml.FunctionalDnn().Load(path, out _);
var again = reloaded.Transform(test).GetColumn<string>("PredictedAnswer").ToList();
Console.WriteLine();
Console.WriteLine($"Saved the pipeline to {path}; reloaded, it gives {(again.SequenceEqual(predicted) ? "the same" : "DIFFERENT")} answers.");
Console.WriteLine($"TensorBoard logs in {logs} (view them with: tensorboard --logdir {logs})");
return 0;

/// <summary>Loads the saved pipeline in a fresh process and compares its predictions with the saved ones, bit for bit.</summary>
internal static class Reload
{
    internal static int Run(MLContext ml, string path, string saved, List<StoryRow> testRows)
    {
        var pipeline = ml.FunctionalDnn().Load(path, out _);
        var lines = Lines(pipeline.Transform(ml.Data.LoadFromEnumerable(testRows)));
        bool same = File.ReadAllLines(saved).SequenceEqual(lines);
        Console.WriteLine($"Loaded {path} in a new process: {lines.Count} answers and probabilities {(same ? "bit-identical" : "DIFFERENT")} to the ones saved after training.");
        return same ? 0 : 1;
    }

    /// <summary>Each row's answer and its probabilities in round-trip format.</summary>
    internal static List<string> Lines(IDataView scored) =>
        [.. scored.GetColumn<string>("PredictedAnswer").Zip(scored.GetColumn<float[]>("answer"),
            (a, p) => $"{a} {string.Join(" ", p.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}")];
}
