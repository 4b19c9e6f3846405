namespace Microsoft.ML.FunctionalDnn.Tests.Notebooks;

/// <summary>
/// Every notebook's twin in samples/apps runs as a .NET 10 file-based app, as a user runs it
/// (<c>dotnet run -c Release samples/apps/name.cs</c>, its <c>#:project</c> directive pointing at
/// the library in this repository). File-based apps turn System.Text.Json's reflection default off,
/// so these runs also keep the library's configs and metadata serializable there.
/// </summary>
[TestClass]
public sealed class FileBasedAppTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    public static IEnumerable<object[]> Apps() =>
    [
        ["functional-api-tour.cs", "model picture:"],
        ["dataframe-to-mlnet.cs", "segment: accuracy"],
        ["question-answering.cs", "accuracy on 500 new stories"],
    ];

    [TestMethod]
    public void EveryNotebookHasATwin()
    {
        var notebooks = Directory.GetFiles(Repository.File("samples", "notebooks"), "*.ipynb").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal);
        var apps = Directory.GetFiles(Repository.File("samples", "apps"), "*.cs").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal);
        CollectionAssert.AreEqual(notebooks.ToArray(), apps.ToArray());
        CollectionAssert.AreEquivalent(apps.ToArray(), Apps().Select(a => Path.GetFileNameWithoutExtension((string)a[0])).ToArray());
    }

    [TestMethod]
    [DynamicData(nameof(Apps))]
    public void AppRunsToTheEnd(string app, string lastLine)
    {
        // The samples' environment: no FUNCTIONALDNN_BACKEND, as the apps reference the library only (the managed engine).
        using var directory = new TempDirectory();
        string output = Samples.SampleRunner.RunDotnet(directory.Path, app, Timeout, ["run", "-c", "Release", Repository.File("samples", "apps", app)]);
        StringAssert.Contains(output, lastLine);
        if (app == "functional-api-tour.cs")
        {
            // The PNG through the Plotting package's #:project reference (SkiaSharp's native library loads in a file-based app).
            byte[] png = File.ReadAllBytes(Path.Combine(directory.Path, "tour-history.png"));
            CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        }
    }
}
