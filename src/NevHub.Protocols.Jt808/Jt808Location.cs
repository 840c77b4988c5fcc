using System.Buffers.Binary;

namespace NevHub.Protocols.Jt808;

/// <summary>
/// A 0x0200 location body: the 28-byte basic block (alarm DWORD, status DWORD, latitude/longitude DWORD in 1e-6°,
/// altitude WORD m, speed WORD 0.1 km/h, direction WORD, time BCD[6] GMT+8) followed by additional items.
/// Raw wire values are kept; engineering values are derived.
/// </summary>
public sealed record Jt808Location
{
    public const int BasicLength = 28;

    public uint AlarmFlags { get; init; }

    public uint StatusFlags { get; init; }

    /// <summary>Latitude magnitude in 1e-6 degrees (the sign is status bit 2).</summary>
    public uint LatitudeRaw { get; init; }

    /// <summary>Longitude magnitude in 1e-6 degrees (the sign is status bit 3).</summary>
    public uint LongitudeRaw { get; init; }

    /// <summary>Altitude in metres, read as signed (jt808.md §12 item 9).</summary>
    public short AltitudeM { get; init; }

    /// <summary>Speed in 0.1 km/h.</summary>
    public ushort SpeedRaw { get; init; }

    /// <summary>Direction 0-359°, 0 = north.</summary>
    public ushort Direction { get; init; }

    public Jt808BcdTime Time { get; init; }

    public IReadOnlyList<Jt808AdditionalItem> Items { get; init; } = [];

    /// <summary>Bytes after the last whole item when an item length ran past the body (§12 item 14); empty normally.</summary>
    public ReadOnlyMemory<byte> TrailingBytes { get; init; }

    public bool AccOn => (StatusFlags & 0x1) != 0;

    public bool Positioned => (StatusFlags & 0x2) != 0;

    public bool SouthLatitude => (StatusFlags & 0x4) != 0;

    public bool WestLongitude => (StatusFlags & 0x8) != 0;

    /// <summary>Load state, status bits 8-9: 0 empty, 1 half, 2 reserved, 3 full.</summary>
    public int LoadState => (int)((StatusFlags >> 8) & 0x3);

    /// <summary>Signed latitude in degrees.</summary>
    public double Latitude => (SouthLatitude ? -1 : 1) * (LatitudeRaw / 1e6);

    /// <summary>Signed longitude in degrees.</summary>
    public double Longitude => (WestLongitude ? -1 : 1) * (LongitudeRaw / 1e6);

    public double SpeedKmh => SpeedRaw / 10.0;

    /// <summary>False when latitude &gt; 90 or longitude &gt; 180 (the report is kept; the position is not usable).</summary>
    public bool PositionInRange => LatitudeRaw <= 90_000_000 && LongitudeRaw <= 180_000_000;

    /// <summary>True when an item length ran past the body (a data-quality flag, not an error).</summary>
    public bool HasItemOverrun => !TrailingBytes.IsEmpty;

    /// <summary>The first item with <paramref name="id"/>, if any.</summary>
    public Jt808AdditionalItem? Find(byte id)
    {
        foreach (var item in Items)
        {
            if (item.Id == id)
            {
                return item;
            }
        }

        return null;
    }

    /// <summary>0x01 odometer in km.</summary>
    public double? MileageKm => Find(Jt808Items.Mileage) is { } i && Jt808Items.ReadDword(i) is { } v ? v / 10.0 : null;

    /// <summary>0x02 fuel in L.</summary>
    public double? FuelLitres => Find(Jt808Items.Fuel) is { } i && Jt808Items.ReadWord(i) is { } v ? v / 10.0 : null;

    /// <summary>0x03 tachograph speed in km/h.</summary>
    public double? TachographSpeedKmh => Find(Jt808Items.TachographSpeed) is { } i && Jt808Items.ReadWord(i) is { } v ? v / 10.0 : null;

    /// <summary>0x30 signal strength.</summary>
    public byte? SignalStrength => Find(Jt808Items.SignalStrength) is { } i ? Jt808Items.ReadByte(i) : null;

    /// <summary>0x31 GNSS satellites in use.</summary>
    public byte? GnssSatellites => Find(Jt808Items.GnssSatellites) is { } i ? Jt808Items.ReadByte(i) : null;

