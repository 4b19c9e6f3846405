using Microsoft.Data.Analysis;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.FunctionalDnn.DataFrames;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Optimizers;
using Microsoft.ML.FunctionalDnn.Transforms;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.MLNet;

/// <summary>DataFrames into pipelines and into Fit/Predict, and scored views back into DataFrames.</summary>
[TestClass]
public sealed class DataFrameTests
{
    private static readonly string[] Brands = ["fiat", "skoda", "volvo"];

    /// <summary>Cars: price follows age, power and brand; the segment is "city" (low power), "premium" (a volvo with high power) or "family".</summary>
    private static DataFrame Cars(int count, int seed)
    {
        var r = new Random(seed);
        var (age, power, brand, price, segment) = (new float?[count], new float?[count], new int?[count], new float?[count], new string[count]);
        for (int i = 0; i < count; i++)
        {
            (age[i], power[i], brand[i]) = ((float)(r.NextDouble() * 2), (float)(r.NextDouble() * 2), r.Next(3));
            price[i] = 3 + 2 * power[i]!.Value - age[i]!.Value + brand[i]!.Value;
            segment[i] = power[i] < 0.7f ? "city" : brand[i] == 2 && power[i] > 1.2f ? "premium" : "family";
        }
        return new DataFrame(new SingleDataFrameColumn("Age", age), new SingleDataFrameColumn("Power", power), new Int32DataFrameColumn("BrandId", brand),
            new StringDataFrameColumn("Brand", brand.Select(b => Brands[b!.Value])), new SingleDataFrameColumn("Price", price), new StringDataFrameColumn("Segment", segment));
    }

    /// <summary>Numbers (age, power) and a brand id in; a price and a segment out.</summary>
    private static Model CarModel()
    {
        LayerNames.Reset();
        var numbers = Input([2], name: "numbers");
        var brand = Input([1], DType.Int32, name: "brand");
        var h = new Dense(32, "relu").Apply(Concatenate([numbers, new Flatten().Apply(new Embedding(3, 4).Apply(brand))]));
        var model = new Model([numbers, brand], [new Dense(1, name: "price").Apply(h), new Dense(3, "softmax", name: "segment").Apply(h)], name: "cars");
        model.Compile(new Adam(0.02f), ["mse", "sparse_categorical_crossentropy"], metrics: new Dictionary<string, string[]> { ["segment"] = ["accuracy"] });
        return model;
    }

    private static readonly Dictionary<string, string[]> CarInputs = new() { ["numbers"] = ["Age", "Power"], ["brand"] = ["BrandId"] };

    [TestMethod]
    public void APipelineTrainsOnADataFrameAndEveryScoredRowComesBackWithKeyValues()
    {
        using var seeds = SeedScope.Begin(1);
        LayerNames.Reset();
        var ml = new MLContext(seed: 1);
        var x = Input([2], name: "Numbers");
        var model = new Model(x, new Dense(3, "softmax", name: "segment").Apply(new Dense(16, "relu").Apply(x)), name: "segments");
        model.Compile(new Adam(0.02f), "sparse_categorical_crossentropy");
        var pipeline = ml.Transforms.Concatenate("Numbers", "Age", "Power")
            .Append(ml.Transforms.Conversion.MapValueToKey("SegmentKey", "Segment"))
            .Append(ml.FunctionalDnn().Trainer(model, new FunctionalDnnOptions { LabelColumnName = "SegmentKey", Epochs = 15, Seed = 1 }));
        var fitted = pipeline.Fit(Cars(600, 1));
        var test = Cars(250, 2);
        var scored = fitted.Transform(test);

        // The traps this extension avoids: ML.NET's ToDataFrame refuses the key column and stops at 100 rows.
        Assert.ThrowsExactly<NotSupportedException>(() => scored.ToDataFrame());
        Assert.AreEqual(100, scored.ToDataFrame("Age").Rows.Count);

        var frame = scored.ToDataFrameWithKeyValues();
        Assert.AreEqual(250, frame.Rows.Count);
        Assert.IsInstanceOfType<StringDataFrameColumn>(frame["PredictedLabel"]);
        Assert.IsInstanceOfType<VBufferDataFrameColumn<float>>(frame["Numbers"]);
        Assert.IsInstanceOfType<StringDataFrameColumn>(frame["SegmentKey"]);
        var truth = test.Columns.GetStringColumn("Segment");
        var predicted = frame.Columns.GetStringColumn("PredictedLabel");
        CollectionAssert.AreEqual(truth.ToArray(), frame.Columns.GetStringColumn("SegmentKey").ToArray());
        // Without the brand the premium cars are out of reach (about 87 % at best); the commonest segment is about half.
        double accuracy = Enumerable.Range(0, 250).Count(i => predicted[i] == truth[i]) / 250.0;
        double chance = truth.GroupBy(s => s).Max(g => g.Count()) / 250.0;
        Assert.IsGreaterThan(chance + 0.2, accuracy, $"accuracy {accuracy:P1}, commonest segment {chance:P1}");
        // The same names MapKeyToValue gives.
        var values = ml.Transforms.Conversion.MapKeyToValue("PredictedText", "PredictedLabel").Fit(scored).Transform(scored).GetColumn<string>("PredictedText");
        CollectionAssert.AreEqual(values.ToArray(), predicted.ToArray());
    }

