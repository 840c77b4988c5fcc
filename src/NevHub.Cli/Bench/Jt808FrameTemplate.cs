using System.Buffers.Binary;
using NevHub.Protocols.Jt808;

namespace NevHub.Cli.Bench;

/// <summary>
/// A pre-encoded JT/T 808-2013 location report (0x0200) of one electric motorcycle with the default battery profile's items
/// (0xE1 SOC, 0xE2 voltage, 0xE3 current, 0xE4 temperature, 0xE5 charging, 0xE6 battery code). Per frame the serial and the
/// BCD time are patched in the unescaped content, the checksum is recomputed and the content escaped again — a patched
/// serial or time byte can be 0x7D/0x7E, so the frame's length on the wire varies (<see cref="MaxLength"/> bounds it).
/// </summary>
internal sealed class Jt808FrameTemplate
{
    private const int SerialOffset = 10; // 2013 header: id 2, properties 2, phone 6, serial 2
    private const int TimeOffset = 12 + 22; // body: alarm 4, status 4, latitude 4, longitude 4, altitude 2, speed 2, heading 2, time BCD[6]
    private readonly byte[] _content;
    private readonly byte[] _scratch;
    private readonly DateTime _start;

    public Jt808FrameTemplate(string phone, DateTimeOffset start)
    {
        _start = start.ToOffset(TimeSpan.FromHours(8)).DateTime;
        var location = Jt808Location.Create(
            29.563456, 106.551234, start, status: 0x3, alarm: 0, altitudeM: 249, speedKmh: 33.5, direction: 87,
            items:
            [
                Jt808Items.MileageTenthsKm(123_456),
                Jt808Items.Byte(0xE1, 67),
                Jt808Items.Word(0xE2, 7540),
                Jt808Items.Word(0xE3, 1250),
                Jt808Items.Byte(0xE4, 68),
                Jt808Items.Byte(0xE5, 0),
                Jt808Items.Raw(0xE6, "CQSPB0112345678E61000001"u8),
            ]);
        var wire = Jt808Encoder.Encode(Jt808Header.Create2013(Jt808MessageIds.LocationReport, Jt808Phone.FromNumber(phone, Jt808Version.V2013), 0),
            new Jt808LocationReport(location));
        _content = new Jt808Framer().ReadComplete(wire).Content.ToArray();
        _scratch = new byte[_content.Length];
    }

    /// <summary>Longest possible frame on the wire (every byte escaped).</summary>
    public int MaxLength => 2 + (2 * _content.Length);

    /// <summary>Writes the report with serial <paramref name="index"/> and time start + <paramref name="index"/> seconds; returns its length.</summary>
    public int Write(long index, Span<byte> destination)
    {
        _content.CopyTo(_scratch);
        BinaryPrimitives.WriteUInt16BigEndian(_scratch.AsSpan(SerialOffset), unchecked((ushort)index));
        var t = _start.AddSeconds(index);
        var time = _scratch.AsSpan(TimeOffset, 6);
        time[0] = Bcd(t.Year % 100);
        time[1] = Bcd(t.Month);
        time[2] = Bcd(t.Day);
        time[3] = Bcd(t.Hour);
        time[4] = Bcd(t.Minute);
        time[5] = Bcd(t.Second);
        _scratch[^1] = Jt808Wire.Checksum(_scratch.AsSpan(0, _scratch.Length - 1));
        return Jt808Wire.WriteEscapedFrame(_scratch, destination);
    }

    private static byte Bcd(int value) => (byte)(((value / 10) << 4) | (value % 10));
}
