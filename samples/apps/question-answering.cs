#:project ../../Microsoft.ML.FunctionalDnn/Microsoft.ML.FunctionalDnn.csproj
#:package Microsoft.Data.Analysis
// The file-based twin of samples/notebooks/question-answering.ipynb (run: dotnet run -c Release samples/apps/question-answering.cs):
// the same cells in order; what the notebook displays is printed, or written to a file, here.
using Microsoft.Data.Analysis;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.FunctionalDnn;
using Microsoft.ML.FunctionalDnn.Callbacks;
using Microsoft.ML.FunctionalDnn.DataFrames;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Optimizers;
using Microsoft.ML.FunctionalDnn.Transforms;
using static Microsoft.ML.FunctionalDnn.Keras;

// Question answering: a story column and a question column, one answer column
//
// Stories in the style of bAbI's single-supporting-fact task ("Mary moved to the bathroom. John went to the hallway." / "Where is Mary?" → bathroom) go through ML.NET's text transforms into a two-branch network — story and question, each an Embedding and an LSTM — and the answer comes back as a column.
string[] people = ["Mary", "John", "Sandra", "Daniel"];
string[] places = ["bathroom", "hallway", "garden", "office", "kitchen", "bedroom"];
string[] moves = ["moved to the", "went to the", "journeyed to the", "travelled to the", "went back to the"];
DataFrame Stories(int count, int seed)
{
    var r = new Random(seed);
    var (stories, questions, answers) = (new string[count], new string[count], new string[count]);
    for (int i = 0; i < count; i++)
    {
        var at = new Dictionary<string, string>();
        var sentences = new List<string>();
        for (int s = 0, length = r.Next(2, 5); s < length; s++)
        {
            string who = people[r.Next(people.Length)], where = places[r.Next(places.Length)];
            at[who] = where;
            sentences.Add($"{who} {moves[r.Next(moves.Length)]} {where}.");
        }
        string asked = at.Keys.ElementAt(r.Next(at.Count));
        (stories[i], questions[i], answers[i]) = (string.Join(" ", sentences), $"Where is {asked}?", at[asked]);
    }
    return new DataFrame(new StringDataFrameColumn("Story", stories), new StringDataFrameColumn("Question", questions), new StringDataFrameColumn("Answer", answers));
}
var train = Stories(5000, seed: 1);
var test = Stories(500, seed: 2);
Console.WriteLine(train.Head(3));

// The network: the story branch reads each word with the question's code beside it (so its LSTM knows whom to follow); the question branch encodes the question; both are concatenated into a softmax over the places.
const int StoryLength = 24, QuestionLength = 4, Vocabulary = 40;
var story = Input([StoryLength], DType.Int32, name: "StoryIds");
var question = Input([QuestionLength], DType.Int32, name: "QuestionIds");
var questionCode = new Lstm(32, name: "question_lstm").Apply(new Embedding(Vocabulary, 16, name: "question_embedding").Apply(question));
var storyWords = new Embedding(Vocabulary, 32, name: "story_embedding").Apply(story);
var storyCode = new Lstm(64, name: "story_lstm").Apply(Concatenate([storyWords, new RepeatVector(StoryLength).Apply(questionCode)]));
var answer = new Dense(places.Length, "softmax", name: "answer").Apply(Concatenate([storyCode, questionCode]));
var model = new Model([story, question], answer, name: "question_answering");
model.Compile(new Adam(0.005f), "sparse_categorical_crossentropy", metrics: ["accuracy"]);
model.Summary(print: true);
var ml = new MLContext(seed: 1);
var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", "Answer")
    .Append(ml.Transforms.Text.NormalizeText("StoryIds", "Story", keepPunctuations: false))
    .Append(ml.Transforms.Text.TokenizeIntoWords("StoryIds"))
    .Append(ml.Transforms.Conversion.MapValueToKey("StoryIds"))
    .Append(ml.Transforms.Text.NormalizeText("QuestionIds", "Question", keepPunctuations: false))
    .Append(ml.Transforms.Text.TokenizeIntoWords("QuestionIds"))
    .Append(ml.Transforms.Conversion.MapValueToKey("QuestionIds"))
    .Append(ml.FunctionalDnn().Trainer(model, new FunctionalDnnOptions
    {
        Seed = 1, Epochs = 30, BatchSize = 32, ValidationFraction = 0.1f,
        PredictedLabelColumnName = "PredictedKey",
        Callbacks = { new EarlyStopping("val_accuracy", patience: 10, restoreBestWeights: true) },
    }))
    .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedAnswer", "PredictedKey"));
var fitted = pipeline.Fit(train);
Console.WriteLine($"training curves: {fitted.OfType<FunctionalDnnTransformer>().Single().History!.Plot("history.svg")}");
var scored = fitted.Transform(test);
var predicted = scored.GetColumn<string>("PredictedAnswer").ToList();
var truth = scored.GetColumn<string>("Answer").ToList();
double accuracy = predicted.Zip(truth).Count(p => p.First == p.Second) / (double)truth.Count;
Console.WriteLine($"accuracy on {truth.Count} new stories: {accuracy:P1} (chance {1.0 / places.Length:P1})");
if (accuracy < 0.9) throw new InvalidOperationException("the model did not learn");
Console.WriteLine(scored.ToDataFrameWithKeyValues("Story", "Question", "Answer", "PredictedAnswer").Head(5));
