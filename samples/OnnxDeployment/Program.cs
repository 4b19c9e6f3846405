// Train here, deploy anywhere: the question-answering pipeline (story and question columns → ML.NET's text
// transforms → a two-branch Embedding + Lstm network → the answer) is trained with FunctionalDnn, then
//   1. its network is exported with model.Export to ONNX and run directly in ONNX Runtime, and
//   2. the whole fitted pipeline is turned into plain ML.NET (ToOnnxPipeline: our transformer replaced by
//      ML.NET's own OnnxTransformer), saved with mlContext.Model.Save, for PlainApp/plain-app.cs — an
//      application that references Microsoft.ML, Microsoft.ML.OnnxTransformer and Microsoft.ML.OnnxRuntime only.
// Writes onnx-output/: question_answering.onnx (the network), plain/question_answering.onnx and
// plain-model.zip (the plain pipeline), stories.tsv (new stories for the plain app). `--quick` trains less.
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.FunctionalDnn;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Optimizers;
using Microsoft.ML.FunctionalDnn.Samples.QuestionAnswering;
using Microsoft.ML.FunctionalDnn.Transforms;
using Microsoft.ML.OnnxRuntime;
using static Microsoft.ML.FunctionalDnn.Keras;

const int StoryLength = StoryModel.StoryLength, QuestionLength = StoryModel.QuestionLength;
bool quick = args.Contains("--quick");
using var seeds = SeedScope.Begin(1);
var ml = new MLContext(seed: 1);
string output = Path.GetFullPath("onnx-output");
Directory.CreateDirectory(output);
var trainRows = Stories.Generate(quick ? 1500 : 4000, seed: 1);
var testRows = Stories.Generate(200, seed: 2, exclude: trainRows);

var model = StoryModel.Build();
var pipeline = StoryModel.Columns(ml)
    .Append(ml.FunctionalDnn().Trainer(model, new FunctionalDnnOptions { Seed = 1, Epochs = quick ? 10 : 25, BatchSize = 32, PredictedLabelColumnName = "PredictedKey" }))
    .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedAnswer", "PredictedKey"));
var train = ml.Data.LoadFromEnumerable(trainRows);
var fitted = pipeline.Fit(train);
var test = ml.Data.LoadFromEnumerable(testRows);
var scored = fitted.Transform(test);
var ours = scored.GetColumn<string>("PredictedAnswer").ToList();
Console.WriteLine($"Trained: {Accuracy(ours):P1} on {testRows.Count} new stories (chance {1.0 / Stories.Places.Length:P1}).");

// 1. The network alone, in ONNX Runtime: ids in, probabilities out.
string onnx = Path.Combine(output, "question_answering.onnx");
model.Export(onnx);
using var session = new InferenceSession(onnx);
var storyIds = scored.GetColumn<uint[]>("StoryIds").ToList();
var questionIds = scored.GetColumn<uint[]>("QuestionIds").ToList();
var ourScores = scored.GetColumn<float[]>("answer").ToList();
double largest = 0;
int agree = 0;
for (int r = 0; r < testRows.Count; r++)
{
    // The key values are the word ids; padded at the start like Keras's pad_sequences (as the estimator does).
    using var s = OrtValue.CreateTensorValueFromMemory(PadPre(storyIds[r], StoryLength), [1, StoryLength]);
    using var q = OrtValue.CreateTensorValueFromMemory(PadPre(questionIds[r], QuestionLength), [1, QuestionLength]);
    using var runOptions = new RunOptions();
    using var results = session.Run(runOptions, ["StoryIds", "QuestionIds"], [s, q], ["answer"]);
    var probabilities = results[0].GetTensorDataAsSpan<float>().ToArray();
    largest = Math.Max(largest, probabilities.Zip(ourScores[r], (a, b) => Math.Abs(a - b)).Max());
    if (Array.IndexOf(probabilities, probabilities.Max()) == Array.IndexOf(ourScores[r], ourScores[r].Max())) agree++;
}
Console.WriteLine($"ONNX Runtime on {onnx}: the same answer for {agree} of {testRows.Count} stories; largest probability difference {largest:E1}.");

// 2. The whole pipeline as plain ML.NET, saved for an application without FunctionalDnn.
var plain = ml.FunctionalDnn().ToOnnxPipeline(fitted, train, Path.Combine(output, "plain"));
string zip = Path.Combine(output, "plain-model.zip");
ml.Model.Save(plain, train.Schema, zip);
var plainAnswers = plain.Transform(test).GetColumn<string[]>("PredictedAnswer").Select(a => a.Single()).ToList();
Console.WriteLine($"Plain ML.NET pipeline (OnnxTransformer): {Accuracy(plainAnswers):P1}, {(plainAnswers.SequenceEqual(ours) ? "the same answers" : "DIFFERENT answers")}; saved to {zip}.");
string stories = Path.Combine(output, "stories.tsv");
File.WriteAllLines(stories, testRows.Take(5).Select(r => $"{r.Story}\t{r.Question}"));
Console.WriteLine($"Run it where only ML.NET and ONNX Runtime are installed: dotnet run samples/OnnxDeployment/PlainApp/plain-app.cs -- {zip} {stories}");
return plainAnswers.SequenceEqual(ours) && agree == testRows.Count ? 0 : 1;

double Accuracy(List<string> answers) => answers.Zip(testRows).Count(p => p.First == p.Second.Answer) / (double)testRows.Count;

static int[] PadPre(uint[] ids, int length)
{
    var row = new int[length];
    var kept = ids.Length > length ? ids[^length..] : ids;
    for (int i = 0; i < kept.Length; i++) row[length - kept.Length + i] = (int)kept[i];
    return row;
}
