namespace Microsoft.ML.FunctionalDnn.Tests;

/// <summary>Paths in the repository the tests run from, found from the test binaries upwards.</summary>
internal static class Repository
{
    /// <summary>The first folder above the test binaries that holds FunctionalDnn.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>A path under the repository's root.</summary>
    public static string File(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (System.IO.File.Exists(Path.Combine(d.FullName, "FunctionalDnn.sln"))) return d.FullName;
        throw new InvalidOperationException($"FunctionalDnn.sln was not found above {AppContext.BaseDirectory}.");
    }
}
