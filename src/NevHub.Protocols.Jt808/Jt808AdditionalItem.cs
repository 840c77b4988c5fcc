using System.Buffers.Binary;

namespace NevHub.Protocols.Jt808;

/// <summary>
/// One additional-information TLV of a 0x0200 body: id BYTE, length BYTE, value. Every item keeps its id and raw value,
/// whatever the id, so a per-device-model profile can interpret vendor items (0xE0-0xFF, 0x61, …) later.
/// </summary>
public readonly record struct Jt808AdditionalItem(byte Id, ReadOnlyMemory<byte> Value)
{
    /// <summary>The value length (the item's length byte).</summary>
    public int Length => Value.Length;

    public ReadOnlySpan<byte> Span => Value.Span;
}

/// <summary>
/// Standard additional-item ids (jt808.md §9), typed readers (null when the length is not the standard one) and factories.
/// </summary>
public static class Jt808Items
{
    public const byte Mileage = 0x01;
    public const byte Fuel = 0x02;
    public const byte TachographSpeed = 0x03;
    public const byte AlarmEventId = 0x04;
    public const byte TirePressure = 0x05;
    public const byte CompartmentTemperature = 0x06;
    public const byte OverspeedInfo = 0x11;
    public const byte AreaRouteInOutInfo = 0x12;
    public const byte RouteTimeInfo = 0x13;
    public const byte ExtendedVehicleSignals = 0x25;
    public const byte IoStatus = 0x2A;
    public const byte Analog = 0x2B;
    public const byte SignalStrength = 0x30;
    public const byte GnssSatellites = 0x31;

    /// <summary>The standard name of <paramref name="id"/> for a header <paramref name="version"/>, or null (unknown / reserved / vendor).</summary>
    public static string? NameOf(byte id, Jt808Version version) => id switch
    {
        Mileage => "mileage",
        Fuel => "fuel",
        TachographSpeed => "tachograph_speed",
        AlarmEventId => "alarm_event_id",
        TirePressure when version == Jt808Version.V2019 => "tire_pressure",
        CompartmentTemperature when version == Jt808Version.V2019 => "compartment_temperature",
        OverspeedInfo => "overspeed_alarm_info",
        AreaRouteInOutInfo => "area_route_in_out_info",
        RouteTimeInfo => "route_time_alarm_info",
        ExtendedVehicleSignals => "extended_vehicle_signal_status",
        IoStatus => "io_status",
        Analog => "analog",
        SignalStrength => "signal_strength",
        GnssSatellites => "gnss_satellites",
        _ => null,
    };

    /// <summary>The value length the standard gives <paramref name="id"/> (0x11 also allows 1), or -1 when it has none.</summary>
    public static int StandardLength(byte id) => id switch
    {
        Mileage => 4,
        Fuel or TachographSpeed or AlarmEventId or CompartmentTemperature or IoStatus => 2,
        TirePressure => 30,
        OverspeedInfo => 5,
        AreaRouteInOutInfo => 6,
        RouteTimeInfo => 7,
        ExtendedVehicleSignals or Analog => 4,
        SignalStrength or GnssSatellites => 1,
        _ => -1,
    };

    /// <summary>True when the item's length fits the standard definition of its id under <paramref name="version"/>.</summary>
    public static bool IsStandard(in Jt808AdditionalItem item, Jt808Version version) =>
        NameOf(item.Id, version) is not null
        && (item.Length == StandardLength(item.Id) || (item.Id == OverspeedInfo && item.Length == 1));

    // Typed readers -------------------------------------------------------------------------------------------------

    public static uint? ReadDword(in Jt808AdditionalItem item) =>
        item.Length == 4 ? BinaryPrimitives.ReadUInt32BigEndian(item.Span) : null;

    public static ushort? ReadWord(in Jt808AdditionalItem item) =>
        item.Length == 2 ? BinaryPrimitives.ReadUInt16BigEndian(item.Span) : null;

    public static byte? ReadByte(in Jt808AdditionalItem item) => item.Length == 1 ? item.Span[0] : null;

