// The notes' social-media model: one text input, three heads — age (regression), income class and
// gender — with loss weights, trained through an ML.NET pipeline on generated posts whose words carry
// planted signals for each target (words to keys by ML.NET's TokenizeIntoWords and MapValueToKey,
// padded to 40 steps by the estimator). It first shows the error the notes' Conv1D stack meets (its
// length goes negative for short posts), then trains the trimmed stack and compares each head with
// a trivial baseline on held-out posts. `--quick` trains for half the epochs (the smoke test's
// setting).
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.FunctionalDnn;
using static Microsoft.ML.FunctionalDnn.Keras;

const int Length = 40, Vocabulary = 200;
using var seeds = SeedScope.Begin(3);
var ml = new MLContext(seed: 3);
bool quick = args.Contains("--quick");
var trainPosts = Posts.Generate(4000, seed: 1);
var testPosts = Posts.Generate(1000, seed: 2);
Console.WriteLine($"e.g. \"{trainPosts[0].Text}\" → age {trainPosts[0].Age}, income {trainPosts[0].Income}, gender {trainPosts[0].Gender}");
Console.WriteLine();

// The notes' stack: five Conv1D(5) and two MaxPooling1D(5) shrink 40 steps below zero.
try
{
    var tokens = Input([Length], DType.Int32, name: "Tokens");
    var x = new Embedding(Vocabulary, 64).Apply(tokens);
    x = new MaxPooling1D(5).Apply(new Conv1D(128, 5, activation: "relu").Apply(x));
    x = new Conv1D(256, 5, activation: "relu").Apply(x);
    x = new Conv1D(256, 5, activation: "relu").Apply(x);
    x = new MaxPooling1D(5).Apply(x);
    Console.WriteLine("unexpected: the notes' stack built");
}
catch (ArgumentException e)
{
    Console.WriteLine("The notes' Conv1D stack on posts of 40 tokens fails when the graph is built:");
    Console.WriteLine($"  {e.Message}");
    Console.WriteLine();
}

// The trimmed stack that fits: Conv1D(5) → MaxPooling1D(5) → Conv1D(5) → GlobalMaxPooling1D.
LayerNames.Reset();
var input = Input([Length], DType.Int32, name: "Tokens");
var h = new Embedding(Vocabulary, 64).Apply(input);
h = new MaxPooling1D(5).Apply(new Conv1D(64, 5, activation: "relu").Apply(h));
h = new GlobalMaxPooling1D().Apply(new Conv1D(64, 5, activation: "relu").Apply(h));
h = new Dense(64, "relu").Apply(h);
var age = new Dense(1, name: "age").Apply(h);
var income = new Dense(Posts.Incomes.Length, "softmax", name: "income").Apply(h);
var gender = new Dense(1, "sigmoid", name: "gender").Apply(h);
var model = new Model(input, [age, income, gender], name: "social_media");
// Loss weights as in the notes, but age's squared error is in years² (hundreds at first), so it is weighted
// down further than the notes' 0.25, or it would drown the other heads' gradients in the shared layers.
model.Compile(new RMSprop(0.003f), ["mse", "sparse_categorical_crossentropy", "binary_crossentropy"], lossWeights: [0.005f, 1, 1],
    metrics: new Dictionary<string, string[]> { ["age"] = ["mae"], ["income"] = ["accuracy"], ["gender"] = ["accuracy"] });
model.Summary(print: true);
Console.WriteLine();

var pipeline = ml.Transforms.Conversion.MapValueToKey("IncomeKey", "Income")
    .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text"))
    .Append(ml.Transforms.Conversion.MapValueToKey("Tokens"))
    .Append(ml.FunctionalDnn().Trainer(model, new FunctionalDnnOptions
    {
        Seed = 3,
        Epochs = quick ? 6 : 12,
        BatchSize = 64,
        ValidationFraction = 0.1f,
        Verbose = 2,
        LabelColumns = { ["age"] = "Age", ["income"] = "IncomeKey", ["gender"] = "Gender" },
        OutputColumns = { ["age"] = "PredictedAge", ["income"] = "IncomeProbabilities", ["gender"] = "GenderProbability" },
        PredictedLabelColumnName = "PredictedIncomeKey",
    }))
    .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedIncome", "PredictedIncomeKey"));
