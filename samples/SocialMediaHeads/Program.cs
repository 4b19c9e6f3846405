// The notes' social-media model: one text input, three heads — age (regression), income class and
// gender — with loss weights, trained through an ML.NET pipeline (words to keys by ML.NET's
// TokenizeIntoWords and MapValueToKey, padded to 40 steps by the estimator). The generated posts are
// built so that no single word gives a target: the current life stage is the one not negated and not
// in the past ("used to …", "no longer …", "first … then …"), age within the stage counts the signs
// of ageing that are not negated, income sums spending cues whose sign a negation flips, and gender
// follows the partner the author calls "my" (another person's partner of the other kind is always
// mentioned too). The sample first shows the error the notes' Conv1D stack meets (its length goes
// negative for short posts), then trains a Conv1D stack that fits and compares each head on held-out
// posts with the strongest simple baselines: the mean (or commonest class), the best single-keyword
// rule, and linear models on counts of words and of adjacent word pairs, trained by ML.NET's own
// SDCA trainers. `--quick` trains on fewer posts for fewer epochs (the smoke test's setting).
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.FunctionalDnn;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Optimizers;
using Microsoft.ML.FunctionalDnn.Transforms;
using static Microsoft.ML.FunctionalDnn.Keras;

const int Length = 40, Vocabulary = 200;
using var seeds = SeedScope.Begin(3);
var ml = new MLContext(seed: 3);
bool quick = args.Contains("--quick");
var trainPosts = Posts.Generate(quick ? 4000 : 8000, Length, seed: 1);
var testPosts = Posts.Generate(1000, Length, seed: 2);
Console.WriteLine("e.g.");
foreach (var p in trainPosts.Take(3))
    Console.WriteLine($"  \"{p.Text}\"{Environment.NewLine}    → age {p.Age}, income {p.Income}, gender {p.Gender}");
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

// A stack that fits and keeps counts: Conv1D(5) reads a cue with the words around it (a negation,
// "used to", "my"); the maximum over steps says whether a pattern occurs, the average how often.
LayerNames.Reset();
var input = Input([Length], DType.Int32, name: "Tokens");
var h = new Embedding(Vocabulary, 32).Apply(input);
h = new Conv1D(96, 5, padding: Padding.Same, activation: "relu").Apply(h);
h = new Concatenate().Apply([new GlobalMaxPooling1D().Apply(h), new GlobalAveragePooling1D().Apply(h)]);
h = new Dense(64, "relu").Apply(h);
var age = new Dense(1, name: "age").Apply(h);
var income = new Dense(Posts.Incomes.Length, "softmax", name: "income").Apply(h);
var gender = new Dense(1, "sigmoid", name: "gender").Apply(h);
var model = new Model(input, [age, income, gender], name: "social_media");
// Loss weights as in the notes, but age's squared error is in years² (hundreds at first), so it is weighted
// down further than the notes' 0.25, or it would drown the other heads' gradients in the shared layers.
model.Compile(new RmsProp(0.005f), ["mse", "sparse_categorical_crossentropy", "binary_crossentropy"], lossWeights: [0.01f, 1, 1],
    metrics: new Dictionary<string, string[]> { ["age"] = ["mae"], ["income"] = ["accuracy"], ["gender"] = ["accuracy"] });
model.Summary(print: true);
Console.WriteLine();

var started = DateTime.UtcNow;
var pipeline = ml.Transforms.Conversion.MapValueToKey("IncomeKey", "Income")
    .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text"))
    .Append(ml.Transforms.Conversion.MapValueToKey("Tokens"))
    .Append(ml.FunctionalDnn().Trainer(model, new FunctionalDnnOptions
    {
        Seed = 3,
        Epochs = quick ? 16 : 24,
        BatchSize = 64,
        ValidationFraction = 0.1f,
        Verbose = 2,
        LabelColumns = { ["age"] = "Age", ["income"] = "IncomeKey", ["gender"] = "Gender" },
        OutputColumns = { ["age"] = "PredictedAge", ["income"] = "IncomeProbabilities", ["gender"] = "GenderProbability" },
        PredictedLabelColumnName = "PredictedIncomeKey",
    }))
    .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedIncome", "PredictedIncomeKey"));
var fitted = pipeline.Fit(ml.Data.LoadFromEnumerable(trainPosts));
Console.WriteLine($"Trained in {(DateTime.UtcNow - started).TotalSeconds:F0} s.");

