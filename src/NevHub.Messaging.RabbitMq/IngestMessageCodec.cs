using System.Buffers;
using NevHub.Processing;
using NevHub.Storage.Spool;

namespace NevHub.Messaging.RabbitMq;

/// <summary>
/// The wire form of an <see cref="IngestMessage"/> on the bus: <c>[version = 1][flags: 1 sample, 2 raw frame, 4 session][VIN length (byte)][VIN, UTF-8]</c> then
/// the present parts in <see cref="RecordCodec"/> form. A new layout gets a new version byte; consumers refuse versions they do not know.
/// </summary>
public static class IngestMessageCodec
{
    public const byte Version = 1;

    private const byte HasSample = 1;
    private const byte HasRaw = 2;
    private const byte HasSession = 4;

    public static byte[] Encode(IngestMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var buffer = new ArrayBufferWriter<byte>(512);
        var header = buffer.GetSpan(2);
        header[0] = Version;
        header[1] = (byte)((message.Sample is null ? 0 : HasSample) | (message.Raw is null ? 0 : HasRaw) | (message.Session is null ? 0 : HasSession));
        buffer.Advance(2);
        var vinLength = System.Text.Encoding.UTF8.GetByteCount(message.Vin);
        if (vinLength > 255)
        {
            throw new ArgumentException("A VIN (entity key) longer than 255 UTF-8 bytes cannot be published.", nameof(message));
        }

        buffer.GetSpan(1)[0] = (byte)vinLength;
        buffer.Advance(1);
        System.Text.Encoding.UTF8.GetBytes(message.Vin, buffer.GetSpan(vinLength));
        buffer.Advance(vinLength);
        if (message.Sample is { } sample)
        {
            RecordCodec.WriteSample(buffer, sample);
        }

        if (message.Raw is { } raw)
        {
            RecordCodec.WriteRawFrame(buffer, raw);
        }

        if (message.Session is { } session)
        {
            RecordCodec.WriteSession(buffer, session);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a message; throws <see cref="InvalidDataException"/> for an unknown version or a malformed body.</summary>
    public static IngestMessage Decode(ReadOnlyMemory<byte> body)
    {
        if (body.Length < 2 || body.Span[0] != Version)
        {
            throw new InvalidDataException("Unknown ingest message version " + (body.Length == 0 ? "(empty)" : body.Span[0].ToString(System.Globalization.CultureInfo.InvariantCulture)) + ".");
        }

        var flags = body.Span[1];
        if (body.Length < 3 || body.Length < 3 + body.Span[2])
        {
            throw new InvalidDataException("The ingest message is truncated.");
        }

        var vin = System.Text.Encoding.UTF8.GetString(body.Span.Slice(3, body.Span[2]));
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(body[(3 + body.Span[2])..]));
        return new IngestMessage
        {
            Vin = vin,
            Sample = (flags & HasSample) != 0 ? RecordCodec.ReadSample(ref reader) : null,
            Raw = (flags & HasRaw) != 0 ? RecordCodec.ReadRawFrame(ref reader) : null,
            Session = (flags & HasSession) != 0 ? RecordCodec.ReadSession(ref reader) : null,
        };
    }
}
