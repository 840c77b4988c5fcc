using System.Buffers;
using System.Buffers.Binary;
using NevHub.Processing;
using NevHub.Storage.Spool;

namespace NevHub.Messaging.RabbitMq;

/// <summary>
/// The wire form of a batch of live-twin states sent by processors to API nodes: <c>[version = 1][count, int32]</c>, then per state
/// <c>[flags: 1 latest sample, 2 session, 4 online, 8 last seen][VIN length (byte)][VIN, UTF-8][frames received, int64]</c>
/// <c>[last seen: UTC ticks int64, offset minutes int16]</c> (when flagged) and the sample and session in <see cref="RecordCodec"/> form.
/// A new layout gets a new version byte; receivers drop versions they do not know (live updates are best effort).
/// </summary>
public static class LiveUpdateCodec
{
    public const byte Version = 1;

    private const byte HasLatest = 1;
    private const byte HasSession = 2;
    private const byte IsOnline = 4;
    private const byte HasLastSeen = 8;

    public static byte[] Encode(IReadOnlyCollection<VehicleLiveState> states)
    {
        ArgumentNullException.ThrowIfNull(states);
        var buffer = new ArrayBufferWriter<byte>(256 * Math.Max(1, states.Count));
        var header = buffer.GetSpan(5);
        header[0] = Version;
        BinaryPrimitives.WriteInt32LittleEndian(header[1..], states.Count);
        buffer.Advance(5);
        foreach (var state in states)
        {
            var vinLength = System.Text.Encoding.UTF8.GetByteCount(state.Vin);
            if (vinLength > 255)
            {
                throw new ArgumentException("A VIN (entity key) longer than 255 UTF-8 bytes cannot be published.", nameof(states));
            }

            var span = buffer.GetSpan(2 + vinLength + 8 + 10);
            span[0] = (byte)((state.Latest is null ? 0 : HasLatest) | (state.Session is null ? 0 : HasSession)
                | (state.Online ? IsOnline : 0) | (state.LastSeen is null ? 0 : HasLastSeen));
            span[1] = (byte)vinLength;
            System.Text.Encoding.UTF8.GetBytes(state.Vin, span[2..]);
            var at = 2 + vinLength;
            BinaryPrimitives.WriteInt64LittleEndian(span[at..], state.FramesReceived);
            at += 8;
            if (state.LastSeen is { } seen)
            {
                BinaryPrimitives.WriteInt64LittleEndian(span[at..], seen.UtcTicks);
                BinaryPrimitives.WriteInt16LittleEndian(span[(at + 8)..], (short)seen.Offset.TotalMinutes);
                at += 10;
            }

            buffer.Advance(at);
            if (state.Latest is { } sample)
            {
                RecordCodec.WriteSample(buffer, sample);
            }

            if (state.Session is { } session)
            {
                RecordCodec.WriteSession(buffer, session);
            }
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a batch; throws <see cref="InvalidDataException"/> for an unknown version or a malformed body.</summary>
    public static IReadOnlyList<VehicleLiveState> Decode(ReadOnlyMemory<byte> body)
    {
        if (body.Length < 5 || body.Span[0] != Version)
        {
            throw new InvalidDataException("Unknown live update version " + (body.Length == 0 ? "(empty)" : body.Span[0].ToString(System.Globalization.CultureInfo.InvariantCulture)) + ".");
        }

        var count = BinaryPrimitives.ReadInt32LittleEndian(body.Span[1..]);
        if (count < 0 || count > body.Length)
        {
            throw new InvalidDataException("The live update's count is impossible.");
        }

        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(body[5..]));
        var states = new List<VehicleLiveState>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                states.Add(ReadState(ref reader));
            }
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new InvalidDataException("The live update is truncated.", ex);
        }

        return states;
    }

    private static VehicleLiveState ReadState(ref SequenceReader<byte> reader)
    {
        if (!reader.TryRead(out var flags) || !reader.TryRead(out var vinLength))
        {
            throw new InvalidDataException("The live update is truncated.");
        }

        Span<byte> vin = stackalloc byte[vinLength];
        if (!reader.TryCopyTo(vin))
        {
            throw new InvalidDataException("The live update is truncated.");
        }

        reader.Advance(vinLength);
        if (!reader.TryReadLittleEndian(out long frames))
        {
            throw new InvalidDataException("The live update is truncated.");
        }

        DateTimeOffset? lastSeen = null;
        if ((flags & HasLastSeen) != 0)
        {
            if (!reader.TryReadLittleEndian(out long ticks) || !reader.TryReadLittleEndian(out short offsetMinutes))
            {
                throw new InvalidDataException("The live update is truncated.");
            }

            lastSeen = new DateTimeOffset(ticks, TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(offsetMinutes));
        }

        return new VehicleLiveState
        {
            Vin = System.Text.Encoding.UTF8.GetString(vin),
            FramesReceived = frames,
            LastSeen = lastSeen,
            Online = (flags & IsOnline) != 0,
            Latest = (flags & HasLatest) != 0 ? RecordCodec.ReadSample(ref reader) : null,
            Session = (flags & HasSession) != 0 ? RecordCodec.ReadSession(ref reader) : null,
        };
    }
}
