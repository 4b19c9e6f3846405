using Microsoft.ML;
using Microsoft.ML.Data;

namespace Microsoft.ML.FunctionalDnn.Tests.Shim;

[TestClass]
public sealed class TransformsTests
{
    private sealed class Row
    {
        [VectorType(2)]
        public float[] X { get; set; } = [];

        public string Color { get; set; } = "";
    }

    [TestMethod]
    public void NormalizersScaleEachSlotAndKeysRoundTrip()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[] { new Row { X = [2, -10], Color = "red" }, new Row { X = [4, 10], Color = "blue" }, new Row { X = [-8, 0], Color = "red" } });
        var minMax = ml.Transforms.NormalizeMinMax("Xn", "X").Fit(data).Transform(data).GetColumn<float[]>("Xn").ToList();
        CollectionAssert.AreEqual(new[] { 0.25f, -1f }, minMax[0]);
        CollectionAssert.AreEqual(new[] { -1f, 0f }, minMax[2]);
        var zeroOne = ml.Transforms.NormalizeMinMax("Xn", "X", fixZero: false).Fit(data).Transform(data).GetColumn<float[]>("Xn").ToList();
        Assert.AreEqual(5f / 6, zeroOne[0][0], 1e-6f);
        Assert.AreEqual(0f, zeroOne[0][1]);
        var standardized = ml.Transforms.NormalizeMeanVariance("Xn", "X", fixZero: false).Fit(data).Transform(data).GetColumn<float[]>("Xn").ToList();
        Assert.AreEqual(0, standardized.Sum(v => v[1]), 1e-5);
        Assert.AreEqual(3, standardized.Sum(v => v[1] * v[1]), 1e-4, "unit variance");

        var keyed = ml.Transforms.Conversion.MapValueToKey("Key", "Color").Append(ml.Transforms.Conversion.MapKeyToValue("Back", "Key")).Fit(data).Transform(data);
        CollectionAssert.AreEqual(new uint[] { 1, 2, 1 }, keyed.GetColumn<uint>("Key").ToArray());
        CollectionAssert.AreEqual(new[] { "red", "blue", "red" }, keyed.GetColumn<string>("Back").ToArray());
        var ex = Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.NormalizeMinMax("C", "Color").Fit(data));
        StringAssert.Contains(ex.Message, "must hold Single values");
    }

    private sealed class CsvRow
    {
        [LoadColumn(0)]
        public string Name { get; set; } = "";

        [LoadColumn(1, 3)]
        [VectorType(3)]
        public float[] Values { get; set; } = [];

        [LoadColumn(4)]
        public bool Flag { get; set; }
    }

    [TestMethod]
    public void LoadFromTextFileReadsFieldsVectorsAndQuotes()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("data.csv"), "name,a,b,c,flag\n\"Smith, J\",1,2,3,true\nDoe,4,x,6,0\n");
        var ml = new MLContext();
        var data = ml.Data.LoadFromTextFile<CsvRow>(dir.File("data.csv"), separatorChar: ',', hasHeader: true, allowQuoting: true);
        var rows = ml.Data.CreateEnumerable<CsvRow>(data, reuseRowObject: false).ToList();
        Assert.HasCount(2, rows);
        Assert.AreEqual("Smith, J", rows[0].Name);
        CollectionAssert.AreEqual(new[] { 1f, 2f, 3f }, rows[0].Values);
        Assert.IsTrue(float.IsNaN(rows[1].Values[1]), "a field that does not parse is missing");
        Assert.IsTrue(rows[0].Flag);
        Assert.IsFalse(rows[1].Flag);
        Assert.ThrowsExactly<FileNotFoundException>(() => ml.Data.LoadFromTextFile<CsvRow>(dir.File("none.csv")));
    }

    private sealed class ImageRow
    {
        public string File { get; set; } = "";
    }

    [TestMethod]
    public void NetpbmImagesLoadAsScaledPixelVectors()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("a.pgm"), [.. "P5\n# grey\n3 2\n255\n"u8.ToArray(), 0, 51, 102, 153, 204, 255]);
        File.WriteAllText(dir.File("b.pgm"), "P2 3 2 10\n0 1 2\n3 4 10\n");
        File.WriteAllBytes(dir.File("small.pgm"), [.. "P5 2 2 255\n"u8.ToArray(), 1, 2, 3, 4]);
        var ml = new MLContext();
        var data = ml.Data.LoadFromEnumerable(new[] { new ImageRow { File = "a.pgm" }, new ImageRow { File = "b.pgm" } });
        var loader = ml.Transforms.LoadNetpbmImages("Pixels", dir.Path, "File", height: 2, width: 3);
        var images = loader.Fit(data).Transform(data);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 2, 3, 1), images.Schema["Pixels"].Type);
        var pixels = images.GetColumn<float[]>("Pixels").ToList();
        CollectionAssert.AreEqual(new[] { 0f, 0.2f, 0.4f, 0.6f, 0.8f, 1f }, pixels[0]);
        CollectionAssert.AreEqual(new[] { 0f, 0.1f, 0.2f, 0.3f, 0.4f, 1f }, pixels[1]);
        var wrong = ml.Data.LoadFromEnumerable(new[] { new ImageRow { File = "small.pgm" } });
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => loader.Transform(wrong).GetColumn<float[]>("Pixels").ToList());
        StringAssert.Contains(ex.Message, "small.pgm: the image is 2×2×1; column 'Pixels' expects 2×3×1");
    }
}