var scored = fitted.Transform(ml.Data.LoadFromEnumerable(testPosts));
var ages = scored.GetColumn<float>("PredictedAge").ToList();
var incomes = scored.GetColumn<string>("PredictedIncome").ToList();
var genders = scored.GetColumn<float>("GenderProbability").Select(v => v > 0.5f ? 1f : 0f).ToList();

var keyword = new KeywordRules(trainPosts);
started = DateTime.UtcNow;
var words = Baselines.BagOfWords(ml, trainPosts, testPosts, ngramLength: 1);
var pairs = Baselines.BagOfWords(ml, trainPosts, testPosts, ngramLength: 2);
Console.WriteLine($"Baselines in {(DateTime.UtcNow - started).TotalSeconds:F0} s.");
double Mae(IEnumerable<float> predicted) => testPosts.Zip(predicted).Average(p => Math.Abs(p.First.Age - p.Second));
double Accuracy<T>(IEnumerable<T> predicted, Func<Post, T> truth) => 100.0 * testPosts.Zip(predicted).Count(p => Equals(truth(p.First), p.Second)) / testPosts.Count;
float meanAge = trainPosts.Average(p => p.Age);
string commonIncome = trainPosts.GroupBy(p => p.Income).MaxBy(g => g.Count())!.Key;
float commonGender = trainPosts.GroupBy(p => p.Gender).MaxBy(g => g.Count())!.Key;
void Row(string label, string format, params double[] values) =>
    Console.WriteLine($"  {label,-32}{string.Concat(values.Select(v => v.ToString(format, CultureInfo.InvariantCulture).PadLeft(12)))}");

// One line per head, the model first and then the baselines, lower error or higher accuracy being better.
Console.WriteLine();
Console.WriteLine($"Held-out posts ({testPosts.Count}); baselines fitted on the {trainPosts.Count} training posts:");
Console.WriteLine($"  {"",-32}{"model",12}{"mean",12}{"keyword",12}{"words",12}{"word-pairs",12}");
Row("age: mean absolute error (years)", "0.00", Mae(ages), Mae(testPosts.Select(_ => meanAge)), Mae(testPosts.Select(keyword.Age)), Mae(words.Ages), Mae(pairs.Ages));
Row("income: accuracy", "0.0' %'", Accuracy(incomes, p => p.Income), Accuracy(testPosts.Select(_ => commonIncome), p => p.Income),
    Accuracy(testPosts.Select(keyword.Income), p => p.Income), Accuracy(words.Incomes, p => p.Income), Accuracy(pairs.Incomes, p => p.Income));
Row("gender: accuracy", "0.0' %'", Accuracy(genders, p => p.Gender), Accuracy(testPosts.Select(_ => commonGender), p => p.Gender),
    Accuracy(testPosts.Select(keyword.Gender), p => p.Gender), Accuracy(words.Genders, p => p.Gender), Accuracy(pairs.Genders, p => p.Gender));
Console.WriteLine("  mean: the training mean age or commonest class; keyword: the target most typical of the most telling word in the");
Console.WriteLine("  post; words, word-pairs: ML.NET's SDCA regression, maximum entropy and logistic regression on counts of words,");
Console.WriteLine("  or of words and adjacent pairs.");
Console.WriteLine();
Console.WriteLine("Predictions:");
for (int i = 0; i < 4; i++)
    Console.WriteLine($"  \"{testPosts[i].Text}\"{Environment.NewLine}    age {ages[i]:F0} (true {testPosts[i].Age}), income {incomes[i]} (true {testPosts[i].Income}), gender {genders[i]} (true {testPosts[i].Gender})");

/// <summary>A post and its author's age, income class and gender (1 for female).</summary>
internal sealed class Post
{
    public string Text { get; set; } = "";

    public float Age { get; set; }

    public string Income { get; set; } = "";

    public float Gender { get; set; }
}

