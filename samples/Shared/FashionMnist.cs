namespace Microsoft.ML.FunctionalDnn.Samples;

/// <summary>
/// Fashion-MNIST (Zalando): 60,000 training and 10,000 test images of clothing, 28×28 grey, in 10
/// classes, read from the IDX files of Debian's <c>dataset-fashion-mnist</c> package
/// (/usr/share/datasets/fashion-mnist) or another folder. A source file shared by the samples that
/// use it (each links it with <c>&lt;Compile Include="../Shared/FashionMnist.cs" …/&gt;</c>) and by
/// the tests, which skip those samples when the files are missing.
/// </summary>
internal static class FashionMnist
{
    /// <summary>Where Debian's package puts the files.</summary>
    internal const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The class names, by label.</summary>
    internal static IReadOnlyList<string> ClassNames { get; } = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>True when the four files are in <paramref name="directory"/>.</summary>
    internal static bool IsAvailable(string directory = DefaultDirectory) => Files.All(f => Find(directory, f) is not null);

    private static readonly string[] Files = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    /// <summary>
    /// Images as (n, 28, 28, 1) floats in [0, 1] and labels as (n) int32, for the training set
    /// (<paramref name="train"/>) or the test set; at most <paramref name="limit"/> samples.
    /// </summary>
    /// <exception cref="FileNotFoundException">The files are missing (the message says how to install them).</exception>
    internal static (Tensor Images, Tensor Labels) Load(bool train, string directory = DefaultDirectory, int? limit = null)
    {
        string prefix = train ? "train" : "t10k";
        string images = Find(directory, $"{prefix}-images-idx3-ubyte") ?? throw Missing(directory);
        string labels = Find(directory, $"{prefix}-labels-idx1-ubyte") ?? throw Missing(directory);
        var (imageDims, pixels) = Idx.Read(images);
        var (labelDims, classes) = Idx.Read(labels);
        if (imageDims.Length != 3 || labelDims.Length != 1 || imageDims[0] != labelDims[0])
            throw new InvalidDataException($"{images} and {labels} do not match: images ({string.Join(", ", imageDims)}), labels ({string.Join(", ", labelDims)}).");
        int n = Math.Min(imageDims[0], limit ?? int.MaxValue), h = imageDims[1], w = imageDims[2];
        var x = new float[n * h * w];
        for (int i = 0; i < x.Length; i++) x[i] = pixels[i] / 255f;
        var y = new int[n];
        for (int i = 0; i < n; i++) y[i] = classes[i];
        return (Tensor.FromArray(x, new Shape(n, h, w, 1)), Tensor.FromArray(y));
    }

    private static string? Find(string directory, string name) =>
        new[] { name, name + ".gz" }.Select(f => Path.Combine(directory, f)).FirstOrDefault(File.Exists);

    private static FileNotFoundException Missing(string directory) =>
        new($"Fashion-MNIST was not found in {directory}. On Debian or Ubuntu install it with: sudo apt-get install -y dataset-fashion-mnist (or download the four IDX files from github.com/zalandoresearch/fashion-mnist into that folder).");
}
