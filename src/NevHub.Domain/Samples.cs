namespace NevHub.Domain;

/// <summary>Fields of a <see cref="VehicleSample"/>, used as bits in its invalid/abnormal masks.</summary>
[Flags]
public enum SampleField : long
{
    None = 0,
    VehicleState = 1L << 0,
    ChargingState = 1L << 1,
    RunMode = 1L << 2,
    Speed = 1L << 3,
    Odometer = 1L << 4,
    PackVoltage = 1L << 5,
    PackCurrent = 1L << 6,
    Soc = 1L << 7,
    DcDc = 1L << 8,
    Gear = 1L << 9,
    Insulation = 1L << 10,
    Accelerator = 1L << 11,
    Brake = 1L << 12,
    Position = 1L << 13,
    AlarmLevel = 1L << 14,
    MaxCellVoltage = 1L << 15,
    MinCellVoltage = 1L << 16,
    MaxTemperature = 1L << 17,
    MinTemperature = 1L << 18,
    Heading = 1L << 19,
    Altitude = 1L << 20,
}

public enum VehicleRunState
{
    Started = 1,
    Off = 2,
    Other = 3,
}

public enum ChargingState
{
    ParkedCharging = 1,
    DrivingCharging = 2,
    NotCharging = 3,
    ChargeComplete = 4,
}

public enum RunMode
{
    Electric = 1,
    Hybrid = 2,
    Fuel = 3,
}

/// <summary>How a report reached us: live, or reissued after a link outage (GB/T 32960 0x03, JT/T 808 0x0704 blind-area batch).</summary>
public enum ReportKind
{
    Realtime = 1,
    Reissue = 2,
}

/// <summary>Coordinate reference of a position. GB/T 32960-2025 and most trackers send WGS-84; some send GCJ-02.</summary>
public enum CoordinateSystem
{
    Wgs84 = 1,
    Gcj02 = 2,
    Other = 3,
}

/// <summary>
/// One normalized report of a vehicle, protocol-independent: the values users query.
/// A value that is null was not sent, or was sent as a sentinel; <see cref="InvalidFields"/> and
/// <see cref="AbnormalFields"/> say which (the protocols' all-0xFF "invalid" and 0xFE "abnormal").
/// </summary>
public sealed record VehicleSample
{
    public required string Vin { get; init; }

    /// <summary>When the terminal collected the data (its clock, Beijing time on the wire).</summary>
    public required DateTimeOffset SampleTime { get; init; }

    /// <summary>When the gateway received the frame (platform clock, UTC).</summary>
    public required DateTimeOffset ReceivedAt { get; init; }

    public required TelemetryProtocol Protocol { get; init; }

    public ReportKind Kind { get; init; } = ReportKind.Realtime;

    public VehicleRunState? VehicleState { get; init; }

    public ChargingState? Charging { get; init; }

    public RunMode? Mode { get; init; }

    public double? SpeedKmh { get; init; }

    public double? OdometerKm { get; init; }

    public double? PackVoltageV { get; init; }

    /// <summary>Pack current in A; positive = discharging, negative = charging (GB/T 32960 sign convention).</summary>
    public double? PackCurrentA { get; init; }

    public double? SocPercent { get; init; }

    public bool? DcDcWorking { get; init; }

    /// <summary>Gear as text: "N", "R", "D", "P" or "1".."12".</summary>
    public string? Gear { get; init; }

    public double? InsulationKohm { get; init; }

    public double? AcceleratorPercent { get; init; }

    /// <summary>Brake pedal travel in %, or 101 for "applied, travel unknown" (GB/T 32960-2016 Annex B).</summary>
    public double? BrakePercent { get; init; }

    public double? Latitude { get; init; }

    public double? Longitude { get; init; }

    /// <summary>False when the terminal had no fix and repeated its last known position.</summary>
    public bool PositionValid { get; init; }

    public CoordinateSystem Coordinates { get; init; } = CoordinateSystem.Wgs84;

    public double? HeadingDegrees { get; init; }

    public double? AltitudeM { get; init; }

    /// <summary>Highest alarm level: 0 none, 1–3 (2025 adds 4, thermal event).</summary>
    public int? AlarmLevel { get; init; }

    /// <summary>General alarm flags (GB/T 32960 DWORD, or JT/T 808 alarm bits mapped by the gateway).</summary>
    public uint AlarmFlags { get; init; }

    /// <summary>Manufacturer fault codes (battery, motor, engine, other) as 8 upper-case hex digits.</summary>
    public IReadOnlyList<string> FaultCodes { get; init; } = [];

    public double? MaxCellVoltageV { get; init; }

    public double? MinCellVoltageV { get; init; }

    public double? MaxTemperatureC { get; init; }

    public double? MinTemperatureC { get; init; }

    public SampleField InvalidFields { get; init; }

    public SampleField AbnormalFields { get; init; }

    /// <summary>Per-frame detail (cells, probes, motors); null when the frame carried none.</summary>
    public SampleDetail? Detail { get; init; }
}

/// <summary>The bulky part of a report: per-cell voltages, probe temperatures and motors.</summary>
public sealed record SampleDetail
{
    public IReadOnlyList<PackCellVoltages> CellVoltages { get; init; } = [];

    public IReadOnlyList<PackTemperatures> Temperatures { get; init; } = [];

    public IReadOnlyList<MotorReading> Motors { get; init; } = [];
}

/// <summary>Cell voltages of one pack (subsystem). Long lists arrive split over frames: <see cref="FirstCellIndex"/> places this part.</summary>
public sealed record PackCellVoltages(
    int Pack,
    double? VoltageV,
    double? CurrentA,
    int TotalCells,
    int FirstCellIndex,
    IReadOnlyList<double?> CellsV);

public sealed record PackTemperatures(int Pack, IReadOnlyList<double?> ProbesC);

public enum MotorState
{
    Consuming = 1,
    Generating = 2,
    Off = 3,
    Ready = 4,
}

public sealed record MotorReading(
    int Number,
    MotorState? State,
    double? ControllerTemperatureC,
    double? SpeedRpm,
    double? TorqueNm,
    double? TemperatureC,
    double? ControllerVoltageV,
    double? ControllerCurrentA);
