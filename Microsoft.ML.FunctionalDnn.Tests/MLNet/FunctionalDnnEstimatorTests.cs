using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Optimizers;
using Microsoft.ML.FunctionalDnn.Transforms;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.MLNet;

[TestClass]
public sealed class FunctionalDnnEstimatorTests
{
    internal sealed class Post
    {
        public string Text { get; set; } = "";

        public float Age { get; set; }

        public string Income { get; set; } = "";

        public float Gender { get; set; }
    }

    private static readonly string[] Incomes = ["low", "middle", "high"];

    /// <summary>Posts whose words carry planted signals: age words, income words, gender words, among filler.</summary>
    private static List<Post> Posts(int count, int seed)
    {
        var r = new Random(seed);
        string[] filler = ["today", "the", "weather", "coffee", "city", "news", "game", "music"];
        var posts = new List<Post>();
        for (int i = 0; i < count; i++)
        {
            int age = r.Next(20, 75), income = r.Next(3);
            bool female = r.Next(2) == 1;
            var words = Enumerable.Range(0, 6).Select(_ => filler[r.Next(filler.Length)]).ToList();
            words.Insert(r.Next(words.Count), age < 35 ? "school" : age < 55 ? "mortgage" : "retirement");
            words.Insert(r.Next(words.Count), income switch { 0 => "budget", 1 => "car", _ => "yacht" });
            words.Insert(r.Next(words.Count), female ? "she" : "he");
            posts.Add(new Post { Text = string.Join(' ', words), Age = age, Income = Incomes[income], Gender = female ? 1 : 0 });
        }
        return posts;
    }

    private static Model SocialModel()
    {
        LayerNames.Reset();
        var text = Input([12], DType.Int32, name: "Tokens");
        var x = new GlobalAveragePooling1D().Apply(new Embedding(30, 16).Apply(text));
        x = new Dense(32, "relu").Apply(x);
        var age = new Dense(1, name: "age").Apply(x);
        var income = new Dense(3, "softmax", name: "income").Apply(x);
        var gender = new Dense(1, "sigmoid", name: "gender").Apply(x);
        var model = new Model(text, [age, income, gender], name: "social");
        model.Compile(new Adam(0.02f), ["mse", "sparse_categorical_crossentropy", "binary_crossentropy"], lossWeights: [0.001f, 1, 1],
            metrics: new Dictionary<string, string[]> { ["income"] = ["accuracy"], ["gender"] = ["accuracy"] });
        return model;
    }

    private static EstimatorChain<FunctionalDnnTransformer> SocialPipeline(MLContext ml, Model model, int epochs) =>
        ml.Transforms.Conversion.MapValueToKey("IncomeKey", "Income")
            .Append(ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text"))
            .Append(ml.Transforms.Conversion.MapValueToKey("Tokens"))
            .Append(ml.FunctionalDnn().Trainer(model, new FunctionalDnnOptions
            {
                Epochs = epochs,
                LabelColumns = { ["age"] = "Age", ["income"] = "IncomeKey", ["gender"] = "Gender" },
                OutputColumns = { ["age"] = "PredictedAge", ["income"] = "IncomeScores", ["gender"] = "GenderScore" },
                PredictedLabelColumnName = "PredictedIncome",
            }));

    [TestMethod]
    public void AThreeHeadModelGivesThreeOutputColumnsThatLearn()
    {
        using var seeds = SeedScope.Begin(2);
        var ml = new MLContext(seed: 2);
        var data = ml.Data.LoadFromEnumerable(Posts(1500, 1));
        var fitted = SocialPipeline(ml, SocialModel(), epochs: 15).Fit(data);
        var scored = fitted.Transform(ml.Data.LoadFromEnumerable(Posts(300, 2)));
        Assert.AreEqual(NumberDataViewType.Single, scored.Schema["PredictedAge"].Type);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 3), scored.Schema["IncomeScores"].Type);
        Assert.AreEqual(NumberDataViewType.Single, scored.Schema["GenderScore"].Type);
        Assert.AreEqual(new KeyDataViewType(typeof(uint), 3), scored.Schema["PredictedIncome"].Type);
        VBuffer<ReadOnlyMemory<char>> keyValues = default, slotNames = default;
        scored.Schema["PredictedIncome"].GetKeyValues(ref keyValues);
        scored.Schema["IncomeScores"].GetSlotNames(ref slotNames);
        var keys = keyValues.DenseValues().Select(v => v.ToString()).ToList();
        CollectionAssert.AreEqual(keys, slotNames.DenseValues().Select(v => v.ToString()).ToList(), "the scores' slots are named after the classes");