/// <summary>
/// Generated posts whose targets need the words in order. Each post holds, in shuffled order and
/// among filler words: two life stages, one current and one not (negated, in the past, or before
/// "then"); one to three ageing signs, some negated; two to four spending cues whose sign a negation
/// flips; the author's partner ("my …") and someone else's partner of the other kind. Half the time a
/// glue word ("really", "so" …) sits between a marker and its cue, so that no pair of adjacent words
/// settles a target either.
/// </summary>
internal static class Posts
{
    internal static readonly string[] Incomes = ["low", "middle", "high"];
    private static readonly string[] Filler = ["today", "the", "weather", "coffee", "city", "news", "game", "music", "friends", "weekend", "movie", "train", "lunch", "rain", "sunny", "great"];
    private static readonly string[] Glue = ["really", "so", "just", "all", "lovely", "dear"];
    private static readonly string[][] Stage = [["student", "campus", "exams"], ["office", "startup", "deadlines"], ["kids", "mortgage", "toddler"], ["retired", "pension", "grandkids"]];
    private static readonly (int From, int To)[] StageAges = [(18, 25), (25, 40), (40, 60), (60, 80)];
    private static readonly string[] Ageing = ["tired", "backache", "glasses", "nostalgic", "naps"];
    private static readonly string[] Cheap = ["coupon", "discount", "thrift", "budget"];
    private static readonly string[] Luxury = ["yacht", "villa", "chef", "champagne"];
    private static readonly string[] Negations = ["not", "no", "never"];
    private static readonly string[] Others = ["his", "her", "your", "their"];

    /// <summary>Generates <paramref name="count"/> posts of at most <paramref name="length"/> words.</summary>
    internal static List<Post> Generate(int count, int length, int seed)
    {
        var r = new Random(seed);
        var posts = new List<Post>();
        T Pick<T>(T[] items) => items[r.Next(items.Length)];
        string[] Glued(params string[] cue) => r.Next(2) == 0 ? cue : [Pick(Glue), .. cue];
        for (int i = 0; i < count; i++)
        {
            var clauses = new List<string[]>();

            // Life stage: the current one is plain or "now …"; the other is negated, past, or before "then".
            int stage = r.Next(4), other = (stage + 1 + r.Next(3)) % 4;
            string current = Pick(Stage[stage]), former = Pick(Stage[other]);
            switch (r.Next(4))
            {
                case 0: clauses.Add(["used", "to", .. Glued(former), "now", .. Glued(current)]); break;
                case 1: clauses.Add(Glued(current)); clauses.Add(["no", "longer", .. Glued(former)]); break;
                case 2: clauses.Add(["first", .. Glued(former), "then", .. Glued(current)]); break;
                default: clauses.Add(["now", .. Glued(current)]); clauses.Add([Pick(Negations), .. Glued(former)]); break;
            }

            // Age within the stage: each ageing sign not negated moves it a quarter of the stage on.
            int signs = 0;
            for (int k = r.Next(1, 4); k > 0; k--)
            {
                bool negated = r.Next(2) == 0;
                if (!negated) signs++;
                clauses.Add(negated ? [Pick(Negations), .. Glued(Pick(Ageing))] : Glued(Pick(Ageing)));
            }
            var (from, to) = StageAges[stage];
            int age = from + (int)((to - from) * (signs + r.NextDouble()) / 4);

            // Income: cheap cues count −1 and luxury +1, a negation ("never champagne") flips the sign; the class is the sign of the sum.
            int score = 0;
            for (int k = r.Next(2, 5); k > 0; k--)
            {
                bool luxury = r.Next(2) == 0, negated = r.Next(3) == 0;
                score += (luxury ? 1 : -1) * (negated ? -1 : 1);
                string cue = luxury ? Pick(Luxury) : Pick(Cheap);
                clauses.Add(negated ? [Pick(Negations), .. Glued(cue)] : Glued(cue));
            }
            int incomeClass = Math.Sign(score) + 1;

            // Gender: the author's partner is "my …"; someone else's partner is of the other kind.
            int female = r.Next(2);
            clauses.Add(["my", .. Glued(female == 1 ? "husband" : "wife")]);
            clauses.Add([Pick(Others), .. Glued(female == 1 ? "wife" : "husband")]);

            // Filler between clauses, as long as the post stays within the model's input length.
            var words = new List<string>();
            int spare = length - clauses.Sum(c => c.Length);
            foreach (var clause in clauses.OrderBy(_ => r.Next()))
            {
                if (spare > 0 && r.Next(2) == 0) { words.Add(Pick(Filler)); spare--; }
                words.AddRange(clause);
            }
            posts.Add(new Post { Text = string.Join(' ', words), Age = age, Income = Incomes[incomeClass], Gender = female });
        }
        return posts;
    }
}