    public sealed class KeyRow
    {
        [KeyType(3)]
        public uint Code { get; set; }

        public float Value { get; set; }
    }

    [TestMethod]
    public void KeysWithoutValuesComeBackAsNumbersSelectedColumnsInTheirOrderAndHiddenColumnsSkipped()
    {
        var ml = new MLContext(seed: 1);
        var raw = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 150).Select(i => new KeyRow { Code = (uint)(i % 3) + 1, Value = i }));
        var frame = raw.ToDataFrameWithKeyValues("Value", "Code");
        CollectionAssert.AreEqual(new[] { "Value", "Code" }, frame.Columns.Select(c => c.Name).ToArray());
        Assert.AreEqual(150, frame.Rows.Count);
        CollectionAssert.AreEqual(raw.GetColumn<uint>("Code").ToArray(), frame.Columns.GetUInt32Column("Code").Select(v => v!.Value).ToArray());
        Assert.AreEqual(10, raw.ToDataFrameWithKeyValues(10).Rows.Count);

        var text = new DataFrame(new StringDataFrameColumn("Word", ["b", "a", "b"]));
        var keyed = ml.Transforms.Conversion.MapValueToKey("Word").Fit(text).Transform(text);
        var back = keyed.ToDataFrameWithKeyValues();
        Assert.AreEqual(1, back.Columns.Count, "the hidden text column is skipped");
        CollectionAssert.AreEqual(new[] { "b", "a", "b" }, back.Columns.GetStringColumn("Word").ToArray());

        var e = Assert.ThrowsExactly<ArgumentException>(() => raw.ToDataFrameWithKeyValues("Value", "Cod"));
        StringAssert.Contains(e.Message, "no column 'Cod'");
        StringAssert.Contains(e.Message, "[Code, Value]");
    }

    [TestMethod]
    public void FitAndPredictOnADataFrameWithTwoInputsAndTwoOutputsLearn()
    {
        using var seeds = SeedScope.Begin(2);
        var model = CarModel();
        var train = Cars(800, 3);
        var history = model.Fit(train, targets: ["Price", "Segment"], inputs: CarInputs, epochs: 12, validationSplit: 0.1f, verbose: 0, seed: 2);
        Assert.IsLessThan(history["loss"][0] / 5, history["loss"][^1], $"loss {history["loss"][0]:F3} → {history["loss"][^1]:F3}");
        CollectionAssert.AreEqual(new[] { "city", "family", "premium" }, model.GetClassNames()["segment"].ToArray());

        var test = Cars(300, 4);
        var results = model.Evaluate(test, new Dictionary<string, string> { ["price"] = "Price", ["segment"] = "Segment" }, CarInputs);
        Assert.IsGreaterThan(0.85f, results["segment_accuracy"]);

        var predictions = model.Predict(test, CarInputs, includeData: true);
        Assert.AreEqual(300, predictions.Rows.Count);
        CollectionAssert.AreEqual(new[] { "Age", "Power", "BrandId", "Brand", "Price", "Segment", "price", "segment_city", "segment_family", "segment_premium", "segment_PredictedLabel" },
            predictions.Columns.Select(c => c.Name).ToArray());
        var truth = test.Columns.GetStringColumn("Segment");
        var predicted = predictions.Columns.GetStringColumn("segment_PredictedLabel");
        double accuracy = Enumerable.Range(0, 300).Count(i => predicted[i] == truth[i]) / 300.0;
        Assert.AreEqual(results["segment_accuracy"], accuracy, 1e-6, "Predict's labels agree with Evaluate's accuracy");
        var prices = test.Columns.GetSingleColumn("Price");
        double mean = prices.Select(p => (double)p!.Value).Average();
        var priced = predictions.Columns.GetSingleColumn("price");
        double mae = Enumerable.Range(0, 300).Average(i => Math.Abs(priced[i]!.Value - prices[i]!.Value));
        double baseline = Enumerable.Range(0, 300).Average(i => Math.Abs(prices[i]!.Value - mean));
        Assert.IsLessThan(baseline / 4, mae, $"price MAE {mae:F3} against the mean's {baseline:F3}");

        var vectors = model.Predict(test, CarInputs, expandVectors: false);
        var scores = (VBufferDataFrameColumn<float>)vectors["segment"];
        Assert.AreEqual(predictions.Columns.GetSingleColumn("segment_family")[5], scores[5].GetValues()[1]);
    }

    [TestMethod]
    public void IntegerClassIndicesTrainASoftmaxHeadAsKerasLabelsDo()
    {
        using var seeds = SeedScope.Begin(3);
        var model = CarModel();
        var train = Cars(600, 5);
        string[] classes = ["city", "family", "premium"];
        train["SegmentIndex"] = new Int32DataFrameColumn("SegmentIndex", train.Columns.GetStringColumn("Segment").Select(s => (int?)Array.IndexOf(classes, s)));
        var history = model.Fit(train, new Dictionary<string, string> { ["price"] = "Price", ["segment"] = "SegmentIndex" }, CarInputs, epochs: 10, verbose: 0);
        Assert.IsGreaterThan(0.85f, history["segment_accuracy"][^1]);
        Assert.IsEmpty(model.GetClassNames());
        var predictions = model.Predict(train.Head(50), CarInputs);
        CollectionAssert.AreEqual(new[] { "price", "segment_0", "segment_1", "segment_2", "segment_PredictedLabel" }, predictions.Columns.Select(c => c.Name).ToArray());
        Assert.IsInstanceOfType<Int32DataFrameColumn>(predictions["segment_PredictedLabel"]);

        train["SegmentIndex"][7] = 3;
        var e = Assert.ThrowsExactly<ArgumentException>(() => model.Fit(train, ["Price", "SegmentIndex"], CarInputs, verbose: 0));
        StringAssert.Contains(e.Message, "Row 7: the target column 'SegmentIndex' for model output 'segment' holds 3, where a class index in [0, 3) is expected");
    }

    [TestMethod]
    public void AMissingColumnIsAClearError()
    {
        using var seeds = SeedScope.Begin(6);
        var model = CarModel();
        var data = Cars(20, 6);
        var e = Assert.ThrowsExactly<ArgumentException>(() => model.Fit(data, targets: ["price", "Segment"], inputs: CarInputs, verbose: 0));
        StringAssert.Contains(e.Message, "no column 'price' for the target of model output 'price' of 'cars' (did you mean 'Price'?)");
        StringAssert.Contains(e.Message, "Columns: [Age, Power, BrandId, Brand, Price, Segment]");

        e = Assert.ThrowsExactly<ArgumentException>(() => model.Predict(data));
        StringAssert.Contains(e.Message, "no column 'numbers' for model input 'numbers'");
        StringAssert.Contains(e.Message, "inputs:");

        e = Assert.ThrowsExactly<ArgumentException>(() => model.Fit(data, targets: "Price", inputs: CarInputs, verbose: 0));
        StringAssert.Contains(e.Message, "Model 'cars' has 2 outputs [price, segment]; received 1 column name [Price]");
    }

    [TestMethod]
    public void TextWhereNumbersAreNeededAndNullsAreClearErrors()
    {
        using var seeds = SeedScope.Begin(7);
        var model = CarModel();
        var data = Cars(20, 7);
        var e = Assert.ThrowsExactly<ArgumentException>(() => model.Predict(data, new Dictionary<string, string[]> { ["numbers"] = ["Age", "Power"], ["brand"] = ["Brand"] }));
        StringAssert.Contains(e.Message, "DataFrame column 'Brand' for model input 'brand' of 'cars' holds text, where numbers are expected");

        data["Power"][4] = null;
        e = Assert.ThrowsExactly<ArgumentException>(() => model.Predict(data, CarInputs));
        StringAssert.Contains(e.Message, "DataFrame column 'Power' for model input 'numbers' of 'cars' has a missing value (null) in row 4");

        var other = Cars(20, 8);
        other["Segment"][2] = "van";
        e = Assert.ThrowsExactly<ArgumentException>(() => model.Fit(Cars(30, 9), ["Price", "Segment"], CarInputs, verbose: 0, validationData: other));
        StringAssert.Contains(e.Message, "Row 2: the target column 'Segment' for model output 'segment' holds 'van', which is not one of the classes the output was trained on [city, family, premium]");
    }
}
