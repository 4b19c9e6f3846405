using System.Buffers.Binary;
using System.Numerics;

namespace Microsoft.ML.FunctionalDnn;

/// <summary>
/// TFRecord framing, the container of TensorBoard event files: each record is a little-endian
/// uint64 length, the masked CRC-32C of those 8 bytes, the data, and the masked CRC-32C of the data.
/// </summary>
internal static class TfRecord
{
    private const int HeaderSize = 12, FooterSize = 4;

    /// <summary>CRC-32C (Castagnoli), rotated and offset the way TFRecord masks it.</summary>
    internal static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        uint crc = Crc32C(data);
        return ((crc >> 15) | (crc << 17)) + 0xA282EAD8u;
    }

    /// <summary>Plain CRC-32C (reflected polynomial 0x82F63B78, initial and final xor 0xFFFFFFFF), hardware-accelerated where the CPU has it.</summary>
    internal static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        int i = 0;
        for (; i + 8 <= data.Length; i += 8) crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
        for (; i < data.Length; i++) crc = BitOperations.Crc32C(crc, data[i]);
        return ~crc;
    }

    /// <summary>Appends one framed record to <paramref name="stream"/>.</summary>
    internal static void Write(Stream stream, ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], MaskedCrc(header[..8]));
        stream.Write(header);
        stream.Write(data);
        Span<byte> footer = stackalloc byte[FooterSize];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, MaskedCrc(data));
        stream.Write(footer);
    }

    /// <summary>
    /// Every record of a TFRecord file, each checked against its CRCs.
    /// </summary>
    /// <exception cref="InvalidDataException">A record is truncated or a CRC does not match (the message gives the file and byte offset).</exception>
    internal static List<byte[]> ReadAll(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var records = new List<byte[]>();
        long at = 0;
        while (at < bytes.Length)
        {
            if (bytes.Length - at < HeaderSize)
                throw new InvalidDataException($"{path}: truncated record header at byte {at} ({bytes.Length - at} of {HeaderSize} bytes).");
            var header = bytes.AsSpan((int)at, HeaderSize);
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(header);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header[8..]) != MaskedCrc(header[..8]))
                throw new InvalidDataException($"{path}: the length CRC of the record at byte {at} does not match; the file is corrupted.");
            if (length > (ulong)(bytes.Length - at - HeaderSize - FooterSize))
                throw new InvalidDataException($"{path}: the record at byte {at} declares {length} bytes but only {Math.Max(0, bytes.Length - at - HeaderSize - FooterSize)} remain; the file is truncated.");
            var data = bytes.AsSpan((int)(at + HeaderSize), (int)length);
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((int)(at + HeaderSize + (long)length), FooterSize)) != MaskedCrc(data))
                throw new InvalidDataException($"{path}: the data CRC of the record at byte {at} does not match; the file is corrupted.");
            records.Add(data.ToArray());
            at += HeaderSize + (long)length + FooterSize;
        }
        return records;
    }
}
