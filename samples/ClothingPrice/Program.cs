// The notes' multi-modal model: a picture of a piece of clothing (a Fashion-MNIST image), its
// metadata (brand, age in years, condition 1–5) and a text description go in; its price
// (regression) and its category (classification) come out. Trained through an ML.NET pipeline with
// three input columns and two output columns. Prices are generated from the category, brand, age
// and condition; descriptions from the category and brand. `--quick` trains for half the epochs (the
// smoke test's setting).
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.FunctionalDnn;
using Microsoft.ML.FunctionalDnn.Datasets;
using static Microsoft.ML.FunctionalDnn.Keras;

if (!FashionMnist.IsAvailable())
{
    Console.WriteLine($"Fashion-MNIST is not in {FashionMnist.DefaultDirectory}. Install it with: sudo apt-get install -y dataset-fashion-mnist");
    return 1;
}
bool quick = args.Contains("--quick");
var trainRows = Listings.From(FashionMnist.Load(train: true, limit: 8000), seed: 1);
var testRows = Listings.From(FashionMnist.Load(train: false, limit: 2000), seed: 2);
Console.WriteLine($"{trainRows.Count:N0} training and {testRows.Count:N0} test listings, e.g. \"{trainRows[0].Description}\", metadata [{string.Join(", ", trainRows[0].Metadata)}] → {trainRows[0].Price:F0} €, {trainRows[0].Category}");

using var seeds = SeedScope.Begin(11);
var picture = Input([28, 28, 1], name: "Picture");
var metadata = Input([3], name: "MetadataScaled");
var words = Input([8], DType.Int32, name: "Words");
var p = new Conv2D(16, 3, strides: 2, padding: Padding.Same, activation: "relu").Apply(picture);
p = new GlobalAveragePooling2D().Apply(new Conv2D(32, 3, strides: 2, padding: Padding.Same, activation: "relu").Apply(p));
var m = new Dense(16, "relu").Apply(metadata);
var t = new GlobalAveragePooling1D().Apply(new Embedding(64, 16).Apply(words));
var joined = new Dense(64, "relu").Apply(Concatenate([p, m, t]));
var price = new Dense(1, name: "price").Apply(joined);
var category = new Dense(FashionMnist.ClassNames.Count, "softmax", name: "category").Apply(joined);
var model = new Model([picture, metadata, words], [price, category], name: "clothing_price");
model.Compile(new Adam(0.005f), ["mse", "sparse_categorical_crossentropy"], lossWeights: [0.001f, 1],
    metrics: new Dictionary<string, string[]> { ["price"] = ["mae"], ["category"] = ["accuracy"] });
model.Summary(print: true);

var ml = new MLContext(seed: 11);
var pipeline = ml.Transforms.NormalizeMinMax("MetadataScaled", "Metadata")
    .Append(ml.Transforms.TextToSequence("Words", "Description", maxTokens: 64, sequenceLength: 8))
    .Append(ml.Transforms.Conversion.MapValueToKey("CategoryKey", "Category"))
    .Append(ml.FunctionalDnn().Trainer(model, new FunctionalDnnOptions
    {
        Epochs = quick ? 4 : 8,
        BatchSize = 64,
        ValidationFraction = 0.1f,
        Verbose = 2,
        LabelColumns = { ["price"] = "Price", ["category"] = "CategoryKey" },
        OutputColumns = { ["price"] = "PredictedPrice", ["category"] = "CategoryProbabilities" },
    }))
    .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedCategory", "PredictedLabel"));
var fitted = pipeline.Fit(ml.Data.LoadFromEnumerable(trainRows));

var scored = fitted.Transform(ml.Data.LoadFromEnumerable(testRows));
var prices = scored.GetColumn<float[]>("PredictedPrice").Select(v => v[0]).ToList();
var categories = scored.GetColumn<string>("PredictedCategory").ToList();
double meanPrice = trainRows.Average(r => r.Price);
Console.WriteLine();
Console.WriteLine($"Held-out listings ({testRows.Count:N0}):        model   baseline");
Console.WriteLine($"  price: mean absolute error (€)  {testRows.Zip(prices).Average(x => Math.Abs(x.First.Price - x.Second)),7:F2}   {testRows.Average(r => Math.Abs(r.Price - meanPrice)),7:F2} (the mean price)");
Console.WriteLine($"  category: accuracy              {testRows.Zip(categories).Count(x => x.First.Category == x.Second) / (double)testRows.Count,7:P1}   {0.1,7:P1} (chance)");
Console.WriteLine();
for (int i = 0; i < 5; i++)
    Console.WriteLine($"  \"{testRows[i].Description}\" [{string.Join(", ", testRows[i].Metadata)}] → {prices[i]:F0} € (true {testRows[i].Price:F0} €), {categories[i]} (true {testRows[i].Category})");
return 0;

/// <summary>One listing: the picture, the metadata, the description, and what the model predicts.</summary>
internal sealed class Listing
{
    [VectorType(28, 28, 1)]
    public float[] Picture { get; set; } = [];

    /// <summary>Brand (0–2), age in years, condition (1–5).</summary>
    [VectorType(3)]
    public float[] Metadata { get; set; } = [];

    public string Description { get; set; } = "";

    public float Price { get; set; }

    public string Category { get; set; } = "";
}

/// <summary>Listings made from Fashion-MNIST images with generated metadata, descriptions and prices.</summary>
internal static class Listings
{
    private static readonly string[] Brands = ["basico", "urbanista", "maison"];
    private static readonly float[] BasePrice = [15, 40, 35, 55, 90, 30, 25, 60, 70, 85];
    private static readonly string[] Conditions = ["worn", "used", "good", "very good", "like new"];

    internal static List<Listing> From((Tensor Images, Tensor Labels) data, int seed)
    {
        var r = new Random(seed);
        var pixels = data.Images.ToArray();
        var rows = new List<Listing>();
        for (int i = 0; i < data.Labels.Shape[0]; i++)
        {
            int label = data.Labels.IntData[i], brand = r.Next(3), age = r.Next(0, 8), condition = r.Next(1, 6);
            float price = BasePrice[label] * (1 + 0.6f * brand) * MathF.Pow(0.9f, age) * (0.6f + 0.1f * condition) + (float)r.NextDouble() * 3;
            string name = FashionMnist.ClassNames[label].ToLowerInvariant().Replace("/", " or ", StringComparison.Ordinal);
            rows.Add(new Listing
            {
                Picture = pixels.AsSpan(i * 784, 784).ToArray(),
                Metadata = [brand, age, condition],
                Description = $"{Conditions[condition - 1]} {Brands[brand]} {name}",
                Price = price,
                Category = FashionMnist.ClassNames[label],
            });
        }
        return rows;
    }
}