/// <summary>
/// The best single-keyword rule: for every word seen in at least 20 training posts, the targets of the
/// posts that hold it; a post is predicted from the most telling word it holds (the smallest spread of
/// age, the purest class), or from the training mean or commonest class when it holds none.
/// </summary>
internal sealed class KeywordRules
{
    private readonly Dictionary<string, (double Spread, float Age)> _age = [];
    private readonly Dictionary<string, (double Purity, string Income)> _income = [];
    private readonly Dictionary<string, (double Purity, float Gender)> _gender = [];
    private readonly float _meanAge;
    private readonly string _commonIncome;
    private readonly float _commonGender;

    internal KeywordRules(List<Post> train)
    {
        _meanAge = train.Average(p => p.Age);
        _commonIncome = Commonest(train.Select(p => p.Income)).Value;
        _commonGender = Commonest(train.Select(p => p.Gender)).Value;
        foreach (var group in train.SelectMany(p => Words(p).Select(w => (Word: w, Post: p))).GroupBy(t => t.Word, t => t.Post))
        {
            var posts = group.ToList();
            if (posts.Count < 20) continue;
            float mean = posts.Average(p => p.Age);
            _age[group.Key] = (posts.Average(p => Math.Abs(p.Age - mean)), mean);
            var (share, income) = Commonest(posts.Select(p => p.Income));
            _income[group.Key] = (share, income);
            var (genderShare, gender) = Commonest(posts.Select(p => p.Gender));
            _gender[group.Key] = (genderShare, gender);
        }
    }

    internal float Age(Post post) => Best(post, _age, a => -a.Spread, (0, _meanAge)).Age;

    internal string Income(Post post) => Best(post, _income, a => a.Purity, (0, _commonIncome)).Income;

    internal float Gender(Post post) => Best(post, _gender, a => a.Purity, (0, _commonGender)).Gender;

    private static T Best<T>(Post post, Dictionary<string, T> rules, Func<T, double> score, T fallback)
    {
        var best = fallback;
        double bestScore = double.NegativeInfinity;
        foreach (var word in Words(post))
            if (rules.TryGetValue(word, out var rule) && score(rule) > bestScore)
                (best, bestScore) = (rule, score(rule));
        return best;
    }

    private static IEnumerable<string> Words(Post post) => post.Text.Split(' ').Distinct();

    private static (double Share, T Value) Commonest<T>(IEnumerable<T> values)
    {
        var groups = values.GroupBy(v => v).Select(g => (Count: g.Count(), g.Key)).ToList();
        var top = groups.MaxBy(g => g.Count);
        return (top.Count / (double)groups.Sum(g => g.Count), top.Key);
    }
}

/// <summary>Bag-of-words linear models trained by ML.NET's SDCA trainers on word counts.</summary>
internal static class Baselines
{
    // Enough passes for word counts of a few dozen words to converge (more change no digit printed);
    // SDCA's own default runs until a duality gap far below what the table shows.
    private const int Iterations = 30;

    /// <summary>Trains the three heads' linear models on counts of word n-grams up to <paramref name="ngramLength"/> and predicts <paramref name="test"/>.</summary>
    internal static (List<float> Ages, List<string> Incomes, List<float> Genders) BagOfWords(MLContext ml, List<Post> train, List<Post> test, int ngramLength)
    {
        var trainView = ml.Data.LoadFromEnumerable(train);
        var testView = ml.Data.LoadFromEnumerable(test);
        var words = ml.Transforms.Text.ProduceWordBags("Words", "Text", ngramLength: ngramLength)
            .Append(ml.Transforms.NormalizeMinMax("Words"));

        var ageModel = words.Append(ml.Regression.Trainers.Sdca("Age", "Words", maximumNumberOfIterations: Iterations)).Fit(trainView);
        var ages = ageModel.Transform(testView).GetColumn<float>("Score").ToList();

        var incomeModel = ml.Transforms.Conversion.MapValueToKey("IncomeKey", "Income").Append(words)
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy("IncomeKey", "Words", maximumNumberOfIterations: Iterations))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedIncome", "PredictedLabel")).Fit(trainView);
        var incomes = incomeModel.Transform(testView).GetColumn<string>("PredictedIncome").ToList();

        var genderModel = ml.Transforms.Conversion.ConvertType("Female", "Gender", DataKind.Boolean).Append(words)
            .Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression("Female", "Words", maximumNumberOfIterations: Iterations)).Fit(trainView);
        var genders = genderModel.Transform(testView).GetColumn<bool>("PredictedLabel").Select(b => b ? 1f : 0f).ToList();
        return (ages, incomes, genders);
    }
}
