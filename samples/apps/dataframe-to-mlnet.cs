#:project ../../Microsoft.ML.FunctionalDnn/Microsoft.ML.FunctionalDnn.csproj
#:package Microsoft.Data.Analysis
// The file-based twin of samples/notebooks/dataframe-to-mlnet.ipynb (run: dotnet run -c Release samples/apps/dataframe-to-mlnet.cs):
// the same cells in order; what the notebook displays is printed, or written to a file, here.
using Microsoft.Data.Analysis;
using Microsoft.ML;
using Microsoft.ML.FunctionalDnn;
using Microsoft.ML.FunctionalDnn.DataFrames;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Optimizers;
using Microsoft.ML.FunctionalDnn.Transforms;
using Microsoft.ML.Transforms;
using static Microsoft.ML.FunctionalDnn.Keras;

// A DataFrame through an ML.NET pipeline, with a two-input, two-head network
//
// A `Microsoft.Data.Analysis` DataFrame of used cars goes into an ML.NET pipeline whose trainer is a FunctionalDnn network with two inputs (the numbers; the brand as an id for an Embedding) and two heads (price: regression; segment: softmax). The scored rows come back as a DataFrame, and ML.NET's evaluators score both heads.

// The data: brand, age, mileage and power decide the price and the segment (city, family, premium).
string[] brands = ["Audi", "Dacia", "Fiat", "Skoda", "Toyota", "Volvo"];
string[] segments = ["city", "family", "premium"];
float[] brandValue = [1.5f, 0.7f, 0.8f, 1.0f, 1.05f, 1.4f];
DataFrame Cars(int count, int seed)
{
    var r = new Random(seed);
    var (brand, brandId, age, mileage, power, price, segment) = (new string[count], new int?[count], new float?[count], new float?[count], new float?[count], new float?[count], new string[count]);
    for (int i = 0; i < count; i++)
    {
        int b = r.Next(brands.Length);
        float years = (float)(r.NextDouble() * 15), km = years * (float)(8 + 14 * r.NextDouble());
        float kw = (float)(b is 0 or 5 ? 90 + 130 * r.NextDouble() : 50 + 110 * r.NextDouble());
        price[i] = (float)Math.Max(0.5, (6 + 0.14 * kw) * brandValue[b] * Math.Exp(-0.1 * years) * (1 - 0.0008 * km));
        int s = kw < 80 ? 0 : kw >= 150 ? 2 : 1;
        (brand[i], brandId[i], age[i], mileage[i], power[i], segment[i]) = (brands[b], b, MathF.Round(years, 1), MathF.Round(km), MathF.Round(kw), segments[s]);
    }
    return new DataFrame(new StringDataFrameColumn("Brand", brand), new Int32DataFrameColumn("BrandId", brandId), new SingleDataFrameColumn("Age", age),
        new SingleDataFrameColumn("Mileage", mileage), new SingleDataFrameColumn("Power", power), new SingleDataFrameColumn("Price", price), new StringDataFrameColumn("Segment", segment));
}
var train = Cars(2000, seed: 1);
var test = Cars(500, seed: 2);
Console.WriteLine(train.Head(5));

// The network: two inputs, two heads.
var numbers = Input([3], name: "Numbers");
var brandId = Input([1], DType.Int32, name: "BrandId");
var brandCode = new Flatten().Apply(new Embedding(brands.Length, 4, name: "brand_embedding").Apply(brandId));
var shared = new Dense(32, "relu").Apply(Concatenate([numbers, brandCode]));
var price = new Dense(1, name: "price").Apply(shared);
var segment = new Dense(segments.Length, "softmax", name: "segment").Apply(shared);
var model = new Model([numbers, brandId], [price, segment], name: "used_cars");
model.Compile(new Adam(0.005f), ["mse", "sparse_categorical_crossentropy"], lossWeights: [0.05f, 1],
    metrics: new Dictionary<string, string[]> { ["price"] = ["mae"], ["segment"] = ["accuracy"] });
model.Summary(print: true);

// The pipeline reads the DataFrame's columns directly (a DataFrame is an `IDataView`). The fitted FunctionalDnn transformer keeps its training History, shown as curves.
var ml = new MLContext(seed: 1);
var pipeline = ml.Transforms.Concatenate("Numbers", "Age", "Mileage", "Power")
    .Append(ml.Transforms.NormalizeMeanVariance("Numbers"))
    .Append(ml.Transforms.Conversion.MapValueToKey("SegmentKey", "Segment", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue))
    .Append(ml.FunctionalDnn().Trainer(model, new FunctionalDnnOptions
    {
        Seed = 1, Epochs = 20, BatchSize = 32, ValidationFraction = 0.1f,
        LabelColumns = { ["price"] = "Price", ["segment"] = "SegmentKey" },
        OutputColumns = { ["price"] = "PredictedPrice", ["segment"] = "SegmentScores" },
    }));
var fitted = pipeline.Fit(train);
Console.WriteLine($"training curves: {fitted.OfType<FunctionalDnnTransformer>().Single().History!.Plot("history.svg")}");

// The scored test rows back as a DataFrame, the segment's key as its name:
var scored = fitted.Transform(test);
Console.WriteLine(scored.ToDataFrameWithKeyValues("Brand", "Age", "Power", "Price", "PredictedPrice", "Segment", "PredictedLabel").Head(5));

// ML.NET's own evaluators on the two heads:
var regression = ml.Regression.Evaluate(scored, labelColumnName: "Price", scoreColumnName: "PredictedPrice");
var classification = ml.MulticlassClassification.Evaluate(scored, labelColumnName: "SegmentKey", scoreColumnName: "SegmentScores", predictedLabelColumnName: "PredictedLabel");
Console.WriteLine($"price: MAE {regression.MeanAbsoluteError:F2}, R² {regression.RSquared:F3}");
Console.WriteLine($"segment: accuracy {classification.MicroAccuracy:P1}, log-loss {classification.LogLoss:F3}");
if (regression.RSquared < 0.9 || classification.MicroAccuracy < 0.85) throw new InvalidOperationException("the model did not learn");
