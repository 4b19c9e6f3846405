using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.ML.FunctionalDnn.Tuning;

namespace Microsoft.ML.FunctionalDnn.Tests.Architecture;

/// <summary>
/// The backend seam holds: only the managed engine's folders touch tensor storage, and no public
/// member hands storage out. A second backend depends on both (issue 15; docs/architecture.md).
/// </summary>
[TestClass]
public sealed partial class EngineBoundaryTests
{
    /// <summary>Folders of the managed engine, where span views of storage are allowed.</summary>
    private static readonly string[] EngineFolders = ["Tensors", Path.Combine("Backends", "Managed")];

    [TestMethod]
    public void OnlyTheEngineTouchesTensorStorage()
    {
        var offenders = new List<string>();
        foreach (string project in new[] { "Microsoft.ML.FunctionalDnn", "Microsoft.ML.FunctionalDnn.Tuning" })
        {
            string root = Repository.File(project);
            foreach (string file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
            {
                string relative = Path.GetRelativePath(root, file);
                if (relative.StartsWith("obj", StringComparison.Ordinal) || relative.StartsWith("bin", StringComparison.Ordinal)) continue;
                if (project == "Microsoft.ML.FunctionalDnn" && EngineFolders.Any(f => relative.StartsWith(f + Path.DirectorySeparatorChar, StringComparison.Ordinal))) continue;
                var lines = File.ReadAllLines(file);
                for (int i = 0; i < lines.Length; i++)
                    if (StorageAccess().IsMatch(lines[i]) && !MLNetData().IsMatch(lines[i]))
                        offenders.Add($"{project}/{relative}:{i + 1}: {lines[i].Trim()}");
            }
        }
        Assert.AreEqual(0, offenders.Count, "Storage is reached outside the engine; use Ops, ToArray/CopyTo/FromArray, Assign or Backend.Current:\n" + string.Join("\n", offenders));
    }

    [TestMethod]
    public void NoPublicMemberReturnsAViewOfStorage()
    {
        var views = new[] { typeof(Span<>), typeof(ReadOnlySpan<>), typeof(Memory<>), typeof(ReadOnlyMemory<>), typeof(ArraySegment<>) };
        var exposed = new List<string>();
        foreach (var assembly in new[] { typeof(Tensor).Assembly, typeof(Tuner).Assembly })
            foreach (var type in assembly.GetExportedTypes())
                foreach (var member in type.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
                {
                    var returned = member switch
                    {
                        PropertyInfo p => p.PropertyType,
                        MethodInfo m => m.ReturnType,
                        FieldInfo f => f.FieldType,
                        _ => null,
                    };
                    if (returned is { IsGenericType: true } && views.Contains(returned.GetGenericTypeDefinition()))
                        exposed.Add($"{type.FullName}.{member.Name}");
                }
        Assert.AreEqual(0, exposed.Count, "Public members returning views: " + string.Join(", ", exposed));
    }

    [TestMethod]
    public void FromArrayCopiesRatherThanAliasing()
    {
        var values = new[] { 1f, 2f, 3f };
        var t = Tensor.FromArray(values);
        values[0] = 100;
        Assert.AreEqual(1f, t[0]);
    }

    // Span views, storage and the engine's allocation helpers; `.Data` also names ML.NET's data catalog.
    [GeneratedRegex(@"\.(Data|IntData|Storage)\b|Tensor\.(Empty|Persistent)\(|\.(LeafGradBuffer|AddInPlace)\(")]
    private static partial Regex StorageAccess();

    [GeneratedRegex(@"\b(ml|mlContext|context|_context|MLContext|env)\.Data\b|Microsoft\.(ML\.)?Data\b|new MLContext\([^)]*\)\.Data\b")]
    private static partial Regex MLNetData();
}
