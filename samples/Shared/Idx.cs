using System.Buffers.Binary;
using System.IO.Compression;

namespace Microsoft.ML.FunctionalDnn.Samples;

/// <summary>
/// The IDX format of MNIST and Fashion-MNIST (plain or gzipped): a big-endian magic number whose
/// third byte is the element type (0x08, unsigned bytes) and fourth the number of dimensions, the
/// dimensions as big-endian int32, then the data. Only unsigned bytes are read, which is all the
/// MNIST family uses; a source file shared by the samples that read Fashion-MNIST (and linked into
/// the tests), not part of the library, which has no dataset module.
/// </summary>
internal static class Idx
{
    /// <summary>The dimensions and bytes of an IDX file of unsigned bytes.</summary>
    /// <exception cref="InvalidDataException">Not an IDX file of unsigned bytes, or truncated (the message names the file).</exception>
    internal static (int[] Dimensions, byte[] Data) Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var buffer = new MemoryStream();
        try { stream.CopyTo(buffer); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{path}: not a valid gzip file ({e.Message}).", e); }
        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        if (bytes.Length < 4 || bytes[0] != 0 || bytes[1] != 0 || bytes[2] != 0x08)
            throw new InvalidDataException($"{path}: not an IDX file of unsigned bytes (magic {Convert.ToHexString(bytes[..Math.Min(4, bytes.Length)])}; expected 000008xx).");
        int rank = bytes[3];
        if (bytes.Length < 4 + 4 * rank) throw new InvalidDataException($"{path}: the header is truncated.");
        var dims = new int[rank];
        long size = 1;
        for (int i = 0; i < rank; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(bytes[(4 + 4 * i)..]);
            if (dims[i] < 0) throw new InvalidDataException($"{path}: dimension {i} is negative ({dims[i]}).");
            size *= dims[i];
        }
        int offset = 4 + 4 * rank;
        if (bytes.Length - offset != size) throw new InvalidDataException($"{path}: the header promises {size} bytes of data; the file has {bytes.Length - offset}.");
        return (dims, bytes[offset..].ToArray());
    }
}
