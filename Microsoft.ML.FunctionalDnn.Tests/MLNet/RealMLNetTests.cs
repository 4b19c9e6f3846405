using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.ML;

namespace Microsoft.ML.FunctionalDnn.Tests.MLNet;

/// <summary>The library runs on Microsoft's ML.NET packages, and nothing in the solution poses as one of its assemblies.</summary>
[TestClass]
public sealed partial class RealMLNetTests
{
    [TestMethod]
    public void MLContextComesFromMicrosoftsSignedPackage()
    {
        var assembly = typeof(MLContext).Assembly.GetName();
        Assert.AreEqual("Microsoft.ML.Data", assembly.Name);
        Assert.AreEqual("cc7b13ffcd2ddd51", Convert.ToHexStringLower(assembly.GetPublicKeyToken()!), "Microsoft's public key token");
        Assert.AreEqual("5.0.1", typeof(MLContext).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .Cast<System.Reflection.AssemblyInformationalVersionAttribute>().Single().InformationalVersion.Split('+')[0], "Microsoft.ML 5.0.1");
        StringAssert.Contains(typeof(MLContext).Assembly.Location.Replace('\\', '/'), "/net10.0/", "loaded beside the tests, copied from the NuGet package");
    }

    [TestMethod]
    public void NoProjectInTheSolutionBuildsAnAssemblyNamedLikeMLNets()
    {
        var projects = ProjectPattern().Matches(File.ReadAllText(Repository.File("FunctionalDnn.sln"))).Select(m => m.Groups[1].Value.Replace('\\', '/')).ToList();
        Assert.IsGreaterThan(5, projects.Count);
        foreach (var project in projects)
        {
            var xml = XDocument.Load(Repository.File(project));
            string name = xml.Descendants("AssemblyName").FirstOrDefault()?.Value ?? Path.GetFileNameWithoutExtension(project);
            Assert.IsFalse(name == "Microsoft.ML" || (name.StartsWith("Microsoft.ML.", StringComparison.Ordinal) && !name.StartsWith("Microsoft.ML.FunctionalDnn", StringComparison.Ordinal)),
                $"{project} builds an assembly named '{name}', a name of ML.NET's own");
        }
        string shim = Repository.File("Microsoft.ML.Shim");
        Assert.IsFalse(Directory.Exists(shim) && Directory.EnumerateFiles(shim, "*.cs*", SearchOption.AllDirectories).Any(f => !f.Contains("/obj/", StringComparison.Ordinal)), "the shim is gone");
    }

    [GeneratedRegex(@"""([^""]+\.csproj)""")]
    private static partial Regex ProjectPattern();
}
