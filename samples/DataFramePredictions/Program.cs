// A Microsoft.Data.Analysis DataFrame in, predictions back as a DataFrame. A table of used cars is
// built in code (brand, age, mileage, power → price and segment); a functional model with two
// inputs (the numbers, and the brand as an id for an Embedding) and two heads (price: regression;
// segment: softmax over three classes) is trained through an ML.NET pipeline that reads the
// DataFrame directly (a DataFrame is an IDataView). The scored test rows come back as a DataFrame
// with ToDataFrameWithKeyValues — every row, and the PredictedLabel key column as the segment's
// name, where ML.NET's own ToDataFrame() stops at 100 rows and refuses key columns — and ML.NET's
// regression and multiclass evaluators score the two heads. Last, model.Predict(dataFrame) runs the
// trained model on DataFrame columns directly, Keras-style. `--quick` trains for fewer epochs (the
// smoke test's setting).
using Microsoft.Data.Analysis;
using Microsoft.ML;
using Microsoft.ML.FunctionalDnn;
using Microsoft.ML.FunctionalDnn.DataFrames;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Optimizers;
using Microsoft.ML.FunctionalDnn.Transforms;
using Microsoft.ML.Transforms;
using static Microsoft.ML.FunctionalDnn.Keras;

using var seeds = SeedScope.Begin(1);
var ml = new MLContext(seed: 1);
bool quick = args.Contains("--quick");
var train = UsedCars.Generate(3000, seed: 1);
var test = UsedCars.Generate(1000, seed: 2);
Console.WriteLine($"Training DataFrame: {train.Rows.Count} rows; test DataFrame: {test.Rows.Count} rows. The first training rows:");
Console.WriteLine(train.Head(4));

// Two inputs, two heads. Brand ids run from 0 to 5, so the Embedding takes 6 ids.
var numbers = Input([3], name: "Numbers");
var brandId = Input([1], DType.Int32, name: "BrandId");
var brand = new Flatten().Apply(new Embedding(UsedCars.Brands.Length, 4, name: "brand_embedding").Apply(brandId));
var shared = new Dense(64, "relu").Apply(Concatenate([numbers, brand]));
shared = new Dense(32, "relu").Apply(shared);
var price = new Dense(1, name: "price").Apply(shared);
var segment = new Dense(UsedCars.Segments.Length, "softmax", name: "segment").Apply(shared);
var model = new Model([numbers, brandId], [price, segment], name: "used_cars");
// Prices are in thousands of euros (squared errors in the tens), so the price loss is weighted down
// to keep the segment's crossentropy from being drowned in the shared layers.
model.Compile(new Adam(0.005f), ["mse", "sparse_categorical_crossentropy"], lossWeights: [0.05f, 1],
    metrics: new Dictionary<string, string[]> { ["price"] = ["mae"], ["segment"] = ["accuracy"] });
model.Summary(print: true);
Console.WriteLine();

// The pipeline reads the DataFrame's columns: the numbers concatenated and standardized, the segment
// text mapped to a key for the classification head (keys in sorted order: city, family, premium).
var pipeline = ml.Transforms.Concatenate("Numbers", "Age", "Mileage", "Power")
    .Append(ml.Transforms.NormalizeMeanVariance("Numbers"))
    .Append(ml.Transforms.Conversion.MapValueToKey("SegmentKey", "Segment", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue))
    .Append(ml.FunctionalDnn().Trainer(model, new FunctionalDnnOptions
    {
        Seed = 1,
        Epochs = quick ? 12 : 30,
        BatchSize = 32,
        ValidationFraction = 0.1f,
        Verbose = 2,
        LabelColumns = { ["price"] = "Price", ["segment"] = "SegmentKey" },
        OutputColumns = { ["price"] = "PredictedPrice", ["segment"] = "SegmentScores" },
    }));
var fitted = pipeline.Fit(train);
var scored = fitted.Transform(test);
Console.WriteLine();

// ML.NET's own conversion refuses the key column (and would stop at 100 rows).
try
{
    _ = scored.ToDataFrame();
    Console.WriteLine("unexpected: ToDataFrame() read the scored view");
}
catch (NotSupportedException e)
{
    Console.WriteLine($"scored.ToDataFrame() fails on the PredictedLabel key column: {e.Message}");
}
var predictions = scored.ToDataFrameWithKeyValues("Brand", "Age", "Mileage", "Power", "Price", "PredictedPrice", "Segment", "PredictedLabel");
Console.WriteLine($"scored.ToDataFrameWithKeyValues(…): {predictions.Rows.Count} rows, PredictedLabel as {predictions["PredictedLabel"].GetType().Name}:");
Console.WriteLine(predictions.Head(6));

