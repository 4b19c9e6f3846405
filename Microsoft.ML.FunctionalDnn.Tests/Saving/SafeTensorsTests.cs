using System.Buffers.Binary;
using System.Text;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Saving;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.Saving;

[TestClass]
public sealed class SafeTensorsTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    private string _dir => _temp.Path;

    public void Dispose() => _temp.Dispose();

    private static byte[] Build(string headerJson, int dataBytes)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        var bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        return bytes;
    }

    private static InvalidDataException Rejects(byte[] bytes) =>
        Assert.ThrowsExactly<InvalidDataException>(() => SafeTensors.Read(new MemoryStream(bytes), "test.safetensors"));

    [TestMethod]
    public void RoundTripsFloatAndIntTensorsInTheStandardLayout()
    {
        var a = Tensor.FromArray(new float[,] { { 1.5f, -2 }, { 3, 4 } });
        var b = Tensor.FromArray(new[] { 7, -8, 9 });
        var stream = new MemoryStream();
        SafeTensors.Write(stream, [new("a", a), new("b", b)]);
        var bytes = stream.ToArray();
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.AreEqual(0UL, (8 + headerLength) % 8, "data starts 8-byte aligned");
        string header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
        StringAssert.Contains(header, "\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}");
        StringAssert.Contains(header, "\"b\":{\"dtype\":\"I32\",\"shape\":[3],\"data_offsets\":[16,28]}");
        Assert.AreEqual(1.5f, BitConverter.ToSingle(bytes, 8 + (int)headerLength), "raw little-endian data");
        var read = SafeTensors.Read(new MemoryStream(bytes), "mem");
        CollectionAssert.AreEqual(a.ToArray(), read["a"].ToArray());
        Assert.AreEqual(a.Shape, read["a"].Shape);
        CollectionAssert.AreEqual(b.ToIntArray(), read["b"].ToIntArray());
    }

    [TestMethod]
    public void CorruptFilesAreRejectedWithClearMessages()
    {
        var stream = new MemoryStream();
        SafeTensors.Write(stream, [new("w", Tensor.Ones(new Shape(4)))]);
        var good = stream.ToArray();

        StringAssert.Contains(Rejects(good[..5]).Message, "8-byte header length");
        StringAssert.Contains(Rejects(good[..^3]).Message, "entry 'w' has data_offsets outside the 13 bytes of data");
        var huge = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(huge, ulong.MaxValue / 2);
        StringAssert.Contains(Rejects(huge).Message, "truncated or corrupt");
        var flipped = (byte[])good.Clone();
        flipped[9] ^= 0x40; // inside the JSON
        Assert.Contains("not a valid safetensors file", Rejects(flipped).Message);

        StringAssert.Contains(Rejects(Build("{\"w\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4)).Message, "only F32 and I32");
        StringAssert.Contains(Rejects(Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8)).Message, "needs 12 bytes");
        StringAssert.Contains(Rejects(Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8)).Message, "a hole before 'w'");
        StringAssert.Contains(Rejects(Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8)).Message, "overlaps");
        StringAssert.Contains(Rejects(Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4)).Message, "invalid shape");
        StringAssert.Contains(Rejects(Build("[1, 2]", 0)).Message, "not a JSON object");
    }

    [TestMethod]
    public void ModelWeightsRoundTripAndMismatchesLeaveTheModelUnchanged()
    {
        Model Build(int units)
        {
            var input = Input([3]);
            return new Model(input, new Dense(units, name: "out").Apply(new Dense(4, name: "hidden").Apply(input)));
        }
        var source = Build(2);
        string path = Path.Combine(_dir, "w.safetensors");
        source.SaveWeights(path);
        CollectionAssert.AreEqual(new[] { "hidden/kernel", "hidden/bias", "out/kernel", "out/bias" }, source.NamedWeights().Select(p => p.Key).ToArray());
        var target = Build(2);
        target.LoadWeights(path);
        CollectionAssert.AreEqual(source.GetWeights().SelectMany(w => w).ToArray(), target.GetWeights().SelectMany(w => w).ToArray());

        var other = Build(5);
        var before = other.GetWeights().SelectMany(w => w).ToArray();
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => other.LoadWeights(path));
        StringAssert.Contains(ex.Message, "'out/kernel' is Float32 (4, 2) in the file, Float32 (4, 5) in the model");
        CollectionAssert.AreEqual(before, other.GetWeights().SelectMany(w => w).ToArray(), "nothing was loaded");
        Assert.HasCount(1, Directory.GetFiles(_dir), "no temporary files are left behind");
    }

    [TestMethod]
    public void NestedModelWeightsArePrefixedByTheModelName()
    {
        var innerInput = Input([2]);
        var inner = new Model(innerInput, new Dense(2, name: "d").Apply(innerInput), name: "tower");
        var a = Input([2]);
        var b = Input([2]);
        var outer = new Model([a, b], Add([inner.Apply(a), inner.Apply(b)]));
        CollectionAssert.AreEqual(new[] { "tower/d/kernel", "tower/d/bias" }, outer.NamedWeights().Select(p => p.Key).ToArray());
    }
}