    /// <summary>2019 0x06: sign-magnitude WORD, °C.</summary>
    public static int? ReadSignMagnitude16(in Jt808AdditionalItem item) =>
        ReadWord(item) is { } w ? ((w & 0x8000) != 0 ? -(w & 0x7FFF) : w) : null;

    /// <summary>0x11: location type [+ area/route id].</summary>
    public static (byte LocationType, uint? AreaOrRouteId)? ReadOverspeed(in Jt808AdditionalItem item) => item.Length switch
    {
        1 => (item.Span[0], null),
        5 => (item.Span[0], BinaryPrimitives.ReadUInt32BigEndian(item.Span[1..])),
        _ => null,
    };

    /// <summary>0x12: location type, area/route id, direction (0 in, 1 out).</summary>
    public static (byte LocationType, uint AreaOrRouteId, byte Direction)? ReadAreaRouteInOut(in Jt808AdditionalItem item) =>
        item.Length == 6 ? (item.Span[0], BinaryPrimitives.ReadUInt32BigEndian(item.Span[1..]), item.Span[5]) : null;

    /// <summary>0x13: route id, driving time s, result (0 too short, 1 too long).</summary>
    public static (uint RouteId, ushort DriveTimeSeconds, byte Result)? ReadRouteTime(in Jt808AdditionalItem item) =>
        item.Length == 7
            ? (BinaryPrimitives.ReadUInt32BigEndian(item.Span), BinaryPrimitives.ReadUInt16BigEndian(item.Span[4..]), item.Span[6])
            : null;

    // Factories -----------------------------------------------------------------------------------------------------

    public static Jt808AdditionalItem Dword(byte id, uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new Jt808AdditionalItem(id, bytes);
    }

    public static Jt808AdditionalItem Word(byte id, ushort value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        return new Jt808AdditionalItem(id, bytes);
    }

    public static Jt808AdditionalItem Byte(byte id, byte value) => new(id, new[] { value });

    /// <summary>Any item, raw (vendor items included). The value must be at most 255 bytes.</summary>
    public static Jt808AdditionalItem Raw(byte id, ReadOnlySpan<byte> value)
    {
        if (value.Length > 255)
        {
            throw new ArgumentOutOfRangeException(nameof(value), "An additional item holds at most 255 bytes.");
        }

        return new Jt808AdditionalItem(id, value.ToArray());
    }

    /// <summary>0x01 mileage in units of 0.1 km.</summary>
    public static Jt808AdditionalItem MileageTenthsKm(uint tenths) => Dword(Mileage, tenths);

    /// <summary>0x06 compartment temperature, sign-magnitude (−32767…32767 °C).</summary>
    public static Jt808AdditionalItem Temperature(int celsius)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Math.Abs(celsius), 0x7FFF, nameof(celsius));
        return Word(CompartmentTemperature, (ushort)(celsius < 0 ? 0x8000 | -celsius : celsius));
    }

    public static Jt808AdditionalItem Overspeed(byte locationType, uint? areaOrRouteId)
    {
        if (areaOrRouteId is not { } id)
        {
            return Byte(OverspeedInfo, locationType);
        }

        var bytes = new byte[5];
        bytes[0] = locationType;
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(1), id);
        return new Jt808AdditionalItem(OverspeedInfo, bytes);
    }

    public static Jt808AdditionalItem AreaRouteInOut(byte locationType, uint areaOrRouteId, byte direction)
    {
        var bytes = new byte[6];
        bytes[0] = locationType;
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(1), areaOrRouteId);
        bytes[5] = direction;
        return new Jt808AdditionalItem(AreaRouteInOutInfo, bytes);
    }

    public static Jt808AdditionalItem RouteTime(uint routeId, ushort driveTimeSeconds, byte result)
    {
        var bytes = new byte[7];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, routeId);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(4), driveTimeSeconds);
        bytes[6] = result;
        return new Jt808AdditionalItem(RouteTimeInfo, bytes);
    }

    /// <summary>0x2B analog: AD0 in the low word, AD1 in the high word.</summary>
    public static Jt808AdditionalItem AnalogInputs(ushort ad0, ushort ad1) => Dword(Analog, ((uint)ad1 << 16) | ad0);
}
