using System.Buffers.Binary;
using Google.Protobuf;
using Microsoft.ML.FunctionalDnn.Summaries;
using Microsoft.ML.FunctionalDnn.TensorBoardProtos;

namespace Microsoft.ML.FunctionalDnn.Tests.TensorBoard;

/// <summary>
/// Reads back what the library's <see cref="EventFileWriter"/> writes, checking every CRC: the
/// library only writes event files (TensorBoard reads them), so the reading side lives with the tests.
/// </summary>
internal static class EventFileReader
{
    private const int HeaderSize = TfRecord.HeaderSize, FooterSize = TfRecord.FooterSize;

    /// <summary>Every record of a TFRecord file, each checked against its masked CRC-32Cs.</summary>
    /// <exception cref="InvalidDataException">A record is truncated or a CRC does not match (the message gives the file and byte offset).</exception>
    internal static List<byte[]> ReadRecords(string path)
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
            if (BinaryPrimitives.ReadUInt32LittleEndian(header[8..]) != TfRecord.MaskedCrc(header[..8]))
                throw new InvalidDataException($"{path}: the length CRC of the record at byte {at} does not match; the file is corrupted.");
            if (length > (ulong)(bytes.Length - at - HeaderSize - FooterSize))
                throw new InvalidDataException($"{path}: the record at byte {at} declares {length} bytes but only {Math.Max(0, bytes.Length - at - HeaderSize - FooterSize)} remain; the file is truncated.");
            var data = bytes.AsSpan((int)(at + HeaderSize), (int)length);
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((int)(at + HeaderSize + (long)length), FooterSize)) != TfRecord.MaskedCrc(data))
                throw new InvalidDataException($"{path}: the data CRC of the record at byte {at} does not match; the file is corrupted.");
            records.Add(data.ToArray());
            at += HeaderSize + (long)length + FooterSize;
        }
        return records;
    }

    /// <summary>Every event of a file, CRCs checked; the first must be the version record.</summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed event file.</exception>
    internal static List<Event> ReadEvents(string path)
    {
        var events = ReadRecords(path).Select(r =>
        {
            try { return Event.Parser.ParseFrom(r); }
            catch (InvalidProtocolBufferException e) { throw new InvalidDataException($"{path}: a record is not an Event message: {e.Message}", e); }
        }).ToList();
        if (events.Count == 0 || events[0].WhatCase != Event.WhatOneofCase.FileVersion || events[0].FileVersion != "brain.Event:2")
            throw new InvalidDataException($"{path}: the first record is not the file_version \"brain.Event:2\" event.");
        return events;
    }
}
