using System.Globalization;
using Google.Protobuf;
using Microsoft.ML.FunctionalDnn.TensorBoardProtos;

namespace Microsoft.ML.FunctionalDnn.Summaries;

/// <summary>
/// One TensorBoard event file: <c>events.out.tfevents.&lt;10-digit seconds&gt;.&lt;host&gt;.&lt;pid&gt;.&lt;n&gt;</c>
/// in a run directory, starting with the <c>brain.Event:2</c> version record. Writes are buffered
/// and reach the disk on <see cref="Flush"/> and <see cref="Dispose"/>. Safe to use from several threads.
/// </summary>
internal sealed class EventFileWriter : IDisposable
{
    private static int s_counter = -1;
    private readonly FileStream _stream;
    private readonly Lock _lock = new();
    private bool _disposed;

    internal EventFileWriter(string directory)
    {
        Directory.CreateDirectory(directory);
        long seconds = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string host = SafeHostName();
        int n = Interlocked.Increment(ref s_counter);
        FilePath = Path.Combine(directory, string.Create(CultureInfo.InvariantCulture,
            $"events.out.tfevents.{seconds:D10}.{host}.{Environment.ProcessId}.{n}"));
        _stream = new FileStream(FilePath, FileMode.CreateNew, FileAccess.Write, FileShare.Read, bufferSize: 1 << 16);
        Write(new Event { WallTime = WallTime(), FileVersion = "brain.Event:2" });
        Flush();
    }

    /// <summary>The file this writer appends to.</summary>
    internal string FilePath { get; }

    internal static double WallTime() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    internal void Write(Event e)
    {
        var bytes = e.ToByteArray();
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            TfRecord.Write(_stream, bytes);
        }
    }

    internal void Flush()
    {
        lock (_lock)
        {
            if (!_disposed) _stream.Flush();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            _stream.Dispose();
        }
    }

    /// <summary>The host name with characters that do not belong in a file name replaced.</summary>
    private static string SafeHostName()
    {
        string host;
        try { host = Environment.MachineName; }
        catch (InvalidOperationException) { host = "localhost"; }
        var chars = host.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray();
        return chars.Length == 0 ? "localhost" : new string(chars);
    }
}
