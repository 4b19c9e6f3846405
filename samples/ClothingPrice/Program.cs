// The notes' multi-modal model through a real ML.NET pipeline: second-hand clothing listings, each a
// picture file on disk (a Fashion-MNIST image the sample saves as PNG), metadata (brand, age in years,
// condition 1–5) and a short description, go in; the price (regression) and the category
// (classification) come out. LoadImages/ResizeImages/ExtractPixels turn the files into channels-last
// pixels, TokenizeIntoWords/MapValueToKey the description into word keys, NormalizeMinMax scales the
// metadata. Every input is needed: the category shows only in the picture (the description never
// names it), and the price multiplies a category price by factors from the metadata and from words
// of the description (material, "designer", "torn" …). On held-out listings the price error is
// compared with the global mean price, the mean price of the listing's true category, and ML.NET's
// own linear regressions without the picture; the category accuracy with chance and with ML.NET's
// linear classifier on the pixels. `--quick` trains on fewer listings for fewer epochs (the smoke
// test's setting).
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.FunctionalDnn;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Optimizers;
using Microsoft.ML.FunctionalDnn.Samples;
using Microsoft.ML.FunctionalDnn.Transforms;
using static Microsoft.ML.FunctionalDnn.Keras;
using static Microsoft.ML.Transforms.Image.ImagePixelExtractingEstimator;

if (!FashionMnist.IsAvailable())
{
    Console.WriteLine($"Fashion-MNIST is not in {FashionMnist.DefaultDirectory}. Install it with: sudo apt-get install -y dataset-fashion-mnist");
    return 1;
}
bool quick = args.Contains("--quick");
var clock = Stopwatch.StartNew();
string imageFolder = Path.GetFullPath(Path.Combine("clothing-output", "images"));
var trainRows = Listings.Create(FashionMnist.Load(train: true, limit: quick ? 6000 : 18000), imageFolder, "train", seed: 1);
var testRows = Listings.Create(FashionMnist.Load(train: false, limit: 2000), imageFolder, "test", seed: 2);
Console.WriteLine($"{trainRows.Count:N0} training and {testRows.Count:N0} test listings, pictures saved in {imageFolder} ({clock.Elapsed.TotalSeconds:F0} s), e.g.");
foreach (var row in trainRows.Take(3))
    Console.WriteLine($"  {row.ImagePath}, metadata [{string.Join(", ", row.Metadata)}], \"{row.Description}\" → {row.Price:F2} € ({row.Category})");

var ml = new MLContext(seed: 11);
var train = ml.Data.LoadFromEnumerable(trainRows);
var test = ml.Data.LoadFromEnumerable(testRows);

// Files → grey pixels (LoadImages gives images of unknown size: ResizeImages fixes it), description →
// word keys (a variable-length vector, padded for the model), metadata → [0, 1], category → key.
var features = ml.Transforms.LoadImages("Image", imageFolder, "ImagePath")
    .Append(ml.Transforms.ResizeImages("Image", 28, 28))
    .Append(ml.Transforms.ExtractPixels("Picture", "Image", ColorBits.Red, interleavePixelColors: true, scaleImage: 1f / 255))
    .Append(ml.Transforms.NormalizeMinMax("MetadataScaled", "Metadata"))
    .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Description"))
    .Append(ml.Transforms.Conversion.MapValueToKey("Words", "Tokens"))
    .Append(ml.Transforms.Conversion.MapValueToKey("CategoryKey", "Category"))
    .AppendCacheCheckpoint(ml);   // decode the PNG files once, not every epoch
var featurizer = features.Fit(train);
var wordKeys = (KeyDataViewType)((VectorDataViewType)featurizer.GetOutputSchema(train.Schema)["Words"].Type).ItemType;

// The picture gives the category; the price sees the picture only through that category. Prices
// multiply, so the price head adds up logarithms of factors and a Lambda exponentiates the sum.
using var seeds = SeedScope.Begin(11);
float meanPrice = trainRows.Average(r => r.Price);
var picture = Input([28, 28, 1], name: "Picture");
var metadata = Input([3], name: "MetadataScaled");
var words = Input([8], DType.Int32, name: "Words");
var p = new Conv2D(32, 3, strides: 2, padding: Padding.Same, activation: "relu").Apply(picture);
p = new Conv2D(64, 3, strides: 2, padding: Padding.Same, activation: "relu").Apply(p);
p = new Dense(64, "relu").Apply(new Dropout(0.3f).Apply(new Flatten().Apply(p)));
var category = new Dense(FashionMnist.ClassNames.Count, "softmax", name: "category").Apply(p);
var m = new Dense(16, "relu").Apply(metadata);
var t = new GlobalAveragePooling1D().Apply(new Embedding((int)wordKeys.Count + 1, 8, maskZero: true).Apply(words));   // key 0: padding
var logPrice = new Dense(1).Apply(Concatenate([category, m, t]));
var price = new Lambda(x => Ops.Exp(x) * meanPrice, name: "price").Apply(logPrice);
var model = new Model([picture, metadata, words], [price, category], name: "clothing_price");
model.Compile(new Adam(0.003f), ["mse", "sparse_categorical_crossentropy"], lossWeights: [0.001f, 1],
    metrics: new Dictionary<string, string[]> { ["price"] = ["mae"], ["category"] = ["accuracy"] });
