using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.ML.FunctionalDnn.Layers;
using Microsoft.ML.FunctionalDnn.Saving;
using static Microsoft.ML.FunctionalDnn.Keras;

namespace Microsoft.ML.FunctionalDnn.Tests.Saving;

/// <summary>Damaged, crafted and inconsistent model and weight files: each is refused with an <see cref="InvalidDataException"/> naming the file and the part.</summary>
[TestClass]
public sealed class FileIntegrityTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [TestInitialize]
    public void Setup() => LayerNames.Reset();

    /// <summary>A small compiled Lstm model trained one epoch, so the file has config, weights and optimizer slots.</summary>
    private string SaveSmallModel(string name = "small.fdnn")
    {
        var input = Input([5, 3], name: "x");
        var model = new Model(input, new Dense(2, name: "head").Apply(new Lstm(4, name: "lstm").Apply(input)), "small");
        model.Compile("adam", "mse");
        var r = new RandomGenerator(3);
        model.Fit(Tensor.Uniform(new Shape(8, 5, 3), -1, 1, r), Tensor.Uniform(new Shape(8, 2), -1, 1, r), epochs: 1, batchSize: 4, verbose: 0);
        string path = _temp.File(name);
        model.Save(path);
        return path;
    }

    private static InvalidDataException Refused(string path) => Assert.ThrowsExactly<InvalidDataException>(() => Model.Load(path));

    /// <summary>Where an entry's stored bytes lie in the file, from the zip's central directory.</summary>
    private static (int Start, int Length) EntryData(byte[] zip, string entry)
    {
        int eocd = zip.Length - 22;
        while (BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(eocd)) != 0x06054b50) eocd--;
        int count = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(eocd + 10));
        int at = (int)BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(eocd + 16));
        for (int i = 0; i < count; i++)
        {
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + 28));
            int extra = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + 30)), comment = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + 32));
            string name = Encoding.UTF8.GetString(zip, at + 46, nameLength);
            if (name == entry)
            {
                int compressed = (int)BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(at + 20));
                int local = (int)BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(at + 42));
                int start = local + 30 + BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(local + 26)) + BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(local + 28));
                return (start, compressed);
            }
            at += 46 + nameLength + extra + comment;
        }
        throw new AssertFailedException($"no entry {entry}");
    }

    /// <summary>Replaces one entry's content (the zip records a fresh, valid CRC: the damage is in the content itself).</summary>
    private static void Rewrite(string path, string entry, Func<byte[], byte[]> change)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
        var old = zip.GetEntry(entry)!;
        byte[] content;
        using (var s = old.Open())
        {
            var buffer = new MemoryStream();
            s.CopyTo(buffer);
            content = buffer.ToArray();
        }
        old.Delete();
        using var w = zip.CreateEntry(entry).Open();
        w.Write(change(content));
    }

    private static void EditConfig(string path, Action<JsonNode> edit) => Rewrite(path, "config.json", bytes =>
    {
        var root = JsonNode.Parse(bytes)!;
        edit(root);
        return Encoding.UTF8.GetBytes(root.ToJsonString());
    });

    private static JsonNode LayerConfig(JsonNode root, string className) =>
        root["config"]!["layers"]!.AsArray().First(l => (string)l!["class_name"]! == className)!["config"]!;

    private static void AssertNames(InvalidDataException e, string path, params string[] parts)
    {
        StringAssert.Contains(e.Message, path);
        foreach (string part in parts) StringAssert.Contains(e.Message, part);
    }

    // Item 5: corruption is caught.

    [TestMethod]
    public void AFlippedBitInTheCompressedConfigIsRefusedNamingFileAndEntry()
    {
        string path = SaveSmallModel();
        var bytes = File.ReadAllBytes(path);
        var (start, length) = EntryData(bytes, "config.json");
        bytes[start + length / 2] ^= 0x04;
        File.WriteAllBytes(path, bytes);
        AssertNames(Refused(path), path, "config.json");
    }

    [TestMethod]
    public void AFlippedBitInStoredWeightsOrOptimizerDataIsRefusedByTheZipCrc()
    {
        foreach (string entry in (string[])["model.safetensors", "optimizer.safetensors"])
        {
            string path = SaveSmallModel($"{entry}.fdnn");
            var bytes = File.ReadAllBytes(path);
            var (start, length) = EntryData(bytes, entry);
            bytes[start + length - 3] ^= 0x01;
            File.WriteAllBytes(path, bytes);
            AssertNames(Refused(path), path, entry, "CRC-32");
        }
    }

    [TestMethod]
    public void SavedSafetensorsCarryADataChecksumThatReadVerifies()
    {
        var model = new Model(Input([3], name: "x") is var x ? x : null!, new Dense(2, name: "d").Apply(x), "m");
        string path = _temp.File("w.safetensors");
        model.SaveWeights(path);
        var bytes = File.ReadAllBytes(path);
        ulong header = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        StringAssert.Contains(Encoding.UTF8.GetString(bytes, 8, (int)header), $"\"{SafeTensors.ChecksumKey}\":\"");
        bytes[^2] ^= 0x10;
        File.WriteAllBytes(path, bytes);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => model.LoadWeights(path));
        AssertNames(e, path, "CRC-32", SafeTensors.ChecksumKey);
    }

    [TestMethod]
    public void ForeignSafetensorsWithoutAChecksumStillLoad()
    {
        string json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        var header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + 8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(8 + header.Length), 1.5f);
        var read = SafeTensors.Read(new MemoryStream(bytes), "foreign.safetensors");
        CollectionAssert.AreEqual(new[] { 1.5f, 0f }, read["a"].ToArray());
    }

    [TestMethod]
    public void EverySingleByteMutantLoadsIdenticallyOrThrowsInvalidDataException()
    {
        string path = SaveSmallModel();
        var original = File.ReadAllBytes(path);
        var reference = Model.Load(path);
        var expected = reference.NamedWeights().Select(p => (p.Key, p.Value.ToArray())).ToArray();
        var random = new Random(14);
        string mutant = _temp.File("mutant.fdnn");
        int loaded = 0;
        for (int i = 0; i < 1000; i++)
        {
            var bytes = (byte[])original.Clone();
            bytes[random.Next(bytes.Length)] ^= (byte)random.Next(1, 256);
            File.WriteAllBytes(mutant, bytes);
            Model model;
            try
            {
                model = Model.Load(mutant);
            }
            catch (InvalidDataException e)
            {
                StringAssert.Contains(e.Message, mutant, $"mutant {i}: the error must name the file");
                continue;
            }
            loaded++;
            var weights = model.NamedWeights().Select(p => (p.Key, p.Value.ToArray())).ToArray();
            Assert.HasCount(expected.Length, weights, $"mutant {i}");
            for (int w = 0; w < expected.Length; w++)
            {
                Assert.AreEqual(expected[w].Key, weights[w].Key, $"mutant {i}");
                CollectionAssert.AreEqual(expected[w].Item2, weights[w].Item2, $"mutant {i}: weight {expected[w].Key} changed");
            }
            Assert.IsNotNull(model.Optimizer, $"mutant {i}: the model must come back compiled");
            Assert.AreEqual(reference.Optimizer!.Iterations, model.Optimizer.Iterations, $"mutant {i}");
        }
        Assert.IsLessThan(1000, loaded, "most mutants must be refused");
    }

    [TestMethod]
    public void EverySingleByteMutantOfAWeightsFileLoadsIdenticallyOrThrowsInvalidDataException()
    {
        var x = Input([3], name: "x");
        var model = new Model(x, new Dense(2, name: "d").Apply(x), "m");
        string path = _temp.File("w.safetensors"), mutant = _temp.File("mutant.safetensors");
        model.SaveWeights(path);
        var original = File.ReadAllBytes(path);
        var expected = model.GetWeights();
        var random = new Random(5);
        for (int i = 0; i < 300; i++)
        {
            var bytes = (byte[])original.Clone();
            bytes[random.Next(bytes.Length)] ^= (byte)random.Next(1, 256);
            File.WriteAllBytes(mutant, bytes);
            try
            {
                model.LoadWeights(mutant);
            }
            catch (InvalidDataException e)
            {
                StringAssert.Contains(e.Message, mutant, $"mutant {i}: the error must name the file");
                continue;
            }
            var weights = model.GetWeights();
            for (int w = 0; w < expected.Length; w++) CollectionAssert.AreEqual(expected[w], weights[w], $"mutant {i}: weight {w} changed");
        }
    }

    // Item 6: malformed content ends in InvalidDataException naming the file, the entry and the place.

    [TestMethod]
    public void AConfigThatIsNotAnObjectIsRefused()
    {
        string path = SaveSmallModel();
        Rewrite(path, "config.json", _ => "[1, 2]"u8.ToArray());
        AssertNames(Refused(path), path, "config.json", "Array");
    }

    [TestMethod]
    public void MalformedKerasHistoryAndOutputReferencesAreRefused()
    {
        (string What, Action<JsonNode> Edit)[] cases =
        [
            ("keras_history", root => LayerConfig(root, "Dense").Parent!["inbound_nodes"]![0]!["args"]![0]!["config"]!["keras_history"] = new JsonArray("lstm")),
            ("keras_history", root => LayerConfig(root, "Dense").Parent!["inbound_nodes"]![0]!["args"]![0]!["config"]!["keras_history"] = new JsonArray("lstm", "zero", 0)),
            ("args", root => LayerConfig(root, "Dense").Parent!["inbound_nodes"]![0]!["args"] = 7),
            ("output_layers", root => root["config"]!["output_layers"]![0] = new JsonArray(1, 2, 3)),
            ("units", root => LayerConfig(root, "Dense")["units"] = "two"),
            ("units", root => LayerConfig(root, "Dense")["units"] = -2),
            ("config", root => LayerConfig(root, "LSTM").Parent!["config"] = 3),
        ];
        foreach (var (what, edit) in cases)
        {
            string path = SaveSmallModel($"{Guid.NewGuid():N}.fdnn");
            EditConfig(path, edit);
            AssertNames(Refused(path), path, "config.json", what);
        }
    }

    [TestMethod]
    public void OptimizerIterationsOfTheWrongTypeOrLengthAreRefused()
    {
        foreach (var iterations in (Tensor[])[Tensor.FromArray(new[] { 1f, 2f }), Tensor.FromArray(new[] { 3 })])
        {
            string path = SaveSmallModel($"{Guid.NewGuid():N}.fdnn");
            ReplaceOptimizerTensor(path, "optimizer/iterations", _ => iterations);
            AssertNames(Refused(path), path, "optimizer.safetensors", "optimizer/iterations");
        }
    }

    [TestMethod]
    public void InvalidUtf8InASafetensorsHeaderIsRefused()
    {
        var header = Encoding.UTF8.GetBytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"__metadata__\":{\"k\":\"xx\"}}");
        int at = Array.IndexOf(header, (byte)'x');
        header[at] = 0xC3;
        header[at + 1] = 0x28;
        var bytes = new byte[8 + header.Length + 4];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => SafeTensors.Read(new MemoryStream(bytes), "bad.safetensors"));
        AssertNames(e, "bad.safetensors", "UTF-8");
    }

    /// <summary>Rewrites the optimizer entry with one tensor replaced (null removes it, a new name adds it).</summary>
    private static void ReplaceOptimizerTensor(string path, string name, Func<Tensor?, Tensor?> change) => Rewrite(path, "optimizer.safetensors", bytes =>
    {
        var tensors = SafeTensors.Read(new MemoryStream(bytes), "optimizer");
        var replaced = change(tensors.GetValueOrDefault(name));
        tensors.Remove(name);
        if (replaced is not null) tensors[name] = replaced;
        var s = new MemoryStream();
        SafeTensors.Write(s, [.. tensors]);
        return s.ToArray();
    });

    // Item 7: no huge allocation before validation.

    private static void AssertFailsFastWithoutAllocating(string path, params string[] parts)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var e = Refused(path);
        watch.Stop();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        AssertNames(e, path, parts);
        Assert.IsLessThan(500, watch.ElapsedMilliseconds, $"took {watch.ElapsedMilliseconds} ms");
        Assert.IsLessThan(64L << 20, allocated, $"allocated {allocated} bytes");
    }

    [TestMethod]
    public void AHugeEmbeddingInTheConfigFailsFastWithoutAllocating()
    {
        var ids = Input([4], DType.Int32, "ids");
        var model = new Model(ids, new Dense(1, name: "out").Apply(new Flatten(name: "flat").Apply(new Embedding(10, 8, name: "emb").Apply(ids))), "text");
        string path = _temp.File("emb.fdnn");
        model.Save(path);
        EditConfig(path, root => LayerConfig(root, "Embedding")["input_dim"] = 268435456);
        Model.Load(SaveSmallModel("warmup.fdnn"));
        AssertFailsFastWithoutAllocating(path, "emb", "weight values");
    }

    [TestMethod]
    public void HugeUnitsOrInputShapesInTheConfigFailFastWithoutAllocating()
    {
        Model.Load(SaveSmallModel("warmup.fdnn"));
        string units = SaveSmallModel("units.fdnn");
        EditConfig(units, root => LayerConfig(root, "Dense")["units"] = 100000000);
        AssertFailsFastWithoutAllocating(units, "head", "weight values");

        var image = Input([4, 4, 3], name: "image");
        var model = new Model(image, new Dense(2, name: "out").Apply(new Flatten(name: "flat").Apply(image)), "image");
        string shape = _temp.File("shape.fdnn");
        model.Save(shape);
        EditConfig(shape, root => LayerConfig(root, "InputLayer")["batch_shape"] = new JsonArray(null, 16384, 16384, 3));
        AssertFailsFastWithoutAllocating(shape, "out", "weight values");

        var row = Input([4], name: "row");
        var normalized = new Model(row, new LayerNormalization(name: "norm").Apply(row), "norm");
        string wide = _temp.File("wide.fdnn");
        normalized.Save(wide);
        EditConfig(wide, root => LayerConfig(root, "InputLayer")["batch_shape"] = new JsonArray(null, 100000000));
        AssertFailsFastWithoutAllocating(wide, "norm", "weight values");
    }

    [TestMethod]
    public void AnOversizedConfigIsRefusedBeforeItIsRead()
    {
        string path = SaveSmallModel();
        Rewrite(path, "config.json", bytes => [.. bytes, .. new byte[17 << 20].Select(_ => (byte)' ')]);
        AssertNames(Refused(path), path, "config.json", "at most");
    }

    [TestMethod]
    public void AnEntrySizeFieldClaimingGigabytesIsRefusedWithoutAllocating()
    {
        string path = SaveSmallModel();
        var bytes = File.ReadAllBytes(path);
        // The central directory's uncompressed size of the weights entry.
        int eocd = bytes.Length - 22;
        int at = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(eocd + 16));
        while (Encoding.UTF8.GetString(bytes, at + 46, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 28))) != "model.safetensors")
            at += 46 + BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 28)) + BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 30)) + BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 32));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at + 24), 0x7FFF0000);
        File.WriteAllBytes(path, bytes);
        AssertFailsFastWithoutAllocating(path, "model.safetensors");
    }

    // Item 8: duplicates and inconsistencies are refused at load.

    [TestMethod]
    public void DuplicateTensorNamesInASafetensorsHeaderAreRefused()
    {
        string json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        var header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + 8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => SafeTensors.Read(new MemoryStream(bytes), "dup.safetensors"));
        AssertNames(e, "dup.safetensors", "'a' twice");
    }

    [TestMethod]
    public void DuplicateZipEntriesAreRefused()
    {
        string path = SaveSmallModel();
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        using (var s = zip.CreateEntry("config.json").Open())
            s.Write("{}"u8);
        AssertNames(Refused(path), path, "2 entries named 'config.json'");
    }

    [TestMethod]
    public void AnUnknownInputDTypeIsRefused()
    {
        string path = SaveSmallModel();
        EditConfig(path, root => LayerConfig(root, "InputLayer")["dtype"] = "float64");
        AssertNames(Refused(path), path, "config.json", "'x'", "float64");
    }

    [TestMethod]
    public void OutputNamesOfTheWrongLengthAreRefused()
    {
        string path = SaveSmallModel();
        EditConfig(path, root => root["config"]!["output_names"] = new JsonArray("a", "b"));
        AssertNames(Refused(path), path, "config.json", "2 output_names for 1 outputs");
    }

    [TestMethod]
    public void ANegativeClipValueIsRefused()
    {
        string path = SaveSmallModel();
        EditConfig(path, root => root["compile_config"]!["optimizer"]!["config"]!["clipvalue"] = -1);
        AssertNames(Refused(path), path, "config.json", "clipvalue", "-1");
    }

    [TestMethod]
    public void OptimizerSlotsOfTheWrongShapeOrForUnknownWeightsAreRefused()
    {
        string shape = SaveSmallModel("shape.fdnn");
        ReplaceOptimizerTensor(shape, "optimizer/head/kernel/0", _ => Tensor.Zeros(new Shape(3)));
        AssertNames(Refused(shape), shape, "optimizer.safetensors", "optimizer/head/kernel/0", "(4, 2)");

        string ghost = SaveSmallModel("ghost.fdnn");
        ReplaceOptimizerTensor(ghost, "optimizer/ghost/kernel/0", _ => Tensor.Zeros(new Shape(2)));
        AssertNames(Refused(ghost), ghost, "optimizer.safetensors", "optimizer/ghost/kernel/0");

        string missing = SaveSmallModel("missing.fdnn");
        ReplaceOptimizerTensor(missing, "optimizer/head/kernel/1", _ => null);
        AssertNames(Refused(missing), missing, "optimizer.safetensors", "head/kernel");
    }

    [TestMethod]
    public void ZipReaderErrorsAreWrappedWithTheFileName()
    {
        string path = SaveSmallModel();
        var bytes = File.ReadAllBytes(path);
        var (start, _) = EntryData(bytes, "model.safetensors");
        int local = start - 30 - "model.safetensors".Length;
        bytes[local] = (byte)'X';
        File.WriteAllBytes(path, bytes);
        AssertNames(Refused(path), path, "model.safetensors");
    }

    // Item 9: temporaries of killed saves are cleaned up.

    [TestMethod]
    public void TemporariesOfDeadProcessesAreDeletedByTheNextSaveOfTheSameTarget()
    {
        string path = _temp.File("target.fdnn");
        string dead = $"{path}.tmp-{int.MaxValue}-0123456789abcdef";
        string alive = $"{path}.tmp-{Environment.ProcessId}-0123456789abcdef";
        string other = _temp.File($"other.fdnn.tmp-{int.MaxValue}-0123456789abcdef");
        foreach (string f in (string[])[dead, alive, other]) File.WriteAllBytes(f, [1, 2, 3]);
        var x = Input([2], name: "x");
        new Model(x, new Dense(1, name: "d").Apply(x), "m").Save(path);
        Assert.IsFalse(File.Exists(dead), "a dead process's temporary of this target is deleted");
        Assert.IsTrue(File.Exists(alive), "a running process's temporary may be a save in progress");
        Assert.IsTrue(File.Exists(other), "temporaries of other targets are not touched");
        Assert.IsNotNull(Model.Load(path));
    }
}
