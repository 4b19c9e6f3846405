using System.Buffers.Binary;
using System.Numerics;

namespace Microsoft.ML.FunctionalDnn.Summaries;

/// <summary>
/// TFRecord framing, the container of TensorBoard event files: each record is a little-endian
/// uint64 length, the masked CRC-32C of those 8 bytes, the data, and the masked CRC-32C of the data.
/// The library only writes records (the tests read them back, in Tests/TensorBoard/EventFileReader.cs).
/// </summary>
internal static class TfRecord
{
    /// <summary>The length (8 bytes) and its masked CRC (4).</summary>
    internal const int HeaderSize = 12;

    /// <summary>The data's masked CRC.</summary>
    internal const int FooterSize = 4;

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
}
