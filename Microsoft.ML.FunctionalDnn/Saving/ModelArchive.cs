using System.IO.Compression;
using System.IO.Hashing;

namespace Microsoft.ML.FunctionalDnn.Saving;

/// <summary>
/// Reads the entries of a saved model's zip so that damage is caught before anything is trusted:
/// entry names must be unique, an entry's declared size must be possible for its compressed size
/// and below the entry's limit, it must inflate to exactly that size, and its CRC-32 must match the
/// one the zip records. Every failure, the zip reader's own included, is an
/// <see cref="InvalidDataException"/> naming the file and the entry.
/// </summary>
internal static class ModelArchive
{
    /// <summary>Deflate cannot expand data by more than about 1032:1; a larger declared ratio is a corrupt size.</summary>
    private const long MaxDeflateRatio = 1032;

    /// <summary>Opens the zip and checks that its entries are unique and all among <paramref name="known"/>.</summary>
    internal static ZipArchive Open(string path, IReadOnlyCollection<string> known)
    {
        ZipArchive? zip = null;
        try
        {
            zip = ZipFile.OpenRead(path);
            // The central directory is read on first access to Entries; its errors are the zip's too.
            _ = zip.Entries.Count;
        }
        catch (InvalidDataException e)
        {
            zip?.Dispose();
            throw new InvalidDataException($"'{path}' is not a saved model (not a readable zip file: {e.Message}).", e);
        }
        var duplicate = zip.Entries.GroupBy(e => e.FullName, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            zip.Dispose();
            throw new InvalidDataException($"'{path}' is not a valid saved model: it holds {duplicate.Count()} entries named '{duplicate.Key}'; expected one.");
        }
        // A damaged name would otherwise hide an entry (the optimizer state would silently be dropped).
        var unknown = zip.Entries.FirstOrDefault(e => !known.Contains(e.FullName));
        if (unknown is not null)
        {
            zip.Dispose();
            throw new InvalidDataException($"'{path}' is not a valid saved model: it holds an entry named '{unknown.FullName}'; expected only {string.Join(", ", known)}.");
        }
        return zip;
    }

    /// <summary>The verified content of entry <paramref name="name"/>, or null when the zip has no such entry.</summary>
    internal static byte[]? TryRead(ZipArchive zip, string name, string path, long maxBytes)
    {
        if (zip.GetEntry(name) is not { } entry) return null;
        string where = $"'{path}', entry {name}";
        long length = entry.Length, compressed = entry.CompressedLength;
        long limit = Math.Min(Math.Min(maxBytes, Array.MaxLength), compressed * MaxDeflateRatio + 1024);
        if (length < 0 || length > limit)
            throw new InvalidDataException($"{where}: declares {length} bytes inflated from {compressed} compressed; expected at most {limit} (the size fields are corrupt).");
        var bytes = new byte[length];
        try
        {
            using var stream = entry.Open();
            stream.ReadExactly(bytes);
            if (stream.ReadByte() != -1)
                throw new InvalidDataException($"{where}: inflates to more than the {length} bytes the zip declares.");
        }
        catch (Exception e) when (e is IOException or NotSupportedException || (e is InvalidDataException && !e.Message.StartsWith(where, StringComparison.Ordinal)))
        {
            throw new InvalidDataException($"{where} cannot be read: {e.Message}", e);
        }
        uint crc = Crc32.HashToUInt32(bytes);
        if (crc != entry.Crc32)
            throw new InvalidDataException($"{where}: the content's CRC-32 is {crc:x8} but the zip records {entry.Crc32:x8}; the file is corrupt.");
        return bytes;
    }

    /// <summary>The verified content of entry <paramref name="name"/>, which the file must have.</summary>
    internal static byte[] Read(ZipArchive zip, string name, string path, long maxBytes) =>
        TryRead(zip, name, path, maxBytes)
        ?? throw new InvalidDataException($"'{path}' is not a saved model: it has no {name} (entries: {string.Join(", ", zip.Entries.Select(e => e.FullName))}).");
}