var fitted = pipeline.Fit(ml.Data.LoadFromEnumerable(trainPosts));

var scored = fitted.Transform(ml.Data.LoadFromEnumerable(testPosts));
var ages = scored.GetColumn<float>("PredictedAge").ToList();
var incomes = scored.GetColumn<string>("PredictedIncome").ToList();
var genders = scored.GetColumn<float>("GenderProbability").Select(v => v > 0.5f ? 1f : 0f).ToList();
double meanAge = trainPosts.Average(p => p.Age);
string commonIncome = trainPosts.GroupBy(p => p.Income).MaxBy(g => g.Count())!.Key;
float commonGender = trainPosts.GroupBy(p => p.Gender).MaxBy(g => g.Count())!.Key;
Console.WriteLine();
Console.WriteLine($"Held-out posts ({testPosts.Count}):           model     baseline");
Console.WriteLine($"  age: mean absolute error (years)  {testPosts.Zip(ages).Average(p => Math.Abs(p.First.Age - p.Second)),6:F2}   {testPosts.Average(p => Math.Abs(p.Age - meanAge)),6:F2} (the mean age)");
Console.WriteLine($"  income: accuracy                  {testPosts.Zip(incomes).Count(p => p.First.Income == p.Second) / (double)testPosts.Count,6:P1}   {testPosts.Count(p => p.Income == commonIncome) / (double)testPosts.Count,6:P1} (the commonest class)");
Console.WriteLine($"  gender: accuracy                  {testPosts.Zip(genders).Count(p => p.First.Gender == p.Second) / (double)testPosts.Count,6:P1}   {testPosts.Count(p => p.Gender == commonGender) / (double)testPosts.Count,6:P1} (the commonest class)");
Console.WriteLine();
Console.WriteLine("Predictions:");
for (int i = 0; i < 4; i++)
    Console.WriteLine($"  \"{testPosts[i].Text}\"{Environment.NewLine}    age {ages[i]:F0} (true {testPosts[i].Age}), income {incomes[i]} (true {testPosts[i].Income}), gender {genders[i]} (true {testPosts[i].Gender})");

/// <summary>A post and its author's age, income class and gender.</summary>
internal sealed class Post
{
    public string Text { get; set; } = "";

    public float Age { get; set; }

    public string Income { get; set; } = "";

    public float Gender { get; set; }
}

/// <summary>Posts of filler words with planted signals: words of a life stage (age), of spending (income) and pronouns (gender).</summary>
internal static class Posts
{
    internal static readonly string[] Incomes = ["low", "middle", "high"];
    private static readonly string[] Filler = ["today", "the", "weather", "coffee", "city", "news", "game", "music", "friends", "weekend", "movie", "train", "lunch", "rain", "sunny", "great"];
    private static readonly string[][] Stage = [["exam", "campus", "roommate"], ["kids", "mortgage", "commute"], ["grandkids", "pension", "garden"]];
    private static readonly string[][] Spending = [["coupon", "discount", "budget"], ["sedan", "vacation", "gym"], ["yacht", "chef", "villa"]];

    internal static List<Post> Generate(int count, int seed)
    {
        var r = new Random(seed);
        var posts = new List<Post>();
        for (int i = 0; i < count; i++)
        {
            int age = r.Next(18, 80), income = r.Next(Incomes.Length), female = r.Next(2);
            int stage = age < 30 ? 0 : age < 55 ? 1 : 2;
            var words = Enumerable.Range(0, r.Next(8, 20)).Select(_ => Filler[r.Next(Filler.Length)]).ToList();
            void Plant(string word) => words.Insert(r.Next(words.Count + 1), word);
            Plant(Stage[stage][r.Next(3)]);
            if (r.Next(2) == 0) Plant(Stage[stage][r.Next(3)]);
            Plant(Spending[income][r.Next(3)]);
            Plant(female == 1 ? (r.Next(2) == 0 ? "she" : "her") : (r.Next(2) == 0 ? "he" : "his"));
            // Age within a stage shows in how the post is written: older writers add "indeed".
            if (r.NextDouble() < (age % 25) / 25.0) Plant("indeed");
            posts.Add(new Post { Text = string.Join(' ', words), Age = age, Income = Incomes[income], Gender = female });
        }
        return posts;
    }
}
