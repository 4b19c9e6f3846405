using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Optimizers;
using Microsoft.ML.FunctionalDnn.Transforms;
using Microsoft.ML.Transforms.Image;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.MLNet;

/// <summary>How columns made by ML.NET's own transforms (word keys, pixels) feed model inputs.</summary>
[TestClass]
public sealed class ColumnFeedingTests
{
    public sealed class Sentence
    {
        public string Text { get; set; } = "";
    }

    /// <summary>The ids the estimator would feed for <paramref name="texts"/>, after ML.NET turned their words into keys fitted on <paramref name="vocabulary"/>.</summary>
    private static int[] Ids(string[] vocabulary, string[] texts, int length, SequencePadding padding, SequencePadding truncating)
    {
        var ml = new MLContext(seed: 1);
        var words = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text").Append(ml.Transforms.Conversion.MapValueToKey("Tokens"))
            .Fit(ml.Data.LoadFromEnumerable(vocabulary.Select(v => new Sentence { Text = v })));
        var data = words.Transform(ml.Data.LoadFromEnumerable(texts.Select(t => new Sentence { Text = t })));
        var binding = ColumnBinding.ForInput("tokens", data.Schema["Tokens"], new TensorShape([null, length]), DType.Int32, maxId: 10, padding, truncating);
        using var cursor = data.GetRowCursor(data.Schema);
        var batch = binding.NewBatch(cursor);
        batch.Clear(0);
        while (cursor.MoveNext()) batch.Add();
        return batch.ToTensor().ToIntArray();
    }

    [TestMethod]
    public void WordKeysArePaddedAndTruncatedLikeKerasPadSequences()
    {
        string[] vocabulary = ["a b c d e"];                 // keys a=1 … e=5; 0 = a word MapValueToKey never saw
        string[] texts = ["a b", "a b c d e", "b z"];
        CollectionAssert.AreEqual(new[] { 0, 0, 1, 2, /**/ 2, 3, 4, 5, /**/ 0, 0, 2, 0 }, Ids(vocabulary, texts, 4, SequencePadding.Pre, SequencePadding.Pre));
        CollectionAssert.AreEqual(new[] { 1, 2, 0, 0, /**/ 1, 2, 3, 4, /**/ 2, 0, 0, 0 }, Ids(vocabulary, texts, 4, SequencePadding.Post, SequencePadding.Post));
    }

    [TestMethod]
    public void AModelInputOfUnknownLengthIsPaddedToTheLongestRowOfEachBatch()
    {
        var ml = new MLContext(seed: 1);
        var words = ml.Transforms.Text.TokenizeIntoWords("Tokens", "Text").Append(ml.Transforms.Conversion.MapValueToKey("Tokens"));
        var data = words.Fit(ml.Data.LoadFromEnumerable([new Sentence { Text = "a b c" }, new Sentence { Text = "a" }])).Transform(ml.Data.LoadFromEnumerable([new Sentence { Text = "a b c" }, new Sentence { Text = "a" }]));
        var binding = ColumnBinding.ForInput("tokens", data.Schema["Tokens"], new TensorShape([null, null]), DType.Int32, maxId: null, SequencePadding.Pre, SequencePadding.Pre);
        using var cursor = data.GetRowCursor(data.Schema);
        var batch = binding.NewBatch(cursor);
        batch.Clear(0);
        while (cursor.MoveNext()) batch.Add();
        var tensor = batch.ToTensor();
        Assert.AreEqual(new Shape(2, 3), tensor.Shape);
        CollectionAssert.AreEqual(new[] { 1, 2, 3, 0, 0, 1 }, tensor.ToIntArray());
    }

    public sealed class Picture
    {
        public string File { get; set; } = "";

        public bool Red { get; set; }
    }

    /// <summary>Small PNG files, reddish or bluish with noise, written with ML.NET's MLImage.</summary>
    private static List<Picture> WritePictures(string folder, int count, int seed)
    {
        var r = new Random(seed);
        var rows = new List<Picture>();
        for (int i = 0; i < count; i++)
        {
            bool red = r.Next(2) == 0;
            var pixels = new byte[10 * 10 * 4];
            for (int p = 0; p < 100; p++)
            {
                pixels[p * 4 + 0] = (byte)(red ? r.Next(0, 100) : r.Next(150, 256));   // B
                pixels[p * 4 + 1] = (byte)r.Next(0, 256);                               // G
                pixels[p * 4 + 2] = (byte)(red ? r.Next(150, 256) : r.Next(0, 100));   // R
                pixels[p * 4 + 3] = 255;
            }
            string file = $"picture{seed}_{i}.png";
            using var image = MLImage.CreateFromPixels(10, 10, MLPixelFormat.Bgra32, pixels);
            image.Save(Path.Combine(folder, file));
            rows.Add(new Picture { File = file, Red = red });
        }
        return rows;
    }

    private static Model ColourModel()
    {
        LayerNames.Reset();
        var x = Input([8, 8, 3], name: "Pixels");
        var h = new GlobalAveragePooling2D().Apply(new Conv2D(4, 3, activation: "relu").Apply(x));
        var model = new Model(x, new Dense(1, "sigmoid", name: "red").Apply(h));
        model.Compile(new Adam(0.05f), "binary_crossentropy", metrics: ["accuracy"]);
        return model;
    }

    [TestMethod]
    public void PicturesOnDiskFeedAConv2DThroughLoadImagesResizeImagesAndExtractPixels()
    {
        using var dir = new TempDirectory();
        using var seeds = SeedScope.Begin(7);
        var ml = new MLContext(seed: 7);
        IEstimator<ITransformer> Pixels(bool interleave) => ml.Transforms.LoadImages("Image", dir.Path, "File")
            .Append(ml.Transforms.ResizeImages("Image", 8, 8))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Image", ImagePixelExtractingEstimator.ColorBits.Rgb, interleavePixelColors: interleave, scaleImage: 1f / 255));
        var train = ml.Data.LoadFromEnumerable(WritePictures(dir.Path, 60, 1));
        var options = new FunctionalDnnOptions { Epochs = 30, BatchSize = 16, LabelColumnName = "Red", Seed = 7 };

        var channelsFirst = Assert.ThrowsExactly<ArgumentException>(() => Pixels(false).Append(ml.FunctionalDnn().Trainer(ColourModel(), options)).Fit(train));
        StringAssert.Contains(channelsFirst.Message, "laid out as (3, 8, 8); model input 'Pixels' expects (8, 8, 3)");
        StringAssert.Contains(channelsFirst.Message, "interleavePixelColors: true");

        var fitted = Pixels(true).Append(ml.FunctionalDnn().Trainer(ColourModel(), options)).Fit(train);
        var test = WritePictures(dir.Path, 20, 2);
        var predicted = fitted.Transform(ml.Data.LoadFromEnumerable(test)).GetColumn<bool>("PredictedLabel").ToList();
        Assert.AreEqual(test.Count, predicted.Zip(test).Count(p => p.First == p.Second.Red), "every picture's colour is told apart");
    }
}
