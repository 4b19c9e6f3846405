using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// The safetensors format: an 8-byte little-endian header length, a JSON header mapping each name
/// to its dtype, shape and [begin, end) byte offsets in the data that follows, then the raw
/// little-endian data. Reading checks everything before trusting it: the header length against
/// the file size and a cap, the JSON, each dtype, shape and offset range, and that the entries
/// tile the data exactly (no holes, no overlaps), so a truncated or corrupted file is a clear
/// error, never a crash or a giant allocation.
/// </summary>
public static class SafeTensors
{
    /// <summary>Headers larger than this are rejected as corrupt rather than allocated.</summary>
    public const long MaxHeaderBytes = 100L << 20;

    /// <summary>Writes tensors (float32 or int32) by name, with optional string metadata, to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, IReadOnlyList<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        var header = new Dictionary<string, object>();
        if (metadata is not null) header["__metadata__"] = metadata;
        long offset = 0;
        foreach (var (name, t) in tensors)
        {
            if (header.ContainsKey(name)) throw new ArgumentException($"Safetensors: the name '{name}' appears twice.", nameof(tensors));
            long bytes = (long)t.Size * 4;
            header[name] = new Dictionary<string, object>
            {
                ["dtype"] = t.DType == DType.Float32 ? "F32" : "I32",
                ["shape"] = t.Shape.ToArray(),
                ["data_offsets"] = new[] { offset, offset + bytes },
            };
            offset += bytes;
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(header);
        // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
        int padded = (json.Length + 7) / 8 * 8;
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
        stream.Write(length);
        stream.Write(json);
        for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
        foreach (var (_, t) in tensors)
        {
            ReadOnlySpan<byte> raw = t.DType == DType.Float32 ? MemoryMarshal.AsBytes(t.Data) : MemoryMarshal.AsBytes(t.IntData);
            if (BitConverter.IsLittleEndian) stream.Write(raw);
            else WriteSwapped(stream, raw);
        }
    }

    private static void WriteSwapped(Stream stream, ReadOnlySpan<byte> raw)
    {
        Span<byte> word = stackalloc byte[4];
        for (int i = 0; i < raw.Length; i += 4)
        {
            for (int b = 0; b < 4; b++) word[b] = raw[i + 3 - b];
            stream.Write(word);
        }
    }

    /// <summary>Reads every tensor of a safetensors stream.</summary>
    /// <param name="stream">A readable, seekable stream positioned at the start of the file.</param>
    /// <param name="source">Names the file in error messages.</param>
    /// <exception cref="InvalidDataException">The content is not valid safetensors; the message says what is wrong and where.</exception>
    public static Dictionary<string, Tensor> Read(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        long total = stream.Length - stream.Position;
        if (total < 8) throw Corrupt(source, $"the file has {total} bytes; a safetensors file starts with an 8-byte header length");
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > (ulong)(total - 8)) throw Corrupt(source, $"the header claims {headerLength} bytes but only {total - 8} follow (truncated or corrupt)");
        if (headerLength > MaxHeaderBytes) throw Corrupt(source, $"the header claims {headerLength} bytes, above the {MaxHeaderBytes}-byte limit");
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        long dataLength = total - 8 - (long)headerLength;
        var entries = ParseHeader(headerBytes, dataLength, source);
        var result = new Dictionary<string, Tensor>();
        long dataStart = stream.Position;
        foreach (var e in entries)
        {
            stream.Position = dataStart + e.Begin;
            var t = Tensor.Persistent(e.Shape, e.DType);
            var raw = e.DType == DType.Float32 ? MemoryMarshal.AsBytes(t.Data) : MemoryMarshal.AsBytes(t.IntData);
            stream.ReadExactly(raw);
            if (!BitConverter.IsLittleEndian)
                for (int i = 0; i < raw.Length; i += 4) raw.Slice(i, 4).Reverse();
            result[e.Name] = t;
        }
        return result;
    }

    /// <summary>Reads a safetensors file.</summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    private sealed record Entry(string Name, DType DType, Shape Shape, long Begin, long End);

    private static List<Entry> ParseHeader(byte[] headerBytes, long dataLength, string source)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(headerBytes);
        }
        catch (JsonException e)
        {
            throw Corrupt(source, $"the header is not valid JSON ({e.Message})");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Corrupt(source, "the header is not a JSON object");
            var entries = new List<Entry>();
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__") continue;
                entries.Add(ParseEntry(property, dataLength, source));
            }
            // The entries must tile the data buffer exactly.
            long expected = 0;
            foreach (var e in entries.OrderBy(e => e.Begin))
            {
                if (e.Begin != expected)
                    throw Corrupt(source, e.Begin > expected
                        ? $"bytes {expected}…{e.Begin} of the data belong to no tensor (a hole before '{e.Name}')"
                        : $"tensor '{e.Name}' overlaps the one before it at byte {e.Begin}");
                expected = e.End;
            }
            if (expected != dataLength) throw Corrupt(source, $"the tensors cover {expected} bytes of data but the file holds {dataLength}");
            return entries;
        }
    }

    private static Entry ParseEntry(JsonProperty property, long dataLength, string source)
    {
        string name = property.Name;
        var v = property.Value;
        if (v.ValueKind != JsonValueKind.Object
            || !v.TryGetProperty("dtype", out var dtypeEl) || dtypeEl.ValueKind != JsonValueKind.String
            || !v.TryGetProperty("shape", out var shapeEl) || shapeEl.ValueKind != JsonValueKind.Array
            || !v.TryGetProperty("data_offsets", out var offEl) || offEl.ValueKind != JsonValueKind.Array || offEl.GetArrayLength() != 2)
            throw Corrupt(source, $"entry '{name}' needs dtype (string), shape (array) and data_offsets ([begin, end])");
        var dtype = dtypeEl.GetString() switch
        {
            "F32" => DType.Float32,
            "I32" => DType.Int32,
            var other => throw Corrupt(source, $"entry '{name}' has dtype '{other}'; only F32 and I32 are supported"),
        };
        var dims = new List<int>();
        long count = 1;
        foreach (var d in shapeEl.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int dim) || dim < 0)
                throw Corrupt(source, $"entry '{name}' has an invalid shape dimension {d}");
            dims.Add(dim);
            count *= dim;
            if (count > int.MaxValue) throw Corrupt(source, $"entry '{name}' has more than {int.MaxValue} elements");
        }
        if (!offEl[0].TryGetInt64(out long begin) || !offEl[1].TryGetInt64(out long end) || begin < 0 || end < begin || end > dataLength)
            throw Corrupt(source, $"entry '{name}' has data_offsets outside the {dataLength} bytes of data");
        if (end - begin != count * 4)
            throw Corrupt(source, $"entry '{name}' of shape ({string.Join(", ", dims)}) needs {count * 4} bytes; its offsets span {end - begin}");
        return new Entry(name, dtype, new Shape([.. dims]), begin, end);
    }

    private static InvalidDataException Corrupt(string source, string what) => new($"'{source}' is not a valid safetensors file: {what}.");

    /// <summary>Writes to a temporary file beside <paramref name="path"/>, then renames it into place, so a crash never leaves a torn file.</summary>
    internal static void WriteAtomically(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string temp = full + $".tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