model.Summary(print: true);

var pipeline = features.Append(ml.FunctionalDnn().Trainer(model, new FunctionalDnnOptions
{
    Epochs = quick ? 10 : 15,
    BatchSize = 64,
    ValidationFraction = 0.1f,
    Verbose = 2,
    Seed = 11,
    LabelColumns = { ["price"] = "Price", ["category"] = "CategoryKey" },
    OutputColumns = { ["price"] = "PredictedPrice", ["category"] = "CategoryScores" },
})).Append(ml.Transforms.Conversion.MapKeyToValue("PredictedCategory", "PredictedLabel"));
clock.Restart();
var fitted = pipeline.Fit(train);
Console.WriteLine($"Trained in {clock.Elapsed.TotalSeconds:F0} s.");

// Baselines by ML.NET's own trainers on the same features: linear regressions on what is not the
// picture, a linear classifier on the pixels.
clock.Restart();
var featured = ml.Data.Cache(featurizer.Transform(train));
var testFeatured = featurizer.Transform(test);
var onMetadata = ml.Regression.Trainers.Sdca("Price", "MetadataScaled").Fit(featured);
var onMetadataAndWords = ml.Transforms.Conversion.MapKeyToVector("WordCounts", "Words", outputCountVector: true)
    .Append(ml.Transforms.Concatenate("MetadataAndWords", "MetadataScaled", "WordCounts"))
    .Append(ml.Regression.Trainers.Sdca("Price", "MetadataAndWords")).Fit(featured);
var onPixels = ml.MulticlassClassification.Trainers.SdcaMaximumEntropy("CategoryKey", "Picture").Fit(featured);
double metadataMae = ml.Regression.Evaluate(onMetadata.Transform(testFeatured), "Price").MeanAbsoluteError;
double metadataAndWordsMae = ml.Regression.Evaluate(onMetadataAndWords.Transform(testFeatured), "Price").MeanAbsoluteError;
double pixelsAccuracy = ml.MulticlassClassification.Evaluate(onPixels.Transform(testFeatured), "CategoryKey").MicroAccuracy;
var categoryMean = trainRows.GroupBy(r => r.Category).ToDictionary(g => g.Key, g => g.Average(r => r.Price));
Console.WriteLine($"Baselines trained in {clock.Elapsed.TotalSeconds:F0} s.");

var scored = fitted.Transform(test);
double mae = ml.Regression.Evaluate(scored, "Price", "PredictedPrice").MeanAbsoluteError;
double accuracy = ml.MulticlassClassification.Evaluate(scored, "CategoryKey", "CategoryScores", "PredictedLabel").MicroAccuracy;
double globalMeanMae = testRows.Average(r => Math.Abs(r.Price - meanPrice));
double categoryMeanMae = testRows.Average(r => Math.Abs(r.Price - categoryMean[r.Category]));
var prices = scored.GetColumn<float>("PredictedPrice").ToList();
var categories = scored.GetColumn<string>("PredictedCategory").ToList();
var errors = testRows.Select((r, i) => (Error: Math.Abs(r.Price - prices[i]), Recognised: categories[i] == r.Category)).ToLookup(x => x.Recognised, x => x.Error);
Console.WriteLine();
Console.WriteLine($"{$"Held-out listings ({testRows.Count:N0})",-33}{"model",7}   global mean   true category's mean   linear: metadata   linear: metadata + words");
Console.WriteLine($"  price: mean absolute error (€)  {mae,7:F2}   {globalMeanMae,11:F2}   {categoryMeanMae,20:F2}   {metadataMae,16:F2}   {metadataAndWordsMae,24:F2}");
Console.WriteLine($"  category: accuracy              {accuracy,7:P1}   {0.1,11:P1} (chance)   {pixelsAccuracy:P1} (ML.NET's linear classifier on the pixels)");
Console.WriteLine();
Console.WriteLine(mae < categoryMeanMae
    ? "The model beats even the true category's mean price, which is told the category but not the brand, age, condition or description;"
    : "The true category's mean price, which is told the category, beats the model: the brand, age, condition and description do not make up for its mistaken categories;");