        var test = Posts(300, 2);
        var income = scored.GetColumn<uint>("PredictedIncome").ToList();
        double incomeAccuracy = test.Zip(income).Count(p => keys[(int)p.Second - 1] == p.First.Income) / 300.0;
        double genderAccuracy = test.Zip(scored.GetColumn<float>("GenderScore")).Count(p => (p.Second > 0.5f) == (p.First.Gender == 1)) / 300.0;
        var ages = scored.GetColumn<float>("PredictedAge").ToList();
        double mae = test.Zip(ages).Average(p => Math.Abs(p.First.Age - p.Second));
        double baseline = test.Average(p => Math.Abs(p.Age - test.Average(q => q.Age)));
        Assert.IsGreaterThan(0.9, incomeAccuracy, $"income accuracy {incomeAccuracy:P1}");
        Assert.IsGreaterThan(0.9, genderAccuracy, $"gender accuracy {genderAccuracy:P1}");
        Assert.IsLessThan(baseline, mae, $"age MAE {mae:F1} against the mean's {baseline:F1}");
    }

    [TestMethod]
    public void APipelineSavedInOneZipLoadsBackWithIdenticalColumns()
    {
        using var dir = new TempDirectory();
        using var seeds = SeedScope.Begin(3);
        var ml = new MLContext(seed: 3);
        var data = ml.Data.LoadFromEnumerable(Posts(200, 3));
        var fitted = SocialPipeline(ml, SocialModel(), epochs: 2).Fit(data);
        string path = dir.File("pipeline.zip");
        ml.FunctionalDnn().Save(fitted, data.Schema, path);
        var loaded = ml.FunctionalDnn().Load(path, out var schema);
        CollectionAssert.AreEqual(data.Schema.Select(c => c.Name).ToArray(), schema.Select(c => c.Name).ToArray());
        var test = ml.Data.LoadFromEnumerable(Posts(50, 4));
        CollectionAssert.AreEqual(fitted.Transform(test).GetColumn<float[]>("IncomeScores").SelectMany(v => v).ToArray(),
            loaded.Transform(test).GetColumn<float[]>("IncomeScores").SelectMany(v => v).ToArray());
        foreach (var column in new[] { "PredictedAge", "GenderScore" })
            CollectionAssert.AreEqual(fitted.Transform(test).GetColumn<float>(column).ToArray(), loaded.Transform(test).GetColumn<float>(column).ToArray(), column);
        CollectionAssert.AreEqual(fitted.Transform(test).GetColumn<uint>("PredictedIncome").ToArray(), loaded.Transform(test).GetColumn<uint>("PredictedIncome").ToArray());
        VBuffer<ReadOnlyMemory<char>> keys = default;
        loaded.GetOutputSchema(schema)["PredictedIncome"].GetKeyValues(ref keys);
        CollectionAssert.AreEquivalent(Incomes, keys.DenseValues().Select(k => k.ToString()).ToArray(), "the key values survive the save");

        // ML.NET's own Save carries the network too; its own Load cannot rebuild it and says what to call.
        string plain = dir.File("plain.zip");
        ml.Model.Save(fitted, data.Schema, plain);
        var refused = Assert.Throws<Exception>(() => ml.Model.Load(plain, out _));
        StringAssert.Contains(Innermost(refused).Message, "mlContext.FunctionalDnn().Load(path, out var schema)");
        CollectionAssert.AreEqual(fitted.Transform(test).GetColumn<uint>("PredictedIncome").ToArray(),
            ml.FunctionalDnn().Load(plain, out _).Transform(test).GetColumn<uint>("PredictedIncome").ToArray());

        File.WriteAllBytes(dir.File("broken.zip"), File.ReadAllBytes(path)[..200]);
        var damaged = Assert.ThrowsExactly<InvalidDataException>(() => ml.FunctionalDnn().Load(dir.File("broken.zip"), out _));
        StringAssert.Contains(damaged.Message, "broken.zip is not a loadable ML.NET model, or it is damaged");
    }

    [TestMethod]
    public void ADamagedNetworkInAPipelineIsReportedWithThePipelinesName()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 8).Select(i => new Numbers { Features = [i, 1, 2], Label = i }).ToList());
        var fitted = ml.FunctionalDnn().Trainer(Regressor(), new FunctionalDnnOptions { Epochs = 1 }).Fit(data);
        var packed = PipelineSaving.Pack(fitted);
        using var damaged = new MemoryStream();
        using (var source = new System.IO.Compression.ZipArchive(new MemoryStream(packed)))
        using (var target = new System.IO.Compression.ZipArchive(damaged, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
            foreach (var entry in source.Entries)
            {
                using var from = entry.Open();
                var bytes = new MemoryStream();
                from.CopyTo(bytes);
                var content = bytes.ToArray();
                if (entry.Name == "model.fdnn") content = content[..(content.Length / 2)];   // a torn model file
                using var to = target.CreateEntry(entry.FullName).Open();
                to.Write(content);
            }
        var e = Assert.ThrowsExactly<InvalidDataException>(() => PipelineSaving.Unpack(damaged.ToArray(), "pipeline.zip"));
        StringAssert.StartsWith(e.Message, "pipeline.zip: the FunctionalDnn network in this pipeline is damaged");
        Assert.IsFalse(e.Message.Contains(Path.GetTempPath(), StringComparison.Ordinal), e.Message);
    }

    private static Exception Innermost(Exception e) => e.InnerException is null ? e : Innermost(e.InnerException);

    [TestMethod]
    public void AFailedSaveLeavesTheExistingFileUntouched()
    {
        using var dir = new TempDirectory();
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 8).Select(i => new Numbers { Features = [i, 1, 2], Label = i }).ToList());
        var good = ml.FunctionalDnn().Trainer(Regressor(), new FunctionalDnnOptions { Epochs = 1 }).Fit(data);
        string path = dir.File("model.zip");
        ml.FunctionalDnn().Save(good, data.Schema, path);
        var before = File.ReadAllBytes(path);

        // A Lambda without a function name cannot be saved: the save fails part-way.
        var x = Input([3], name: "Features");
        var lambdaModel = new Model(x, new Dense(1).Apply(new Lambda(t => Ops.Multiply(t, Tensor.Scalar(2))).Apply(x)));
        lambdaModel.Compile("sgd", "mse");
        var bad = ml.FunctionalDnn().Trainer(lambdaModel, new FunctionalDnnOptions { Epochs = 1 }).Fit(data);
        Assert.Throws<InvalidOperationException>(() => ml.FunctionalDnn().Save(bad, data.Schema, path));
        CollectionAssert.AreEqual(before, File.ReadAllBytes(path), "the earlier model is intact");
        Assert.HasCount(1, Directory.GetFiles(dir.Path), "no temporary file is left behind");
        Assert.IsNotNull(ml.FunctionalDnn().Load(path, out _));
    }

    public sealed class Numbers
    {
        [VectorType(3)]
        public float[] Features { get; set; } = [0, 0, 0];

        public float Label { get; set; }

        public string Note { get; set; } = "";
    }

    private static Model Regressor(int features = 3)
    {
        var x = Input([features], name: "Features");
        var model = new Model(x, new Dense(1).Apply(x));
        model.Compile("sgd", "mse");
        return model;
    }

    [TestMethod]
    public void ColumnProblemsAreReportedBeforeTrainingWithTheColumnAndTheModelInput()
    {
        var ml = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 8).Select(i => new Numbers { Features = [i, 1, 2], Label = i, Note = "n" }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);

        var missing = Assert.ThrowsExactly<ArgumentException>(() => ml.FunctionalDnn().Trainer(Regressor(), "Target").Fit(data));
        StringAssert.Contains(missing.Message, "label column 'Target'");

        var options = new FunctionalDnnOptions { InputColumns = { ["Features"] = "Note" } };
        var text = Assert.ThrowsExactly<ArgumentException>(() => ml.FunctionalDnn().Trainer(Regressor(), options).Fit(data));
        StringAssert.Contains(text.Message, "column 'Note' (String) for model input 'Features' holds text");

        var size = Assert.ThrowsExactly<ArgumentException>(() => ml.FunctionalDnn().Trainer(Regressor(4)).Fit(data));
        StringAssert.Contains(size.Message, "has 3 values per row; model input 'Features' expects (4) = 4");
        Assert.ThrowsExactly<ArgumentException>(() => ml.FunctionalDnn().Trainer(Regressor(), "Target").GetOutputSchema(ShapeOf<Numbers>(ml)),
            "GetOutputSchema checks the columns too");

        var uncompiled = Input([3], name: "Features");
        var raw = new Model(uncompiled, new Dense(1).Apply(uncompiled));
        Assert.ThrowsExactly<InvalidOperationException>(() => ml.FunctionalDnn().Trainer(raw));

        rows[5].Features[1] = float.NaN;
        var nan = Assert.ThrowsExactly<InvalidDataException>(() => ml.FunctionalDnn().Trainer(Regressor(), new FunctionalDnnOptions { Epochs = 1, Shuffle = false }).Fit(data));
        StringAssert.Contains(nan.Message, "Row 5: column 'Features'");
        StringAssert.Contains(nan.Message, "NaN");
    }

    /// <summary>The SchemaShape of rows of <typeparamref name="TRow"/>, from a public estimator (ML.NET's SchemaShape.Create is internal).</summary>
    internal static SchemaShape ShapeOf<TRow>(MLContext ml) where TRow : class, new() =>
        ml.Transforms.CustomMapping<NoColumns, TRow>((_, _) => { }, contractName: null).GetOutputSchema(new SchemaShape([]));

    public sealed class NoColumns;

    private sealed class Ids
    {
        [VectorType(4)]
        public int[] Tokens { get; set; } = [];

        public float Label { get; set; }
    }

    [TestMethod]
    public void AnIdOutsideTheEmbeddingIsReportedWithItsRowAndColumn()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new Ids { Tokens = [1, 2, 3, 4], Label = 1 }, new Ids { Tokens = [1, 2, 12, 4], Label = 0 } });
        var tokens = Input([4], DType.Int32, name: "Tokens");
        var model = new Model(tokens, new Dense(1).Apply(new Flatten().Apply(new Embedding(10, 2).Apply(tokens))));
        model.Compile("sgd", "mse");
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => ml.FunctionalDnn().Trainer(model, new FunctionalDnnOptions { Epochs = 1, Shuffle = false }).Fit(data));
        StringAssert.Contains(ex.Message, "Row 1: column 'Tokens'");
        StringAssert.Contains(ex.Message, "the id 12, outside the embedding's range [0, 10)");
    }
}
