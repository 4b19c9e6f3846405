using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Optimizers;
using Microsoft.ML.FunctionalDnn.Transforms;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.MLNet;

[TestClass]
public sealed class MultiModalPipelineTests
{
    internal sealed class Listing
    {
        [VectorType(8, 8, 1)]
        public float[] Picture { get; set; } = [];

        [VectorType(3)]
        public float[] Metadata { get; set; } = [];

        public string Description { get; set; } = "";

        public float Price { get; set; }

        public string Category { get; set; } = "";
    }

    private static readonly string[] Categories = ["shirt", "trousers", "shoes", "bag"];
    private static readonly string[] Brands = ["acme", "globex", "initech"];

    /// <summary>Pictures with a stripe pattern per category, metadata (brand, age, condition), a description; the price depends on all three.</summary>
    internal static List<Listing> Listings(int count, int seed)
    {
        var r = new Random(seed);
        var rows = new List<Listing>();
        for (int i = 0; i < count; i++)
        {
            int category = r.Next(4), brand = r.Next(3);
            float age = r.Next(0, 10), condition = r.Next(1, 6);
            var picture = new float[64];
            for (int y = 0; y < 8; y++)
                for (int x = 0; x < 8; x++)
                {
                    bool on = category switch { 0 => y % 2 == 0, 1 => x % 2 == 0, 2 => x == y, _ => x + y == 7 };
                    picture[y * 8 + x] = (on ? 0.8f : 0.1f) + (float)r.NextDouble() * 0.2f;
                }
            float price = 20 + 15 * category + 10 * brand - 2 * age + 4 * condition + (float)r.NextDouble() * 2;
            rows.Add(new Listing
            {
                Picture = picture,
                Metadata = [brand, age, condition],
                Description = $"{(condition > 3 ? "like new" : "used")} {Brands[brand]} {Categories[category]}",
                Price = price,
                Category = Categories[category],
            });
        }
        return rows;
    }

    internal static Model ClothingModel(int vocabulary)
    {
        LayerNames.Reset();
        var picture = Input([8, 8, 1], name: "Picture");
        var metadata = Input([3], name: "MetadataScaled");
        var text = Input([6], DType.Int32, name: "Words");
        var p = new Flatten().Apply(new MaxPooling2D(2).Apply(new Conv2D(8, 3, padding: Padding.Same, activation: "relu").Apply(picture)));
        var m = new Dense(8, "relu").Apply(metadata);
        var t = new GlobalAveragePooling1D().Apply(new Embedding(vocabulary, 8).Apply(text));
        var joined = new Dense(32, "relu").Apply(Concatenate([p, m, t]));
        var price = new Dense(1, name: "price").Apply(joined);
        var category = new Dense(4, "softmax", name: "category").Apply(joined);
        var model = new Model([picture, metadata, text], [price, category], name: "clothing");
        model.Compile(new Adam(0.01f), ["mse", "sparse_categorical_crossentropy"], lossWeights: [0.01f, 1], metrics: new Dictionary<string, string[]> { ["category"] = ["accuracy"] });
        return model;
    }

    [TestMethod]
    public void AnImageMetadataAndTextModelPredictsPriceAndCategory()
    {
        using var seeds = SeedScope.Begin(4);
        var ml = new MLContext(seed: 4);
        var pipeline = ml.Transforms.NormalizeMinMax("MetadataScaled", "Metadata")
            .Append(ml.Transforms.Text.TokenizeIntoWords("Words", "Description")).Append(ml.Transforms.Conversion.MapValueToKey("Words"))
            .Append(ml.Transforms.Conversion.MapValueToKey("CategoryKey", "Category"))
            .Append(ml.FunctionalDnn().Trainer(ClothingModel(20), new FunctionalDnnOptions
            {
                Epochs = 25,
                LabelColumns = { ["price"] = "Price", ["category"] = "CategoryKey" },
                OutputColumns = { ["price"] = "PredictedPrice", ["category"] = "CategoryScores" },
                ValidationFraction = 0.2f,
            }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedCategory", "PredictedLabel"));
        var fitted = pipeline.Fit(ml.Data.LoadFromEnumerable(Listings(800, 1)));
        var history = fitted.OfType<FunctionalDnnTransformer>().Single().History!;
        Assert.IsLessThan(history["val_loss"][0], history["val_loss"][^1], "validation loss went down");

        var test = Listings(200, 2);
        var scored = fitted.Transform(ml.Data.LoadFromEnumerable(test));
        var category = scored.GetColumn<string>("PredictedCategory").ToList();
        var price = scored.GetColumn<float>("PredictedPrice").ToList();
        double accuracy = test.Zip(category).Count(p => p.First.Category == p.Second) / 200.0;
        double mae = test.Zip(price).Average(p => Math.Abs(p.First.Price - p.Second));
        double baseline = test.Average(p => Math.Abs(p.Price - test.Average(q => q.Price)));
        Assert.IsGreaterThan(0.95, accuracy, $"category accuracy {accuracy:P1}");
        Assert.IsLessThan(baseline / 2, mae, $"price MAE {mae:F2} against the mean's {baseline:F2}");
    }

    [TestMethod]
    public void AnEnsembleWorksInAPipelineLikeAnyModel()
    {
        var ml = new MLContext(seed: 5);
        var rows = Listings(300, 3);
        var data = ml.Data.LoadFromEnumerable(rows);
        var members = new List<Model>();
        for (int seed = 0; seed < 2; seed++)
        {
            using var seeds = SeedScope.Begin(10 + seed);
            var model = ClothingModel(20);
            var prep = ml.Transforms.NormalizeMinMax("MetadataScaled", "Metadata").Append(ml.Transforms.Text.TokenizeIntoWords("Words", "Description")).Append(ml.Transforms.Conversion.MapValueToKey("Words"))
                .Append(ml.Transforms.Conversion.MapValueToKey("CategoryKey", "Category"));
            var prepared = prep.Fit(data).Transform(data);
            ml.FunctionalDnn().Trainer(model, new FunctionalDnnOptions { Epochs = 3, LabelColumns = { ["price"] = "Price", ["category"] = "CategoryKey" } }).Fit(prepared);
            members.Add(model);
        }
        var ensemble = Ensemble.Average(members);
        var pipeline = ml.Transforms.NormalizeMinMax("MetadataScaled", "Metadata")
            .Append(ml.Transforms.Text.TokenizeIntoWords("Words", "Description")).Append(ml.Transforms.Conversion.MapValueToKey("Words"))
            .Append(ml.Transforms.Conversion.MapValueToKey("CategoryKey", "Category"))
            .Append(ml.FunctionalDnn().Trainer(ensemble, new FunctionalDnnOptions { Epochs = 0, LabelColumns = { ["price"] = "Price", ["category"] = "CategoryKey" } }));
        var scored = pipeline.Fit(data).Transform(data);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 4), scored.Schema["category"].Type);
        Assert.HasCount(300, scored.GetColumn<uint>("PredictedLabel").ToList());
    }
}