Console.WriteLine($"its price is off by {errors[true].DefaultIfEmpty().Average():F2} € where it recognises the category ({errors[true].Count():N0} listings) and by {errors[false].DefaultIfEmpty().Average():F2} € where it does not ({errors[false].Count():N0}).");
Console.WriteLine();
for (int i = 0; i < 5; i++)
    Console.WriteLine($"  [{string.Join(", ", testRows[i].Metadata)}] \"{testRows[i].Description}\" → {prices[i]:F2} € (true {testRows[i].Price:F2} €), {categories[i]} (true {testRows[i].Category})");
return 0;

/// <summary>One listing: the picture file, the metadata, the description, the price and the category.</summary>
internal sealed class Listing
{
    /// <summary>The PNG file, relative to the image folder.</summary>
    public string ImagePath { get; set; } = "";

    /// <summary>Brand (0 basico, 1 urbanista, 2 maison), age in years, condition (1 worn … 5 like new).</summary>
    [VectorType(3)]
    public float[] Metadata { get; set; } = [];

    public string Description { get; set; } = "";

    public float Price { get; set; }

    public string Category { get; set; } = "";
}

/// <summary>Listings made from Fashion-MNIST images, with generated metadata, descriptions and prices.</summary>
internal static class Listings
{
    private static readonly float[] BasePrice = [15, 40, 35, 55, 90, 30, 25, 60, 70, 85];   // by Fashion-MNIST label
    private static readonly float[] BrandFactor = [1, 1.5f, 2.2f];
    private static readonly (string Word, float Factor)[] Materials = [("polyester", 0.8f), ("cotton", 1), ("linen", 1.15f), ("wool", 1.3f), ("silk", 1.5f)];
    private static readonly (string Word, float Factor)[] Tags = [("", 1), ("", 1), ("designer", 1.6f), ("vintage", 1.3f), ("stained", 0.7f), ("torn", 0.5f)];
    private static readonly string[] Fillers = ["great", "lovely", "classic", "piece", "look", "ships", "fast", "bargain", "smoke-free", "home", "must", "go"];

    /// <summary>Saves each image as <paramref name="prefix"/>-NNNNN.png in <paramref name="folder"/> and makes its listing.</summary>
    internal static List<Listing> Create((Tensor Images, Tensor Labels) data, string folder, string prefix, int seed)
    {
        Directory.CreateDirectory(folder);
        var r = new Random(seed);
        var pixels = data.Images.ToArray();
        var labels = data.Labels.ToIntArray();
        var bgra = new byte[28 * 28 * 4];
        var rows = new List<Listing>();
        for (int i = 0; i < data.Labels.Shape[0]; i++)
        {
            for (int j = 0; j < 28 * 28; j++)
            {
                byte grey = (byte)MathF.Round(pixels[i * 28 * 28 + j] * 255);
                (bgra[4 * j], bgra[4 * j + 1], bgra[4 * j + 2], bgra[4 * j + 3]) = (grey, grey, grey, 255);
            }
            string file = $"{prefix}-{i:D5}.png";
            using (var image = MLImage.CreateFromPixels(28, 28, MLPixelFormat.Bgra32, bgra)) image.Save(Path.Combine(folder, file));

            // The price: the category's price × brand × age × condition × material × tag × noise (±5 %).
            // The description holds the material, maybe a tag, and filler words; never the category.
            int label = labels[i], brand = r.Next(3), age = r.Next(0, 8), condition = r.Next(1, 6);
            var (material, materialFactor) = Materials[r.Next(Materials.Length)];
            var (tag, tagFactor) = Tags[r.Next(Tags.Length)];
            var description = new List<string> { material, Fillers[r.Next(Fillers.Length)], Fillers[r.Next(Fillers.Length)] };
            if (tag.Length > 0) description.Insert(r.Next(description.Count + 1), tag);
            if (r.Next(2) == 0) description.Add(Fillers[r.Next(Fillers.Length)]);
            rows.Add(new Listing
            {
                ImagePath = file,
                Metadata = [brand, age, condition],
                Description = string.Join(' ', description),
                Price = BasePrice[label] * BrandFactor[brand] * MathF.Pow(0.9f, age) * (0.5f + 0.1f * condition) * materialFactor * tagFactor * (0.95f + 0.1f * r.NextSingle()),
                Category = FashionMnist.ClassNames[label],
            });
        }
        return rows;
    }
}