    /// <summary>The device time read at <paramref name="deviceOffset"/> (GMT+8 by default); null when invalid.</summary>
    public DateTimeOffset? GetTime(TimeSpan deviceOffset) => Time.GetTime(deviceOffset);

    /// <summary>Builds a location from engineering values (signs set status bits 2/3).</summary>
    public static Jt808Location Create(
        double latitude, double longitude, DateTimeOffset time, uint status = 0x2, uint alarm = 0,
        short altitudeM = 0, double speedKmh = 0, ushort direction = 0, IReadOnlyList<Jt808AdditionalItem>? items = null,
        TimeSpan? deviceOffset = null)
    {
        status &= ~0xCu;
        if (latitude < 0)
        {
            status |= 0x4;
        }

        if (longitude < 0)
        {
            status |= 0x8;
        }

        return new Jt808Location
        {
            AlarmFlags = alarm,
            StatusFlags = status,
            LatitudeRaw = checked((uint)Math.Round(Math.Abs(latitude) * 1e6)),
            LongitudeRaw = checked((uint)Math.Round(Math.Abs(longitude) * 1e6)),
            AltitudeM = altitudeM,
            SpeedRaw = checked((ushort)Math.Round(speedKmh * 10)),
            Direction = direction,
            Time = Jt808BcdTime.From(time, deviceOffset ?? TimeSpan.FromHours(8)),
            Items = items ?? [],
        };
    }

    internal static Jt808Location Read(ReadOnlyMemory<byte> body)
    {
        var span = body.Span;
        if (span.Length < BasicLength)
        {
            Jt808Throw.Body($"A location body needs {BasicLength} bytes; {span.Length} present.");
        }

        var items = new List<Jt808AdditionalItem>();
        var offset = BasicLength;
        var trailing = ReadOnlyMemory<byte>.Empty;
        while (offset < span.Length)
        {
            if (span.Length - offset < 2 || span[offset + 1] > span.Length - offset - 2)
            {
                trailing = body[offset..];
                break;
            }

            var length = span[offset + 1];
            items.Add(new Jt808AdditionalItem(span[offset], body.Slice(offset + 2, length)));
            offset += 2 + length;
        }

        return new Jt808Location
        {
            AlarmFlags = BinaryPrimitives.ReadUInt32BigEndian(span),
            StatusFlags = BinaryPrimitives.ReadUInt32BigEndian(span[4..]),
            LatitudeRaw = BinaryPrimitives.ReadUInt32BigEndian(span[8..]),
            LongitudeRaw = BinaryPrimitives.ReadUInt32BigEndian(span[12..]),
            AltitudeM = BinaryPrimitives.ReadInt16BigEndian(span[16..]),
            SpeedRaw = BinaryPrimitives.ReadUInt16BigEndian(span[18..]),
            Direction = BinaryPrimitives.ReadUInt16BigEndian(span[20..]),
            Time = Jt808BcdTime.Read(span[22..]),
            Items = items,
            TrailingBytes = trailing,
        };
    }

    internal void Write(Jt808BodyWriter writer)
    {
        writer.WriteUInt32(AlarmFlags);
        writer.WriteUInt32(StatusFlags);
        writer.WriteUInt32(LatitudeRaw);
        writer.WriteUInt32(LongitudeRaw);
        writer.WriteUInt16(unchecked((ushort)AltitudeM));
        writer.WriteUInt16(SpeedRaw);
        writer.WriteUInt16(Direction);
        Time.WriteTo(writer.Grow(6));
        foreach (var item in Items)
        {
            if (item.Length > 255)
            {
                throw new ArgumentException($"Additional item 0x{item.Id:X2} is {item.Length} bytes; at most 255 fit.");
            }

            writer.WriteByte(item.Id);
            writer.WriteByte((byte)item.Length);
            writer.WriteBytes(item.Span);
        }

        writer.WriteBytes(TrailingBytes.Span);
    }

    internal int EncodedLength()
    {
        var n = BasicLength + TrailingBytes.Length;
        foreach (var item in Items)
        {
            n += 2 + item.Length;
        }

        return n;
    }
}
