using NevHub.Domain;
using NevHub.Protocols.Jt808;

namespace NevHub.Gateways.Jt808;

/// <summary>
/// Turns a decoded JT/T 808 location (0x0200, a 0x0704 record, 0x0201) into the protocol-independent <see cref="VehicleSample"/>.
/// The mapping is documented in docs/protocols/jt808.md ("Gateway"):
/// <list type="bullet">
/// <item>position: status bit 1 = fix; 0/0 and out-of-range coordinates are no position (null, Position marked invalid);
/// status bit 5 (encrypted coordinates) gives <see cref="CoordinateSystem.Other"/>, else WGS-84;</item>
/// <item>speed 0.1 km/h, heading 0–359° (else invalid), altitude (signed), item 0x01 mileage → odometer;</item>
/// <item>ACC (status bit 0) → <see cref="VehicleRunState.Started"/>/<see cref="VehicleRunState.Off"/>;</item>
/// <item>alarm DWORD kept as received in <see cref="VehicleSample.AlarmFlags"/> (read it with JT/T 808 bit names of
/// <see cref="VehicleSample.Protocol"/>'s version); <see cref="VehicleSample.AlarmLevel"/> from <see cref="AlarmLevelOf"/>;</item>
/// <item>battery values from the terminal's <see cref="Jt808BatteryProfile"/>;</item>
/// <item>a BCD time that is not a date gives the receive time.</item>
/// </list>
/// </summary>
public static class Jt808SampleMapper
{
    /// <summary>Alarm bits of level 3 (act now): 0 SOS, 26 stolen, 27 illegal ignition, 28 illegal displacement, 29 collision, 30 rollover.</summary>
    public const uint Level3Alarms = (1u << 0) | (1u << 26) | (1u << 27) | (1u << 28) | (1u << 29) | (1u << 30);

    /// <summary>Alarm bits of level 2: 1 overspeed, 2 fatigue, 7 main-power under-voltage, 8 main-power cut, 18 driving time exceeded.</summary>
    public const uint Level2Alarms = (1u << 1) | (1u << 2) | (1u << 7) | (1u << 8) | (1u << 18);

    public static TelemetryProtocol ProtocolOf(Jt808Version version) =>
        version == Jt808Version.V2019 ? TelemetryProtocol.Jt808V2019 : TelemetryProtocol.Jt808V2013;

    /// <summary>
    /// 0 no alarm; 3 when a level-3 bit is set (<see cref="Level3Alarms"/>); 2 for <see cref="Level2Alarms"/>; 1 for any
    /// other bit (warnings, module faults, area/route events, and 2013's vendor bits 15–17). Bit 30 counts as level 3 in
    /// both versions (rollover warning in 2013, rollover alarm in 2019).
    /// </summary>
    public static int AlarmLevelOf(uint alarmFlags) =>
        (alarmFlags & Level3Alarms) != 0 ? 3 : (alarmFlags & Level2Alarms) != 0 ? 2 : alarmFlags != 0 ? 1 : 0;

    public static VehicleSample Map(
        string vin,
        Jt808Version version,
        Jt808Location location,
        ReportKind kind,
        DateTimeOffset receivedAt,
        TimeSpan deviceOffset,
        Jt808BatteryProfile profile,
        out string? batteryCode)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(profile);
        var invalid = SampleField.None;
        var abnormal = SampleField.None;

        double? latitude = null, longitude = null;
        if (location.PositionInRange && (location.LatitudeRaw != 0 || location.LongitudeRaw != 0))
        {
            latitude = location.Latitude;
            longitude = location.Longitude;
        }
        else
        {
            invalid |= SampleField.Position;
        }

        double? heading = location.Direction <= 359 ? location.Direction : null;
        if (heading is null)
        {
            invalid |= SampleField.Heading;
        }

        var battery = profile.ReadItems(location.Items);
        batteryCode = battery.BatteryCode;
        var sample = new VehicleSample
        {
            Vin = vin,
            SampleTime = location.GetTime(deviceOffset) ?? receivedAt,
            ReceivedAt = receivedAt,
            Protocol = ProtocolOf(version),
            Kind = kind,
            VehicleState = location.AccOn ? VehicleRunState.Started : VehicleRunState.Off,
            SpeedKmh = location.SpeedKmh,
            OdometerKm = location.MileageKm,
            Latitude = latitude,
            Longitude = longitude,
            PositionValid = location.Positioned && latitude is not null,
            Coordinates = (location.StatusFlags & 0x20) != 0 ? CoordinateSystem.Other : CoordinateSystem.Wgs84,
            HeadingDegrees = heading,
            AltitudeM = location.AltitudeM,
            AlarmFlags = location.AlarmFlags,
            AlarmLevel = AlarmLevelOf(location.AlarmFlags),
        };

        return WithBattery(sample, battery) with
        {
            InvalidFields = invalid | battery.Invalid,
            AbnormalFields = abnormal | battery.Abnormal,
        };
    }

    /// <summary>
    /// A 0x0900 battery reading as a sample at the receive time. It repeats the connection's last known position and state
    /// (<paramref name="last"/>) with <see cref="VehicleSample.PositionValid"/> false — the domain's meaning of "no fix, last
    /// position repeated" — so the live twin keeps a position.
    /// </summary>
    public static VehicleSample MapTransparent(string vin, Jt808Version version, Jt808BatteryReading battery, DateTimeOffset receivedAt, VehicleSample? last)
    {
        var sample = new VehicleSample
        {
            Vin = vin,
            SampleTime = receivedAt,
            ReceivedAt = receivedAt,
            Protocol = ProtocolOf(version),
            Kind = ReportKind.Realtime,
            VehicleState = last?.VehicleState,
            Latitude = last?.Latitude,
            Longitude = last?.Longitude,
            Coordinates = last?.Coordinates ?? CoordinateSystem.Wgs84,
            OdometerKm = last?.OdometerKm,
            PositionValid = false,
            InvalidFields = battery.Invalid,
            AbnormalFields = battery.Abnormal,
        };
        return WithBattery(sample, battery);
    }

    private static VehicleSample WithBattery(VehicleSample sample, Jt808BatteryReading battery) => sample with
    {
        SocPercent = battery.Soc,
        PackVoltageV = battery.PackVoltageV,
        PackCurrentA = battery.PackCurrentA,
        MaxTemperatureC = battery.TemperatureC,
        MinTemperatureC = battery.TemperatureC,
        Charging = battery.Charging,
    };
}
