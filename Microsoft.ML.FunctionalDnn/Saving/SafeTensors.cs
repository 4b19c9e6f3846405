using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.ML.FunctionalDnn.Backends;

namespace Microsoft.ML.FunctionalDnn.Saving;

/// <summary>
/// The safetensors format: an 8-byte little-endian header length, a JSON header mapping each name
/// to its dtype, shape and [begin, end) byte offsets in the data that follows, then the raw
/// little-endian data. Reading checks everything before trusting it: the header length against
/// the file size and a cap, the JSON, each dtype, shape and offset range, and that the entries
/// tile the data exactly (no holes, no overlaps), so a truncated or corrupted file is a clear
/// error, never a crash or a giant allocation. The format has no checksum of its own, so
/// <see cref="Write"/> stores the CRC-32 of the data in the header's <c>__metadata__</c> under
/// <see cref="ChecksumKey"/>, and <see cref="Read(Stream, string)"/> verifies it when present; a file
/// from another writer has none, and a flipped bit in its data cannot be detected.
/// </summary>
public static class SafeTensors
{
    /// <summary>Headers larger than this are rejected as corrupt rather than allocated.</summary>
    public const long MaxHeaderBytes = 100L << 20;

    /// <summary>The <c>__metadata__</c> key holding the CRC-32 of the data (8 lowercase hex digits), written by <see cref="Write"/>.</summary>
    public const string ChecksumKey = "fdnn_data_crc32";

    /// <summary>
    /// Writes tensors (float32 or int32) by name, with optional string metadata, to <paramref name="stream"/>;
    /// the metadata also gets the data's checksum under <see cref="ChecksumKey"/>.
    /// </summary>
    public static void Write(Stream stream, IReadOnlyList<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        // Each tensor is copied to the host twice (hashed first, since the header holds the checksum,
        // then written) rather than all held at once: a model's weights may not fit twice in memory.
        var crc = new Crc32();
        foreach (var (_, t) in tensors) WithHostBytes(t, raw => AppendLittleEndian(crc, raw));
        var meta = metadata is null ? [] : new Dictionary<string, string>(metadata);
        meta[ChecksumKey] = crc.GetCurrentHashAsUInt32().ToString("x8", CultureInfo.InvariantCulture);
        var header = new Dictionary<string, object> { ["__metadata__"] = meta };
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
        var json = JsonSerializer.SerializeToUtf8Bytes(header, Json.Options);
        // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
        int padded = (json.Length + 7) / 8 * 8;
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
        stream.Write(length);
        stream.Write(json);
        for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
        foreach (var (_, t) in tensors)
        {
            WithHostBytes(t, raw =>
            {
                if (BitConverter.IsLittleEndian) stream.Write(raw);
                else WriteSwapped(stream, raw);
            });
        }
    }