// ML.NET's evaluators on the scored view: a scalar Single score for the regression head, the
// softmax vector and the key PredictedLabel for the classification head.
var regression = ml.Regression.Evaluate(scored, labelColumnName: "Price", scoreColumnName: "PredictedPrice");
var classification = ml.MulticlassClassification.Evaluate(scored, labelColumnName: "SegmentKey", scoreColumnName: "SegmentScores", predictedLabelColumnName: "PredictedLabel");
var trainPrices = train.Columns.GetSingleColumn("Price");
float meanPrice = (float)trainPrices.Mean();
var testPrices = test.Columns.GetSingleColumn("Price");
double baseline = testPrices.Select(p => Math.Abs(p!.Value - meanPrice)).Average();
var testSegments = test.Columns.GetStringColumn("Segment");
double chance = testSegments.GroupBy(s => s).Max(g => g.Count()) / (double)test.Rows.Count;
Console.WriteLine("ML.NET's evaluators on the held-out cars (baselines: the mean training price; always the commonest segment):");
Console.WriteLine($"Regression: MAE {regression.MeanAbsoluteError:F2} (baseline {baseline:F2}), RMSE {regression.RootMeanSquaredError:F2}, R-squared {regression.RSquared:F3}");
Console.WriteLine($"Classification: accuracy {classification.MicroAccuracy * 100:F1} % (chance {chance * 100:F1} %), macro accuracy {classification.MacroAccuracy * 100:F1} %, log-loss {classification.LogLoss:F3}");
Console.WriteLine();

// Keras-style: the trained model on DataFrame columns. The inputs read the columns of their own
// names ("Numbers", the standardized vector the pipeline made, and "BrandId"). The model was trained
// on keys, not on a DataFrame text column, so its class columns are numbered in key order (0 city,
// 1 family, 2 premium) and segment_PredictedLabel is the class index.
var features = scored.ToDataFrameWithKeyValues("Numbers", "BrandId");
var direct = model.Predict(features);
var pipelinePrices = predictions.Columns.GetSingleColumn("PredictedPrice");
var directPrices = direct.Columns.GetSingleColumn("price");
double difference = Enumerable.Range(0, (int)direct.Rows.Count).Max(i => Math.Abs(directPrices[i]!.Value - pipelinePrices[i]!.Value));
Console.WriteLine($"model.Predict(dataFrame): columns [{string.Join(", ", direct.Columns.Select(c => c.Name))}]; the prices differ from the pipeline's by at most {difference:G3}:");
Console.WriteLine(direct.Head(3));

/// <summary>Used cars whose price and segment follow from brand, age, mileage and power, with noise.</summary>
internal static class UsedCars
{
    internal static readonly string[] Brands = ["Audi", "Dacia", "Fiat", "Skoda", "Toyota", "Volvo"];
    internal static readonly string[] Segments = ["city", "family", "premium"];
    private static readonly float[] BrandValue = [1.5f, 0.7f, 0.8f, 1.0f, 1.05f, 1.4f];
    private static readonly bool[] Premium = [true, false, false, false, false, true];

    internal static DataFrame Generate(int count, int seed)
    {
        var r = new Random(seed);
        var (brand, brandId, age, mileage, power) = (new string[count], new int?[count], new float?[count], new float?[count], new float?[count]);
        var (price, segment) = (new float?[count], new string[count]);
        for (int i = 0; i < count; i++)
        {
            int b = r.Next(Brands.Length);
            float years = (float)(r.NextDouble() * 15), kilometres = years * (float)(8 + 14 * r.NextDouble()) + (float)(5 * r.NextDouble());
            float kw = (float)(Premium[b] ? 90 + 130 * r.NextDouble() : 50 + 110 * r.NextDouble());
            double newPrice = (6 + 0.14 * kw) * BrandValue[b];
            price[i] = (float)Math.Max(0.5, newPrice * Math.Exp(-0.1 * years) * (1 - 0.0008 * kilometres) + 0.8 * (r.NextDouble() - 0.5));
            int s = kw < 80 ? 0 : (Premium[b] && kw >= 130) || kw >= 170 ? 2 : 1;
            if (r.NextDouble() < 0.03) s = r.Next(Segments.Length);
            (brand[i], brandId[i], age[i], mileage[i], power[i], segment[i]) = (Brands[b], b, MathF.Round(years, 1), MathF.Round(kilometres), MathF.Round(kw), Segments[s]);
        }
        return new DataFrame(new StringDataFrameColumn("Brand", brand), new Int32DataFrameColumn("BrandId", brandId), new SingleDataFrameColumn("Age", age),
            new SingleDataFrameColumn("Mileage", mileage), new SingleDataFrameColumn("Power", power), new SingleDataFrameColumn("Price", price),
            new StringDataFrameColumn("Segment", segment));
    }
}
