using System.Globalization;
using NevHub.Domain;
using NevHub.Protocols.Jt808;
using NevHub.Simulator.Model;

namespace NevHub.Simulator.Jt808;

/// <summary>
/// Builds the JT/T 808 messages of a simulated electric motorcycle with the codec in <c>NevHub.Protocols.Jt808</c>:
/// registration, authentication, location reports with the standard items and the default battery profile's vendor items
/// (0xE1 SOC, 0xE2 voltage, 0xE3 current, 0xE4 temperature, 0xE5 charging state, 0xE6 battery code), blind-area batches,
/// and the answers to platform commands.
/// </summary>
public static class Jt808SampleMessages
{
    /// <summary>Chongqing: GB/T 2260 code 500100 → province 50, city 0100.</summary>
    public const ushort ProvinceId = 50;

    public const ushort CityId = 100;

    /// <summary>Manufacturer id the simulated trackers register with (5 bytes, fits the 2013 layout).</summary>
    public const string ManufacturerId = "NHSIM";

    /// <summary>Most locations in one 0x0704 (each record is about 80 bytes; the body stays under 1023 bytes).</summary>
    public const int MaxBatch = 10;

    private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);

    /// <summary>The header edition of the vehicle's tracker.</summary>
    public static Jt808Version VersionOf(SimVehicle vehicle)
    {
        ArgumentNullException.ThrowIfNull(vehicle);
        return vehicle.Protocol == TelemetryProtocol.Jt808V2019 ? Jt808Version.V2019 : Jt808Version.V2013;
    }

    public static Jt808Phone PhoneOf(SimVehicle vehicle)
    {
        ArgumentNullException.ThrowIfNull(vehicle);
        return Jt808Phone.FromNumber(vehicle.TerminalPhone ?? throw new ArgumentException("Not a JT/T 808 vehicle.", nameof(vehicle)), VersionOf(vehicle));
    }

    public static Jt808Header Header(SimVehicle vehicle, ushort messageId, ushort serial) =>
        VersionOf(vehicle) == Jt808Version.V2019
            ? Jt808Header.Create2019(messageId, PhoneOf(vehicle), serial)
            : Jt808Header.Create2013(messageId, PhoneOf(vehicle), serial);

    /// <summary>Terminal id: "M" + the vehicle index (7 characters, the 2013 field size).</summary>
    public static string TerminalId(SimVehicle vehicle)
    {
        ArgumentNullException.ThrowIfNull(vehicle);
        return string.Create(CultureInfo.InvariantCulture, $"M{vehicle.Index % 1_000_000:D6}");
    }

    /// <summary>0x0100: Chongqing, <see cref="ManufacturerId"/>, the model, the terminal id, plate colour 0 and the VIN in the plate field.</summary>
    public static Jt808Registration Registration(SimVehicle vehicle)
    {
        ArgumentNullException.ThrowIfNull(vehicle);
        var layout = VersionOf(vehicle) == Jt808Version.V2019 ? Jt808RegistrationLayout.V2019 : Jt808RegistrationLayout.V2013;
        return Jt808Registration.Create(layout, ProvinceId, CityId, ManufacturerId, vehicle.Spec.Model, TerminalId(vehicle), 0, vehicle.Vin);
    }

    /// <summary>0x0102 (2019: with an IMEI derived from the phone and a software version).</summary>
    public static Jt808Authentication Authentication(SimVehicle vehicle, string code)
    {
        ArgumentNullException.ThrowIfNull(vehicle);
        return VersionOf(vehicle) == Jt808Version.V2019
            ? new Jt808Authentication(code, "86" + vehicle.TerminalPhone![^12..] + "0", "NevHubSim 1.0")
            : new Jt808Authentication(code);
    }

    /// <summary>
    /// JT/T 808 alarm bits of a sample: SOC low → bit 7 (main-power under-voltage: the traction pack is the tracker's main
    /// power); a level-3 fault (the rider stops and calls for help) → bit 0 (emergency). Other battery faults have no
    /// JT/T 808 bit; they show in the 0xE4 temperature.
    /// </summary>
    public static uint AlarmBits(SimSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var bits = 0u;
        if ((sample.AlarmFlags & (1u << (int)AlarmKind.SocLow)) != 0)
        {
            bits |= 1u << 7;
        }

        if (sample.AlarmLevel >= 3)
        {
            bits |= 1u;
        }

        return bits;
    }

    /// <summary>Status bits: 0 ACC on (vehicle started), 1 positioned (always: the model always has a fix).</summary>
    public static uint StatusBits(SimSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        return (sample.VehicleState == VehicleRunState.Started ? 1u : 0u) | 0x2u;
    }

    /// <summary>Charging code of item 0xE5: 0 not charging, 1 charging, 2 charge complete.</summary>
    public static byte ChargingCode(ChargingState state) => state switch
    {
        ChargingState.ParkedCharging or ChargingState.DrivingCharging => 1,
        ChargingState.ChargeComplete => 2,
        _ => 0,
    };

    /// <summary>The location of a sample: position, altitude, speed, heading, terminal time, standard and battery items.</summary>
    public static Jt808Location Location(SimSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var items = new List<Jt808AdditionalItem>(7)
        {
            Jt808Items.MileageTenthsKm((uint)Math.Round(sample.OdometerKm * 10)),
            Jt808Items.Byte(0xE1, (byte)Math.Clamp(sample.SocPercent, 0, 100)),
            Jt808Items.Word(0xE2, (ushort)Math.Clamp(Math.Round(sample.PackVoltageV * 100), 0, 65534)),
            Jt808Items.Word(0xE3, unchecked((ushort)(short)Math.Clamp(Math.Round(sample.PackCurrentA * 100), short.MinValue, short.MaxValue))),
            Jt808Items.Byte(0xE4, (byte)Math.Clamp(sample.MaxProbeC + 40, 0, 250)),
            Jt808Items.Byte(0xE5, ChargingCode(sample.Charging)),
        };
        if (sample.PackCode.Length == 24)
        {
            items.Add(Jt808Items.Raw(0xE6, System.Text.Encoding.ASCII.GetBytes(sample.PackCode)));
        }

        return Jt808Location.Create(
            sample.Latitude, sample.Longitude, sample.SampleTime, StatusBits(sample), AlarmBits(sample),
            (short)Math.Clamp(sample.AltitudeM, short.MinValue, short.MaxValue), sample.SpeedKmh, (ushort)(sample.HeadingDeg % 360), items, Beijing);
    }

    /// <summary>The parameters a simulated tracker reports for 0x8104 (all) or 0x8106 (those asked for that it has).</summary>
    public static IReadOnlyList<Jt808Parameter> Parameters(SimVehicle vehicle, SimulatorOptions options, IReadOnlyList<uint>? ids = null)
    {
        ArgumentNullException.ThrowIfNull(vehicle);
        ArgumentNullException.ThrowIfNull(options);
        var all = new List<Jt808Parameter>
        {
            Jt808Parameters.Dword(Jt808Parameters.HeartbeatInterval, (uint)options.HeartbeatPeriod.TotalSeconds),
            Jt808Parameters.Dword(Jt808Parameters.DefaultReportInterval, (uint)options.ReportPeriod.TotalSeconds),
            Jt808Parameters.Dword(Jt808Parameters.ServerTcpPort, (uint)options.Jt808Port),
            Jt808Parameters.String(Jt808Parameters.MainServerAddress, options.Host),
            Jt808Parameters.Word(Jt808Parameters.Province, ProvinceId),
            Jt808Parameters.Word(Jt808Parameters.City, CityId),
            Jt808Parameters.String(Jt808Parameters.Plate, vehicle.Vin),
            Jt808Parameters.Byte(Jt808Parameters.PlateColor, 0),
        };
        return ids is null ? all : all.Where(p => ids.Contains(p.Id)).ToList();
    }
}
