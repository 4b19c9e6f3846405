using System.IO.Compression;
using Microsoft.ML.FunctionalDnn.Samples;

namespace Microsoft.ML.FunctionalDnn.Tests.Samples;

/// <summary>The samples' IDX reader (samples/Shared/Idx.cs, linked into this project) on small files made here.</summary>
[TestClass]
public sealed class IdxTests
{
    /// <summary>A 2×3 IDX file of unsigned bytes: magic 00000802, the dimensions, then 1…6.</summary>
    private static readonly byte[] TwoByThree = [0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6];

    [TestMethod]
    public void PlainAndGzippedFilesReadTheSame()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("plain-idx2-ubyte"), TwoByThree);
        using (var gz = new GZipStream(File.Create(dir.File("packed-idx2-ubyte.gz")), CompressionLevel.Fastest)) gz.Write(TwoByThree);
        foreach (string name in new[] { "plain-idx2-ubyte", "packed-idx2-ubyte.gz" })
        {
            var (dims, data) = Idx.Read(dir.File(name));
            CollectionAssert.AreEqual(new[] { 2, 3 }, dims, name);
            CollectionAssert.AreEqual(new byte[] { 1, 2, 3, 4, 5, 6 }, data, name);
        }
    }

    [TestMethod]
    public void AWrongMagicOrAShortFileIsNamedInTheError()
    {
        using var dir = new TempDirectory();
        string path = dir.File("bad-idx");
        File.WriteAllBytes(path, [0, 0, 0x0D, 2, .. TwoByThree[4..]]);   // 0x0D: floats, which the reader does not take
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => Idx.Read(path));
        StringAssert.Contains(ex.Message, path);
        StringAssert.Contains(ex.Message, "expected 000008xx");

        File.WriteAllBytes(path, TwoByThree[..^1]);
        ex = Assert.ThrowsExactly<InvalidDataException>(() => Idx.Read(path));
        StringAssert.Contains(ex.Message, "promises 6 bytes of data; the file has 5");
    }
}
