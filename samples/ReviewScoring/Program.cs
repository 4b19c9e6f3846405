// The console app that goes with ReviewModel.training.cs, .consumption.cs and .evaluate.cs, the
// three files laid out as ML.NET Model Builder and the mlnet CLI generate them. It writes the data
// files a user would bring (reviews.csv to train on, reviews-test.csv held out), trains and saves
// the model the generated way (ReviewModel.Train), evaluates both heads with ML.NET's evaluators
// against the trivial baselines, and predicts single reviews through ReviewModel.Predict — the
// static method an app calls. `--quick` trains on fewer reviews for fewer epochs (the smoke test's
// setting).
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.FunctionalDnn;
using Microsoft.ML.FunctionalDnn.Transforms;
using ReviewScoring;

using var seeds = SeedScope.Begin(1);
bool quick = args.Contains("--quick");
if (quick) ReviewModel.Epochs = 10;
var train = Reviews.Generate(quick ? 2000 : 4000, seed: 1);
var test = Reviews.Generate(1000, seed: 2);
Reviews.WriteCsv(ReviewModel.RetrainFilePath, train);
Reviews.WriteCsv("reviews-test.csv", test);
Console.WriteLine($"Wrote {train.Count} reviews to {ReviewModel.RetrainFilePath} and {test.Count} to reviews-test.csv, e.g.:");
foreach (var row in train.Take(3))
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  \"{row.Review}\" ({row.Category}, {row.Price}) → {row.Sentiment}, {row.Rating} stars"));
Console.WriteLine();

var started = DateTime.UtcNow;
ReviewModel.Train("ReviewModel.mlnet");
Console.WriteLine($"Trained and saved ReviewModel.mlnet in {(DateTime.UtcNow - started).TotalSeconds:F0} s.");

var ml = new MLContext(seed: 1);
var model = ml.FunctionalDnn().Load("ReviewModel.mlnet", out _);
var (sentiment, rating) = ReviewModel.Evaluate(ml, model, ReviewModel.LoadIDataViewFromFile(ml, "reviews-test.csv", ',', hasHeader: true, allowQuoting: true));
double commonest = test.GroupBy(r => r.Sentiment).Max(g => g.Count()) / (double)test.Count;
float meanRating = train.Average(r => r.Rating);
double meanError = test.Average(r => Math.Abs(r.Rating - meanRating));
Console.WriteLine();
Console.WriteLine($"Sentiment (ML.NET's multiclass evaluator): accuracy {sentiment.MicroAccuracy:P1} (the commonest class: {commonest:P1}), log-loss {sentiment.LogLoss:F3}");
Console.WriteLine(sentiment.ConfusionMatrix.GetFormattedConfusionTable());
Console.WriteLine($"Rating (ML.NET's regression evaluator): MAE {rating.MeanAbsoluteError:F3} (the mean rating: {meanError:F3}), RMSE {rating.RootMeanSquaredError:F3}, R² {rating.RSquared:F3}");
Console.WriteLine();

// What an app does with the generated consumption code: one review in, both answers out.
Console.WriteLine("ReviewModel.Predict:");
foreach (var input in new[]
{
    new ReviewModel.ModelInput { Review = "I bought this kettle last month. Works well. Very sturdy.", Price = 20, Category = "Kitchen" },
    new ReviewModel.ModelInput { Review = "Ordered the speaker online. Not good quality. Arrived late.", Price = 150, Category = "Electronics" },
    new ReviewModel.ModelInput { Review = "The robot came in a box. Love it.", Price = 28, Category = "Toys" },
})
{
    var output = ReviewModel.Predict(input);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  \"{input.Review}\" ({input.Category}, {input.Price}) → {output.PredictedLabel} ({output.Score.Max():P0}), {output.PredictedRating:F1} stars"));
}
