using System.Text;
using Google.Protobuf;
using Microsoft.ML.FunctionalDnn.Summaries;
using Microsoft.ML.FunctionalDnn.TensorBoardProtos;

namespace Microsoft.ML.FunctionalDnn.Tests.TensorBoard;

[TestClass]
public sealed class TfRecordTests
{
    [TestMethod]
    public void Crc32CMatchesTheStandardCheckValueAndTensorBoardsMaskedVector()
    {
        Assert.AreEqual(0xE3069283u, TfRecord.Crc32C("123456789"u8));
        // TensorBoard's own test vector: a serialized Event{file_version = "CRC test, one two"}.
        byte[] data = [0x1a, 0x11, .. Encoding.ASCII.GetBytes("CRC test, one two")];
        Assert.AreEqual(0xf2d95a88u, TfRecord.Crc32C(data));
        Assert.AreEqual(0x5794d08au, TfRecord.MaskedCrc(data));
    }

    [TestMethod]
    public void TheVersionEventSerializesAsTensorFlowsDoes()
    {
        var e = new Event { WallTime = 1700000000.0, FileVersion = "brain.Event:2" };
        Assert.AreEqual("0900000040fc54d9411a0d627261696e2e4576656e743a32", Convert.ToHexStringLower(e.ToByteArray()));
        using var stream = new MemoryStream();
        TfRecord.Write(stream, e.ToByteArray());
        var bytes = stream.ToArray();
        Assert.HasCount(12 + 24 + 4, bytes);
        Assert.AreEqual(24ul, BitConverter.ToUInt64(bytes, 0));
        Assert.AreEqual(0x224b7fa3u, BitConverter.ToUInt32(bytes, 8), "masked CRC of the length");
    }

    [TestMethod]
    public void RecordsRoundTripAndCorruptionIsReportedWithTheOffset()
    {
        using var dir = new TempDirectory();
        string path = dir.File("records");
        using (var f = File.Create(path))
        {
            TfRecord.Write(f, "first"u8);
            TfRecord.Write(f, []);
            TfRecord.Write(f, "third record"u8);
        }
        var records = EventFileReader.ReadRecords(path);
        CollectionAssert.AreEqual(new[] { "first", "", "third record" }, records.Select(r => Encoding.ASCII.GetString(r)).ToArray());

        var bytes = File.ReadAllBytes(path);
        bytes[^6] ^= 0x40; // inside the third record's data
        File.WriteAllBytes(path, bytes);
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => EventFileReader.ReadRecords(path));
        StringAssert.Contains(ex.Message, "data CRC of the record at byte 37");

        File.WriteAllBytes(path, bytes[..^3]);
        ex = Assert.ThrowsExactly<InvalidDataException>(() => EventFileReader.ReadRecords(path));
        StringAssert.Contains(ex.Message, "truncated");
        StringAssert.Contains(ex.Message, path);
    }
}
