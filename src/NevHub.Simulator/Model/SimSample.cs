using NevHub.Domain;

namespace NevHub.Simulator.Model;

/// <summary>Why the terminal sent a sample.</summary>
public enum SampleOrigin
{
    /// <summary>The regular report (every report period; every second during a level-3 alarm).</summary>
    Realtime = 1,

    /// <summary>One of the 1-second samples of the 30 s before a level-3 alarm, sent as a reissue (0x03).</summary>
    PreAlarm = 2,
}

/// <summary>Gear as GB/T 32960 encodes it (bits 3–0 of the gear byte).</summary>
public enum SimGear
{
    Neutral = 0,
    Reverse = 13,
    Drive = 14,
    Park = 15,
}

/// <summary>The GB/T 32960 general alarm flag bits the simulator raises.</summary>
public enum AlarmKind
{
    TemperatureDifference = 0,
    HighTemperature = 1,
    SocLow = 4,
    Insulation = 11,
}

/// <summary>
/// One sample as the terminal reports it. Values are already at wire resolution (speed 0.1 km/h, odometer 0.1 km,
/// voltage 0.1 V, current 0.1 A, SOC 1 %, cells 1 mV, probes 1 °C, position 1e-6°), so what a codec decodes equals
/// these values exactly. Fields marked "model truth" are not sent.
/// </summary>
public sealed class SimSample
{
    /// <summary>Collection time on the terminal's clock (true time + the vehicle's clock skew), Beijing time.</summary>
    public required DateTimeOffset SampleTime { get; init; }

    /// <summary>Model truth: the collection time without clock skew.</summary>
    public required DateTimeOffset TrueTime { get; init; }

    public required SampleOrigin Origin { get; init; }

    public required VehicleRunState VehicleState { get; init; }

    public required ChargingState Charging { get; init; }

    public required double SpeedKmh { get; init; }

    public required double OdometerKm { get; init; }

    public required double PackVoltageV { get; init; }

    /// <summary>Positive = discharging, negative = charging.</summary>
    public required double PackCurrentA { get; init; }

    public required int SocPercent { get; init; }

    public required bool DcDcWorking { get; init; }

    public required SimGear Gear { get; init; }

    public required bool DrivingForce { get; init; }

    public required bool BrakingForce { get; init; }

    public required int InsulationKohm { get; init; }

    public required int AcceleratorPercent { get; init; }

    /// <summary>Brake pedal travel in %; 0 = released.</summary>
    public required int BrakePercent { get; init; }

    public required double Latitude { get; init; }

    public required double Longitude { get; init; }

    /// <summary>Altitude in whole metres (JT/T 808 reports it; GB/T 32960 does not).</summary>
    public int AltitudeM { get; init; }

    /// <summary>Course over ground, 0–359° clockwise from north (the last direction of movement).</summary>
    public int HeadingDeg { get; init; }

    /// <summary>GB/T 34014 code of the pack in the vehicle when the sample was taken (changes at a battery swap).</summary>
    public string PackCode { get; init; } = "";

    public required MotorState MotorState { get; init; }

    public required int MotorControllerTemperatureC { get; init; }

    public required int MotorSpeedRpm { get; init; }

    public required double MotorTorqueNm { get; init; }

    public required int MotorTemperatureC { get; init; }

    public required double MotorControllerVoltageV { get; init; }

    public required double MotorControllerCurrentA { get; init; }

    /// <summary>Cell voltages in mV, string by string (cell 1 … <see cref="VehicleSpec.ReportedCells"/>).</summary>
    public required ushort[] CellMillivolts { get; init; }

    /// <summary>Probe temperatures in whole °C.</summary>
    public required int[] ProbeTemperaturesC { get; init; }

    /// <summary>Highest alarm level (0–3).</summary>
    public required int AlarmLevel { get; init; }

    /// <summary>GB/T 32960 general alarm flags (bit n = <see cref="AlarmKind"/> n).</summary>
    public required uint AlarmFlags { get; init; }

    /// <summary>Level of each raised flag (bit, level), for the 2025 N5 list.</summary>
    public required IReadOnlyList<(int Bit, int Level)> AlarmLevels { get; init; }

    /// <summary>Model truth: net energy out of the pack terminals since the start, ∫V·I dt in kWh (charging counts negative).</summary>
    public required double NetEnergyOutKwh { get; init; }

    /// <summary>Model truth: SOC as a fraction with full precision.</summary>
    public required double SocExact { get; init; }

    /// <summary>Model truth: odometer in metres with full precision.</summary>
    public required double OdometerExactM { get; init; }

    /// <summary>Model truth: the named place nearest to the position.</summary>
    public required string NearestPlace { get; init; }

    public int MaxCellMillivolts => CellMillivolts.Max();

    public int MinCellMillivolts => CellMillivolts.Min();

    public int MaxProbeC => ProbeTemperaturesC.Max();

    public int MinProbeC => ProbeTemperaturesC.Min();
}
