using Microsoft.ML;
using Microsoft.ML.Data;

namespace Microsoft.ML.FunctionalDnn.Tests.Shim;

[TestClass]
public sealed class DataViewTests
{
    private sealed class Story
    {
        public string Text { get; set; } = "";

        [ColumnName("Label")]
        public string Answer { get; set; } = "";

        [VectorType(3)]
        public float[] Features { get; set; } = [];

        [KeyType(10)]
        public uint Category { get; set; }

        public int Count;

        public bool Flag { get; set; }

        [NoColumn]
        public string Ignored { get; set; } = "x";
    }

    private static List<Story> Stories(int n) => [.. Enumerable.Range(0, n).Select(i => new Story
    {
        Text = $"story {i}",
        Answer = i % 2 == 0 ? "even" : "odd",
        Features = [i, i * 2, i * 3],
        Category = (uint)(i % 10 + 1),
        Count = i,
        Flag = i % 3 == 0,
    })];

    [TestMethod]
    public void TypesAreSingletonsAndVectorsCompareByShape()
    {
        Assert.AreSame(NumberDataViewType.Single, NumberDataViewType.ForRawType(typeof(float)));
        Assert.AreEqual(typeof(ReadOnlyMemory<char>), TextDataViewType.Instance.RawType);
        Assert.AreEqual("Single", NumberDataViewType.Single.ToString());
        var image = new VectorDataViewType(NumberDataViewType.Single, 28, 28, 1);
        Assert.AreEqual(784, image.Size);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 28, 28, 1), image);
        Assert.AreNotEqual(new VectorDataViewType(NumberDataViewType.Single, 784), image);
        Assert.AreEqual("Vector<Single, 28, 28, 1>", image.ToString());
        Assert.AreEqual(typeof(VBuffer<float>), image.RawType);
        Assert.IsFalse(new VectorDataViewType(NumberDataViewType.Single).IsKnownSize);
        Assert.ThrowsExactly<ArgumentException>(() => new KeyDataViewType(typeof(int), 3));
        Assert.AreEqual(new KeyDataViewType(typeof(uint), 5), new KeyDataViewType(typeof(uint), 5));
    }

    [TestMethod]
    public void LoadFromEnumerableMapsMembersToTypedColumns()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Stories(5));
        // Fields first, then properties, as ML.NET orders them.
        CollectionAssert.AreEqual(new[] { "Count", "Text", "Label", "Features", "Category", "Flag" }, data.Schema.Select(c => c.Name).ToArray());
        Assert.AreSame(TextDataViewType.Instance, data.Schema["Text"].Type);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 3), data.Schema["Features"].Type);
        Assert.AreEqual(new KeyDataViewType(typeof(uint), 10), data.Schema["Category"].Type);
        Assert.AreSame(NumberDataViewType.Int32, data.Schema["Count"].Type);
        Assert.AreEqual(5L, data.GetRowCount());

        using var cursor = data.GetRowCursor(data.Schema);
        var text = cursor.GetGetter<ReadOnlyMemory<char>>(data.Schema["Text"]);
        var features = cursor.GetGetter<VBuffer<float>>(data.Schema["Features"]);
        Assert.AreEqual(-1, cursor.Position);
        Assert.IsTrue(cursor.MoveNext());
        Assert.IsTrue(cursor.MoveNext());
        ReadOnlyMemory<char> t = default;
        text(ref t);
        Assert.AreEqual("story 1", t.ToString());
        VBuffer<float> f = default;
        features(ref f);
        CollectionAssert.AreEqual(new[] { 1f, 2f, 3f }, f.DenseValues().ToArray());
        Assert.AreEqual(1, cursor.Position);

        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => cursor.GetGetter<float>(data.Schema["Count"]));
        StringAssert.Contains(ex.Message, "'Count' is of type Int32");
        using var narrow = data.GetRowCursor([data.Schema["Text"]]);
        Assert.ThrowsExactly<InvalidOperationException>(() => narrow.GetGetter<int>(data.Schema["Count"]));
    }

    [TestMethod]
    public void CursorsAreRepeatableAndCreateEnumerableRoundTrips()
    {
        var ml = new MLContext(seed: 1);
        var stories = Stories(6);
        var data = ml.Data.LoadFromEnumerable(stories);
        var first = data.GetColumn<string>("Text").ToArray();
        CollectionAssert.AreEqual(first, data.GetColumn<string>("Text").ToArray());
        CollectionAssert.AreEqual(new[] { 0f, 0, 0, 1, 2, 3 }, data.GetColumn<float[]>("Features").Take(2).SelectMany(v => v).ToArray());

        var back = ml.Data.CreateEnumerable<Story>(data, reuseRowObject: false).ToList();
        Assert.HasCount(6, back);
        for (int i = 0; i < 6; i++)
        {
            Assert.AreEqual(stories[i].Text, back[i].Text);
            Assert.AreEqual(stories[i].Answer, back[i].Answer);
            CollectionAssert.AreEqual(stories[i].Features, back[i].Features);
            Assert.AreEqual(stories[i].Category, back[i].Category);
            Assert.AreEqual(stories[i].Count, back[i].Count);
            Assert.AreEqual("x", back[i].Ignored);
        }
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Data.CreateEnumerable<Other>(data, false).ToList());
        StringAssert.Contains(ex.Message, "needs a column 'Missing'");
        Assert.HasCount(6, ml.Data.CreateEnumerable<Other>(data, false, ignoreMissingColumns: true).ToList());
    }

    private sealed class Other
    {
        public string Text { get; set; } = "";

        public float Missing { get; set; }
    }

    [TestMethod]
    public void TrainTestSplitIsDeterministicDisjointAndComplete()
    {
        var ml = new MLContext(seed: 3);
        var data = ml.Data.LoadFromEnumerable(Stories(1000));
        var split = ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: 5);
        var train = split.TrainSet.GetColumn<int>("Count").ToList();
        var test = split.TestSet.GetColumn<int>("Count").ToList();
        Assert.AreEqual(1000, train.Count + test.Count);
        Assert.IsFalse(train.Intersect(test).Any());
        Assert.IsTrue(test.Count is > 150 and < 250, $"{test.Count} test rows of 1000 at 0.2");
        Assert.AreEqual((long)test.Count, split.TestSet.GetRowCount());
        CollectionAssert.AreEqual(test, ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: 5).TestSet.GetColumn<int>("Count").ToList());
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Data.TrainTestSplit(data, testFraction: 1));
    }

    [TestMethod]
    public void ShuffleCacheTakeAndSkip()
    {
        var ml = new MLContext(seed: 3);
        var data = ml.Data.LoadFromEnumerable(Stories(50));
        var shuffled = ml.Data.ShuffleRows(data, seed: 1, shufflePoolSize: 10).GetColumn<int>("Count").ToList();
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 50).ToList(), shuffled);
        CollectionAssert.AreNotEqual(Enumerable.Range(0, 50).ToList(), shuffled);
        CollectionAssert.AreEqual(shuffled, ml.Data.ShuffleRows(data, seed: 1, shufflePoolSize: 10).GetColumn<int>("Count").ToList());

        var cached = ml.Data.Cache(data);
        Assert.IsTrue(cached.CanShuffle);
        CollectionAssert.AreEqual(data.GetColumn<float[]>("Features").SelectMany(v => v).ToArray(), cached.GetColumn<float[]>("Features").SelectMany(v => v).ToArray());
        CollectionAssert.AreEqual(new[] { 0, 1, 2 }, ml.Data.TakeRows(data, 3).GetColumn<int>("Count").ToArray());
        CollectionAssert.AreEqual(new[] { 48, 49 }, ml.Data.SkipRows(data, 48).GetColumn<int>("Count").ToArray());
        Assert.AreEqual(2L, ml.Data.SkipRows(data, 48).GetRowCount());
    }

    [TestMethod]
    public void SchemaBuilderHidesEarlierColumnsOfTheSameNameAndPreviewShowsRows()
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("A", NumberDataViewType.Single);
        builder.AddColumn("B", TextDataViewType.Instance);
        builder.AddColumn("A", NumberDataViewType.Double);
        var schema = builder.ToSchema();
        Assert.AreEqual(3, schema.Count);
        Assert.IsTrue(schema[0].IsHidden);
        Assert.AreEqual(2, schema["A"].Index);
        Assert.IsNull(schema.GetColumnOrNull("C"));
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => schema["C"]);
        StringAssert.Contains(ex.Message, "Columns: [B, A]");

        var ml = new MLContext();
        var preview = ml.Data.LoadFromEnumerable(Stories(3)).Preview(maxRows: 2);
        Assert.HasCount(2, preview.RowView);
        Assert.AreEqual("story 1", preview.RowView[1].Values.Single(v => v.Key == "Text").Value);
        StringAssert.Contains(preview.ToString(), "0 | story 0 | even | [0, 0, 0] | 1 | True");
    }
}
