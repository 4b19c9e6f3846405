using System.Diagnostics;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Documents.Jupyter;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;
using Microsoft.DotNet.Interactive.PackageManagement;

namespace Microsoft.ML.FunctionalDnn.Tests.Notebooks;

/// <summary>
/// Every notebook in samples/notebooks runs, cell by cell in order, in an in-process .NET
/// Interactive C# kernel against the library build under test: the library is packed into a local
/// folder feed under a version of this run, and each notebook's
/// <c>#r "nuget: Microsoft.ML.FunctionalDnn, …"</c> line is pointed at it. A failing cell fails the
/// test with its number and the compiler's or runtime's message; the executed notebook, with its
/// outputs, is written under TestResults/notebooks.
/// </summary>
[TestClass]
public sealed class NotebookTests
{
    private const string Package = "Microsoft.ML.FunctionalDnn";
    private static readonly TimeSpan CellTimeout = TimeSpan.FromMinutes(5);
    private static string? s_feed;
    private static string? s_version;

    public static IEnumerable<object[]> Notebooks() =>
        Directory.GetFiles(Repository.File("samples", "notebooks"), "*.ipynb").Order(StringComparer.Ordinal).Select(p => new object[] { Path.GetFileName(p) });

    [TestMethod]
    [DynamicData(nameof(Notebooks))]
    public Task NotebookRunsCellByCell(string notebook) => Run(Repository.File("samples", "notebooks", notebook));

    [TestMethod]
    public async Task ABrokenCellFailsWithItsNumberAndTheCompilersMessage()
    {
        string path = Path.Combine(Path.GetTempPath(), $"fdnn_broken_{Guid.NewGuid():N}.ipynb");
        var broken = new InteractiveDocument
        {
            new InteractiveDocumentElement("var x = 1;", "csharp"),
            new InteractiveDocumentElement("var y = x.NoSuchMember;", "csharp"),
        };
        await File.WriteAllTextAsync(path, broken.ToJupyterJson("C#"));
        try
        {
            var e = await Assert.ThrowsExactlyAsync<AssertFailedException>(() => Run(path));
            StringAssert.Contains(e.Message, "cell 2");
            StringAssert.Contains(e.Message, "NoSuchMember");
        }
        finally
        {
            File.Delete(path);
            File.Delete(Path.Combine(Repository.File("TestResults"), "notebooks", Path.GetFileName(path)));
        }
    }

    private static async Task Run(string path)
    {
        string notebook = Path.GetFileName(path);
        var (feed, version) = PackOnce();
        var document = Notebook.Parse(await File.ReadAllTextAsync(path));
        Formatter.ResetToDefault();
        using var kernel = new CSharpKernel().UseNugetDirective((k, references) =>
        {
            k.AddAssemblyReferences(references.SelectMany(r => r.AssemblyPaths));
            return Task.CompletedTask;
        });
        string workingDirectory = Path.Combine(Path.GetTempPath(), $"fdnn_nb_{Guid.NewGuid():N}");
        Directory.CreateDirectory(workingDirectory);
        string previous = Environment.CurrentDirectory;
        Environment.CurrentDirectory = workingDirectory;   // the notebook's relative paths (logs, pictures) land here
        try
        {
            await Submit(kernel, $"#i \"nuget: {feed}\"", "the local feed");
            int number = 0;
            foreach (var cell in document.Elements)
            {
                number++;
                if (cell.KernelName is not (null or "csharp")) continue;
                string code = PointAtTheBuild(cell.Contents, version);
                var outputs = await Submit(kernel, code, $"{notebook}, cell {number}");
                cell.Outputs.Clear();
                cell.Outputs.AddRange(outputs);
            }
        }
        finally
        {
            Environment.CurrentDirectory = previous;
            string executed = Path.Combine(Repository.File("TestResults"), "notebooks", notebook);
            Directory.CreateDirectory(Path.GetDirectoryName(executed)!);
            await File.WriteAllTextAsync(executed, document.ToJupyterJson());
            Formatter.ResetToDefault();
        }
    }

    /// <summary>Runs one submission; fails on an error diagnostic or a failed command, naming <paramref name="where"/>. Returns the outputs for the executed notebook.</summary>
    private static async Task<List<InteractiveDocumentOutputElement>> Submit(Kernel kernel, string code, string where)
    {
        var run = kernel.SendAsync(new SubmitCode(code));
        if (await Task.WhenAny(run, Task.Delay(CellTimeout)) != run)
            throw new AssertFailedException($"{where} did not finish within {CellTimeout.TotalMinutes:F0} min.");
        var result = await run;
        var outputs = new List<InteractiveDocumentOutputElement>();
        var displayed = new Dictionary<string, int>();   // a display's value id → its output, which later updates replace (the restore progress)
        foreach (var e in result.Events)
        {
            switch (e)
            {
                case DiagnosticsProduced d when d.Diagnostics.Any(x => x.Severity == CodeAnalysis.DiagnosticSeverity.Error):
                    throw new AssertFailedException($"{where}: {string.Join("; ", d.Diagnostics.Where(x => x.Severity == CodeAnalysis.DiagnosticSeverity.Error).Select(x => x.Message))}\n{code}");
                case CommandFailed f:
                    throw new AssertFailedException($"{where} failed: {f.Message}\n{code}");
                case StandardOutputValueProduced o:
                    outputs.Add(new TextElement(string.Concat(o.FormattedValues.Where(v => v.MimeType == PlainTextFormatter.MimeType).Select(v => v.Value))));
                    break;
                case DisplayEvent d:
                    var element = new DisplayElement(d.FormattedValues.ToDictionary(v => v.MimeType, v => (object)v.Value));
                    if (d.ValueId is { } id && displayed.TryGetValue(id, out int at)) outputs[at] = element;
                    else
                    {
                        if (d.ValueId is { } newId) displayed[newId] = outputs.Count;
                        outputs.Add(element);
                    }
                    break;
            }
        }
        return outputs;
    }

    /// <summary>The notebook's <c>#r "nuget: Microsoft.ML.FunctionalDnn…, …"</c> lines (the library, its Plotting package) with this run's packed version.</summary>
    private static string PointAtTheBuild(string code, string version) =>
        System.Text.RegularExpressions.Regex.Replace(code, $@"#r\s+""nuget:\s*({System.Text.RegularExpressions.Regex.Escape(Package)}(\.Plotting)?)\s*,\s*[^""]+""", m => $"#r \"nuget: {m.Groups[1].Value}, {version}\"");

    /// <summary>Packs the built library and its Plotting package once per test run, under a version of their own so no NuGet cache serves an older build.</summary>
    private static (string Feed, string Version) PackOnce()
    {
        lock (typeof(NotebookTests))
        {
            if (s_feed is not null) return (s_feed, s_version!);
            string version = $"1.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
            string feed = Path.Combine(Path.GetTempPath(), $"fdnn_feed_{Guid.NewGuid():N}");
            foreach (string project in new[] { Package, Package + ".Plotting" })
            {
                var start = new ProcessStartInfo("dotnet", ["pack", Repository.File(project, project + ".csproj"), "-c", "Release", "--no-build", "-o", feed, $"-p:PackageVersion={version}"])
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                };
                using var process = Process.Start(start)!;
                string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
                process.WaitForExit();
                Assert.AreEqual(0, process.ExitCode, $"dotnet pack {project} failed:\n{output}");
            }
            (s_feed, s_version) = (feed, version);
            return (feed, version);
        }
    }
}