    /// <summary>Runs <paramref name="use"/> on a host copy of the tensor's elements as bytes (native order), in a pooled buffer.</summary>
    private static void WithHostBytes(Tensor t, Action<ReadOnlySpan<byte>> use)
    {
        int length = checked(t.Size * 4);
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var raw = buffer.AsSpan(0, length);
            if (t.DType == DType.Float32) t.CopyTo(MemoryMarshal.Cast<byte, float>(raw));
            else t.CopyTo(MemoryMarshal.Cast<byte, int>(raw));
            use(raw);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Hashes the bytes as they are stored in the file (little-endian words).</summary>
    private static void AppendLittleEndian(Crc32 crc, ReadOnlySpan<byte> raw)
    {
        if (BitConverter.IsLittleEndian)
        {
            crc.Append(raw);
            return;
        }
        Span<byte> word = stackalloc byte[4];
        for (int i = 0; i < raw.Length; i += 4)
        {
            for (int b = 0; b < 4; b++) word[b] = raw[i + 3 - b];
            crc.Append(word);
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
    /// <exception cref="InvalidDataException">The content is not valid safetensors, or its data does not match the checksum in its metadata; the message says what is wrong and where.</exception>
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
        var (entries, checksum) = ParseHeader(headerBytes, dataLength, source);
        var result = new Dictionary<string, Tensor>();
        long dataStart = stream.Position;
        // The data is hashed in file order, as it was written.
        var crc = new Crc32();
        foreach (var e in entries.OrderBy(e => e.Begin))
        {
            stream.Position = dataStart + e.Begin;
            result[e.Name] = ReadTensor(stream, e, crc);
        }
        if (checksum is uint expected && crc.GetCurrentHashAsUInt32() is var actual && actual != expected)
            throw Corrupt(source, $"the data's CRC-32 is {actual:x8} but __metadata__.{ChecksumKey} says {expected:x8} (the data was altered after saving)");
        return result;
    }

    /// <summary>Reads one entry's data into a pooled host buffer, hashes it as stored, and copies it into a new tensor.</summary>
    private static Tensor ReadTensor(Stream stream, Entry e, Crc32 crc)
    {
        int length = checked((int)(e.End - e.Begin));
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var raw = buffer.AsSpan(0, length);
            stream.ReadExactly(raw);
            crc.Append(raw);
            if (!BitConverter.IsLittleEndian)
                for (int i = 0; i < raw.Length; i += 4) raw.Slice(i, 4).Reverse();
            return e.DType == DType.Float32
                ? Backend.Current.FromHost(MemoryMarshal.Cast<byte, float>(raw), e.Shape)
                : Backend.Current.FromHost(MemoryMarshal.Cast<byte, int>(raw), e.Shape);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads a safetensors file.</summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    private sealed record Entry(string Name, DType DType, Shape Shape, long Begin, long End);

    private static (List<Entry> Entries, uint? Checksum) ParseHeader(byte[] headerBytes, long dataLength, string source)
    {
        if (!Utf8.IsValid(headerBytes)) throw Corrupt(source, "the header is not valid UTF-8");
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
            var names = new HashSet<string>(StringComparer.Ordinal);
            uint? checksum = null;
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (!names.Add(property.Name)) throw Corrupt(source, $"the header names '{property.Name}' twice");
                if (property.Name == "__metadata__") checksum = ParseMetadata(property.Value, source);
                else entries.Add(ParseEntry(property, dataLength, source));
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
            return (entries, checksum);
        }
    }

    /// <summary>Checks that <c>__metadata__</c> maps strings to strings, as the format requires, and returns the checksum it holds, if any.</summary>
    private static uint? ParseMetadata(JsonElement metadata, string source)
    {
        if (metadata.ValueKind != JsonValueKind.Object) throw Corrupt(source, $"__metadata__ is a JSON {metadata.ValueKind}; expected an object of strings");
        uint? checksum = null;
        foreach (var p in metadata.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String) throw Corrupt(source, $"__metadata__.{p.Name} is a JSON {p.Value.ValueKind}; expected a string");
            if (p.Name != ChecksumKey) continue;
            string text = p.Value.GetString()!;
            checksum = text.Length == 8 && uint.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint c) ? c
                : throw Corrupt(source, $"__metadata__.{ChecksumKey} is '{text}'; expected 8 hex digits");
        }
        return checksum;
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

    /// <summary>
    /// Writes to a temporary file beside <paramref name="path"/> (<c>name.tmp-&lt;process id&gt;-&lt;guid&gt;</c>), then renames
    /// it into place, so a crash never leaves a torn file. A save killed before the rename leaves its
    /// temporary behind; the next save of the same target deletes those whose process is gone.
    /// </summary>
    internal static void WriteAtomically(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        DeleteStaleTemporaries(full);
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

    /// <summary>
    /// Deletes temporaries of <paramref name="full"/> left by processes that no longer run. Those of
    /// running processes (this one included) may belong to a save in progress and are kept.
    /// </summary>
    private static void DeleteStaleTemporaries(string full)
    {
        string? directory = Path.GetDirectoryName(full);
        if (directory is null || !Directory.Exists(directory)) return;
        string prefix = Path.GetFileName(full) + ".tmp-";
        foreach (string file in Directory.EnumerateFiles(directory, "*.tmp-*"))
        {
            string name = Path.GetFileName(file);
            if (!name.StartsWith(prefix, StringComparison.Ordinal)) continue;
            string rest = name[prefix.Length..];
            int dash = rest.IndexOf('-', StringComparison.Ordinal);
            if (dash <= 0 || !int.TryParse(rest.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) || IsRunning(pid)) continue;
            try
            {
                File.Delete(file);
            }
            catch (IOException)
            {
                // Another save is removing it at the same moment; cleanup is best effort and must not fail this save.
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours to delete (another user's save); leave it.
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
