using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using NevHub.Domain;

namespace NevHub.Storage.Spool;

/// <summary>
/// An append-only, fsynced log of <see cref="IngestBatch"/>es in numbered segment files (<c>000000000001.spool</c>, ...). A record
/// is <c>[u32 length][i64 checksum][payload]</c> (little-endian; checksum = <see cref="SampleContentHash.Compute(ReadOnlySpan{byte})"/>
/// of the payload); the payload is a format version byte (1) and the batch in <see cref="RecordCodec"/> form. A torn record at the
/// end of a segment (a crash while appending, never acknowledged) is ignored when read. Not thread-safe: the owner serialises calls.
/// </summary>
public sealed class DiskSpool : IDisposable
{
    private const byte FormatVersion = 1;
    private const int HeaderBytes = 12;
    private const string Extension = ".spool";

    private readonly string _directory;
    private readonly long _segmentBytes;
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private FileStream? _current;
    private long _currentNumber;

    public DiskSpool(string directory, long segmentBytes)
    {
        _directory = directory;
        _segmentBytes = segmentBytes;
        Directory.CreateDirectory(directory);
        var existing = Segments();
        _currentNumber = existing.Count == 0 ? 0 : existing[^1].Number;
    }

    /// <summary>Bytes in all segments.</summary>
    public long Bytes => Segments().Sum(s => new FileInfo(s.Path).Length);

    /// <summary>True when no segment holds a record.</summary>
    public bool IsEmpty => Segments().All(s => new FileInfo(s.Path).Length == 0);

    /// <summary>Appends a batch and returns once it is on disk (fsync).</summary>
    public void Append(IngestBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        _buffer.ResetWrittenCount();
        _buffer.GetSpan(HeaderBytes)[..HeaderBytes].Clear(); // filled in below, once the payload's length and checksum are known
        _buffer.Advance(HeaderBytes);
        _buffer.GetSpan(1)[0] = FormatVersion;
        _buffer.Advance(1);
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.GetSpan(4), batch.Samples.Count);
        _buffer.Advance(4);
        foreach (var sample in batch.Samples)
        {
            RecordCodec.WriteSample(_buffer, sample);
        }

        BinaryPrimitives.WriteInt32LittleEndian(_buffer.GetSpan(4), batch.RawFrames.Count);
        _buffer.Advance(4);
        foreach (var frame in batch.RawFrames)
        {
            RecordCodec.WriteRawFrame(_buffer, frame);
        }

        var record = _buffer.WrittenMemory.ToArray();
        var payload = record.AsSpan(HeaderBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)payload.Length);
        BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(4), SampleContentHash.Compute(payload));

        var stream = CurrentSegment();
        stream.Write(record);
        stream.Flush(flushToDisk: true);
        if (stream.Length >= _segmentBytes)
        {
            Seal();
        }
    }

    /// <summary>Closes the current segment (if it holds anything) so the next append starts a new one; returns the sealed segments, oldest first.</summary>
    public IReadOnlyList<string> Seal()
    {
        if (_current is { Length: > 0 })
        {
            _current.Dispose();
            _current = null;
        }

        var sealedSegments = Segments().Where(s => _current is null || s.Number != _currentNumber).Select(s => s.Path).ToList();
        return sealedSegments;
    }

    /// <summary>Reads every complete record of a segment, in order; stops at a torn or corrupt tail.</summary>
    public static List<IngestBatch> Read(string segmentPath)
    {
        var bytes = File.ReadAllBytes(segmentPath);
        var batches = new List<IngestBatch>();
        var offset = 0;
        while (bytes.Length - offset >= HeaderBytes)
        {
            var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset));
            var checksum = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(offset + 4));
            if (length > bytes.Length - offset - HeaderBytes)
            {
                break; // torn tail: the append never completed, so it was never acknowledged
            }

            var payload = bytes.AsMemory(offset + HeaderBytes, (int)length);
            if (SampleContentHash.Compute(payload.Span) != checksum || payload.Length == 0 || payload.Span[0] != FormatVersion)
            {
                break;
            }

            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(payload[1..]));
            var samples = new VehicleSample[ReadCount(ref reader)];
            for (var i = 0; i < samples.Length; i++)
            {
                samples[i] = RecordCodec.ReadSample(ref reader);
            }

            var frames = new RawFrame[ReadCount(ref reader)];
            for (var i = 0; i < frames.Length; i++)
            {
                frames[i] = RecordCodec.ReadRawFrame(ref reader);
            }

            batches.Add(new IngestBatch(samples, frames));
            offset += HeaderBytes + (int)length;
        }

        return batches;
    }

    /// <summary>Deletes a segment whose records are all in the store.</summary>
    public static void Delete(string segmentPath) => File.Delete(segmentPath);

    public void Dispose()
    {
        _current?.Dispose();
        _current = null;
    }

    private static int ReadCount(ref SequenceReader<byte> reader) =>
        reader.TryReadLittleEndian(out int count) && count >= 0 && count <= reader.Remaining
            ? count
            : throw new InvalidDataException("A spool record has a bad count.");

    private FileStream CurrentSegment()
    {
        if (_current is not null)
        {
            return _current;
        }

        _currentNumber++;
        var path = Path.Combine(_directory, _currentNumber.ToString("D12", CultureInfo.InvariantCulture) + Extension);
        _current = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 1, FileOptions.None);
        return _current;
    }

    private List<(long Number, string Path)> Segments()
    {
        var segments = new List<(long, string)>();
        foreach (var path in Directory.EnumerateFiles(_directory, "*" + Extension))
        {
            if (long.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                segments.Add((number, path));
            }
        }

        segments.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return segments;
    }
}
