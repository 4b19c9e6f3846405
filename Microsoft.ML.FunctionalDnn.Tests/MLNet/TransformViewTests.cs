using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Optimizers;
using Microsoft.ML.FunctionalDnn.Transforms;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.MLNet;

/// <summary>The transformer's lazy, batched view as ML.NET's consumers read it.</summary>
[TestClass]
public sealed class TransformViewTests
{
    public sealed class Row
    {
        [VectorType(2)]
        public float[] Features { get; set; } = [];

        public string Label { get; set; } = "";

        public int Id { get; set; }
    }

    public sealed class Scored
    {
        public int Id { get; set; }

        [VectorType(3)]
        public float[] Scores { get; set; } = [];

        public string PredictedClass { get; set; } = "";
    }

    private static readonly string[] Classes = ["left", "middle", "right"];

    private static List<Row> Rows(int count, int seed)
    {
        var r = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            float x = (float)r.NextDouble();
            return new Row { Features = [x, (float)r.NextDouble()], Label = Classes[Math.Min(2, (int)(x * 3))], Id = i };
        })];
    }

    /// <summary>A classifier whose Lambda layer counts the batches the model runs on.</summary>
    private static (Model Model, Func<int> Calls, Action Reset) CountingModel()
    {
        LayerNames.Reset();
        int calls = 0;
        var x = Input([2], name: "Features");
        var counted = new Lambda(t => { Interlocked.Increment(ref calls); return t; }, outputShape: s => s, name: "count").Apply(x);
        var model = new Model(x, new Dense(3, "softmax", name: "Scores").Apply(new Dense(16, "relu").Apply(counted)));
        model.Compile(new Adam(0.05f), "sparse_categorical_crossentropy");
        return (model, () => calls, () => calls = 0);
    }

    private static (MLContext Ml, ITransformer Fitted, Func<int> Calls, Action Reset) Fit(int batchSize = 32)
    {
        using var seeds = SeedScope.Begin(8);
        var ml = new MLContext(seed: 8);
        var (model, calls, reset) = CountingModel();
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.FunctionalDnn().Trainer(model, new FunctionalDnnOptions { Epochs = 30, BatchSize = batchSize, Seed = 8 }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedClass", "PredictedLabel"));
        var fitted = pipeline.Fit(ml.Data.LoadFromEnumerable(Rows(300, 1)));
        reset();
        return (ml, fitted, calls, reset);
    }

    [TestMethod]
    public void TransformIsLazyAndRunsTheModelOncePerBatchOfRows()
    {
        var (ml, fitted, calls, _) = Fit(batchSize: 32);
        // Our transformer's own view (ML.NET's transforms after it may read ahead on worker threads).
        var parts = ((IEnumerable<ITransformer>)fitted).ToList();
        var scored = parts[1].Transform(parts[0].Transform(ml.Data.LoadFromEnumerable(Rows(100, 2))));
        Assert.AreEqual(0, calls(), "nothing is predicted until a cursor moves");
        using (var cursor = scored.GetRowCursor(scored.Schema))
        {
            Assert.IsTrue(cursor.MoveNext());
            Assert.AreEqual(1, calls(), "the first row predicts the first batch");
            for (int i = 1; i < 32; i++) Assert.IsTrue(cursor.MoveNext());
            Assert.AreEqual(1, calls(), "rows 2 … 32 come from the same batch");
            int rows = 32;
            while (cursor.MoveNext()) rows++;
            Assert.AreEqual(100, rows);
        }
        Assert.AreEqual(4, calls(), "100 rows in batches of 32");
        _ = scored.GetColumn<int>("Id").ToList();
        Assert.AreEqual(4, calls(), "a cursor that reads only input columns runs no model");
    }

    [TestMethod]
    public void CursorSetsCacheCreateEnumerableAndDownstreamTransformsAgree()
    {
        var (ml, fitted, _, _) = Fit();
        var scored = fitted.Transform(ml.Data.LoadFromEnumerable(Rows(150, 3)));
        var expected = ml.Data.CreateEnumerable<Scored>(scored, reuseRowObject: false).ToList();
        Assert.HasCount(150, expected);
        CollectionAssert.AreEqual(Enumerable.Range(0, 150).ToList(), expected.Select(e => e.Id).ToList(), "pass-through columns stay with their rows");
        double accuracy = expected.Zip(Rows(150, 3)).Count(p => p.First.PredictedClass == p.Second.Label) / 150.0;
        Assert.IsGreaterThan(0.9, accuracy, $"accuracy {accuracy:P1}");

        // ML.NET's transforms ask for several cursors at once; all rows arrive, once each, with their own predictions.
        var cursors = scored.GetRowCursorSet(scored.Schema, 4);
        var seen = new List<(int Id, float First)>();
        foreach (var cursor in cursors)
        {
            var id = cursor.GetGetter<int>(scored.Schema["Id"]);
            var scores = cursor.GetGetter<VBuffer<float>>(scored.Schema["Scores"]);
            int i = 0;
            VBuffer<float> s = default;
            while (cursor.MoveNext())
            {
                id(ref i);
                scores(ref s);
                seen.Add((i, s.GetValues()[0]));
            }
            cursor.Dispose();
        }
        CollectionAssert.AreEqual(expected.Select(e => (e.Id, e.Scores[0])).ToList(), seen.OrderBy(p => p.Id).ToList());

        var cached = ml.Data.Cache(scored);
        CollectionAssert.AreEqual(expected.Select(e => e.PredictedClass).ToList(), cached.GetColumn<string>("PredictedClass").ToList());
        CollectionAssert.AreEqual(expected.Select(e => e.PredictedClass).ToList(), cached.GetColumn<string>("PredictedClass").ToList(), "a second pass over the cache");
        var shuffled = ml.Data.ShuffleRows(scored, seed: 1);
        CollectionAssert.AreEquivalent(expected.Select(e => e.Id).ToList(), shuffled.GetColumn<int>("Id").ToList());
        var concatenated = ml.Transforms.Concatenate("All", "Features", "Scores").Fit(scored).Transform(scored);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 5), concatenated.Schema["All"].Type);
        Assert.AreEqual(expected[7].Scores[2], concatenated.GetColumn<float[]>("All").ElementAt(7)[4]);
    }

    [TestMethod]
    public void APredictionEngineOnAChainThroughTheTransformerAgreesWithTheBatchedView()
    {
        var (ml, fitted, calls, reset) = Fit();
        var rows = Rows(20, 4);
        var batched = ml.Data.CreateEnumerable<Scored>(fitted.Transform(ml.Data.LoadFromEnumerable(rows)), reuseRowObject: false).ToList();
        var engine = ml.Model.CreatePredictionEngine<Row, Scored>(fitted);
        reset();
        for (int i = 0; i < rows.Count; i++)
        {
            var single = engine.Predict(rows[i]);
            Assert.AreEqual(batched[i].PredictedClass, single.PredictedClass, $"row {i}");
            for (int k = 0; k < 3; k++) Assert.AreEqual(batched[i].Scores[k], single.Scores[k], 1e-6, $"row {i}, class {k}");
        }
        Assert.AreEqual(rows.Count, calls(), "one model run per predicted row, whatever the number of columns read");
    }

    [TestMethod]
    public void GetOutputSchemaPromisesExactlyTheColumnsTransformGives()
    {
        var ml = new MLContext(seed: 1);
        var (model, _, _) = CountingModel();
        var estimator = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.FunctionalDnn().Trainer(model, new FunctionalDnnOptions { Epochs = 1, Seed = 1 }));
        var shape = estimator.GetOutputSchema(FunctionalDnnEstimatorTests.ShapeOf<Row>(ml));
        var data = ml.Data.LoadFromEnumerable(Rows(40, 5));
        var schema = estimator.Fit(data).Transform(data).Schema;
        foreach (var name in new[] { "Scores", "PredictedLabel" })
        {
            var promised = shape.Single(c => c.Name == name);
            var given = schema[name];
            var kind = given.Type is VectorDataViewType v ? v.IsKnownSize ? SchemaShape.Column.VectorKind.Vector : SchemaShape.Column.VectorKind.VariableVector : SchemaShape.Column.VectorKind.Scalar;
            Assert.AreEqual(kind, promised.Kind, name);
            Assert.AreEqual(given.Type is KeyDataViewType, promised.IsKey, name);
            Assert.AreEqual((given.Type as VectorDataViewType)?.ItemType.RawType ?? given.Type.RawType, promised.ItemType.RawType, name);
            CollectionAssert.AreEquivalent(given.Annotations.Schema.Select(a => a.Name).ToList(), promised.Annotations.Select(a => a.Name).ToList(), name);
        }
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 3), schema["Scores"].Type);
        Assert.AreEqual(new KeyDataViewType(typeof(uint), 3), schema["PredictedLabel"].Type);
    }
}
