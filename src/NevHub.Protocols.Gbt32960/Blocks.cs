namespace NevHub.Protocols.Gbt32960;

/// <summary>Logical kind of an information block; the wire type id depends on the edition (2025 renumbered them).</summary>
public enum Gbt32960BlockKind
{
    Vehicle,
    DriveMotors,

    /// <summary>2016: fuel cell; 2025: fuel-cell engine and on-board hydrogen system.</summary>
    FuelCell,
    Engine,
    Position,

    /// <summary>2016 only.</summary>
    Extremes,
    Alarm,

    /// <summary>2016: cell voltages 0x08; 2025: minimum parallel-unit voltages 0x07.</summary>
    CellVoltages,

    /// <summary>2016: 0x09; 2025: 0x08.</summary>
    Temperatures,

    /// <summary>2025 only, 0x30.</summary>
    FuelCellStacks,

    /// <summary>2025 only, 0x31.</summary>
    Supercapacitor,

    /// <summary>2025 only, 0x32.</summary>
    SupercapacitorExtremes,

    /// <summary>User-defined 0x80–0xFE.</summary>
    Custom,
}

/// <summary>Information-block type ids of both editions.</summary>
public static class Gbt32960BlockTypes
{
    /// <summary>The wire type id of a kind in an edition, or null when the edition has no such block.</summary>
    public static byte? TypeId(Gbt32960BlockKind kind, Gbt32960Version version) => (kind, version) switch
    {
        (Gbt32960BlockKind.Vehicle, _) => 0x01,
        (Gbt32960BlockKind.DriveMotors, _) => 0x02,
        (Gbt32960BlockKind.FuelCell, _) => 0x03,
        (Gbt32960BlockKind.Engine, _) => 0x04,
        (Gbt32960BlockKind.Position, _) => 0x05,
        (Gbt32960BlockKind.Extremes, Gbt32960Version.V2016) => 0x06,
        (Gbt32960BlockKind.Alarm, Gbt32960Version.V2016) => 0x07,
        (Gbt32960BlockKind.Alarm, _) => 0x06,
        (Gbt32960BlockKind.CellVoltages, Gbt32960Version.V2016) => 0x08,
        (Gbt32960BlockKind.CellVoltages, _) => 0x07,
        (Gbt32960BlockKind.Temperatures, Gbt32960Version.V2016) => 0x09,
        (Gbt32960BlockKind.Temperatures, _) => 0x08,
        (Gbt32960BlockKind.FuelCellStacks, Gbt32960Version.V2025) => 0x30,
        (Gbt32960BlockKind.Supercapacitor, Gbt32960Version.V2025) => 0x31,
        (Gbt32960BlockKind.SupercapacitorExtremes, Gbt32960Version.V2025) => 0x32,
        _ => null,
    };

    /// <summary>The kind of a wire type id, or null when the type is unknown in that edition (the frame is rejected, §10.6).</summary>
    public static Gbt32960BlockKind? KindOf(byte typeId, Gbt32960Version version)
    {
        if (typeId is >= 0x80 and <= 0xFE)
        {
            return Gbt32960BlockKind.Custom;
        }

        return version == Gbt32960Version.V2016
            ? typeId switch
            {
                0x01 => Gbt32960BlockKind.Vehicle,
                0x02 => Gbt32960BlockKind.DriveMotors,
                0x03 => Gbt32960BlockKind.FuelCell,
                0x04 => Gbt32960BlockKind.Engine,
                0x05 => Gbt32960BlockKind.Position,
                0x06 => Gbt32960BlockKind.Extremes,
                0x07 => Gbt32960BlockKind.Alarm,
                0x08 => Gbt32960BlockKind.CellVoltages,
                0x09 => Gbt32960BlockKind.Temperatures,
                _ => null,
            }
            : typeId switch
            {
                0x01 => Gbt32960BlockKind.Vehicle,
                0x02 => Gbt32960BlockKind.DriveMotors,
                0x03 => Gbt32960BlockKind.FuelCell,
                0x04 => Gbt32960BlockKind.Engine,
                0x05 => Gbt32960BlockKind.Position,
                0x06 => Gbt32960BlockKind.Alarm,
                0x07 => Gbt32960BlockKind.CellVoltages,
                0x08 => Gbt32960BlockKind.Temperatures,
                0x30 => Gbt32960BlockKind.FuelCellStacks,
                0x31 => Gbt32960BlockKind.Supercapacitor,
                0x32 => Gbt32960BlockKind.SupercapacitorExtremes,
                _ => null,
            };
    }
}

/// <summary>
/// Base of the information blocks of a report. Blocks keep the raw wire integers (so encoding a decoded block is exact)
/// and expose engineering values as <see cref="Reading"/>s, whose scale and offset depend on <see cref="Version"/>.
/// </summary>
public abstract class Gbt32960Block
{
    protected Gbt32960Block(Gbt32960Version version) => Version = version;

    /// <summary>The edition whose layout and units apply; must match the message's.</summary>
    public Gbt32960Version Version { get; }

    public abstract Gbt32960BlockKind Kind { get; }

    /// <summary>The wire type id.</summary>
    public virtual byte TypeId => Gbt32960BlockTypes.TypeId(Kind, Version)
        ?? throw new InvalidOperationException($"{Kind} does not exist in GB/T 32960 {Version}");

    private protected bool Is2016 => Version == Gbt32960Version.V2016;
}

/// <summary>Whole-vehicle data 0x01 (2016: 20 bytes, 2025: 18 bytes).</summary>
public sealed class VehicleBlock : Gbt32960Block
{
    public VehicleBlock(Gbt32960Version version)
        : base(version)
    {
    }

    public override Gbt32960BlockKind Kind => Gbt32960BlockKind.Vehicle;

    /// <summary>01 started, 02 off, 03 other.</summary>
    public byte VehicleState { get; set; }

    /// <summary>01 parked charging, 02 driving charging, 03 not charging, 04 complete.</summary>
    public byte ChargingState { get; set; }

    /// <summary>01 EV, 02 hybrid, 03 fuel.</summary>
    public byte RunMode { get; set; }

    public ushort Speed { get; set; }

    public uint Odometer { get; set; }

    public ushort TotalVoltage { get; set; }

    public ushort TotalCurrent { get; set; }

    public byte Soc { get; set; }

    /// <summary>01 working, 02 off.</summary>
    public byte DcDcState { get; set; }

    /// <summary>Gear bit field: bits 0–3 gear, bit 4 braking force, bit 5 driving force, 2025 bit 7 = gear invalid.</summary>
    public byte Gear { get; set; }

    public ushort InsulationResistance { get; set; }

    /// <summary>2016 (Annex B): accelerator pedal byte.</summary>
    public byte AcceleratorPedal { get; set; }

    /// <summary>2016 (Annex B): brake pedal byte; 101 = applied without travel value.</summary>
    public byte BrakePedal { get; set; }

    /// <summary>2016: bytes 18–19 as the main text's reserved WORD (§10.3).</summary>
    public ushort Reserved2016 => (ushort)((AcceleratorPedal << 8) | BrakePedal);

    public Reading SpeedKmh => Reading.Word(Speed, 0.1);

    public Reading OdometerKm => Reading.Dword(Odometer, 0.1);

    public Reading VoltageV => Reading.Word(TotalVoltage, 0.1);

    public Reading CurrentA => Reading.Word(TotalCurrent, 0.1, Is2016 ? -1000 : -3000);

    public Reading SocPct => Reading.Byte(Soc);

    public Reading InsulationKohm => Reading.Word(InsulationResistance);

    public Reading AcceleratorPct => Reading.Byte(AcceleratorPedal);

    /// <summary>Brake travel; check <see cref="BrakeApplied"/> first (raw 101).</summary>
    public Reading BrakePct => Reading.Byte(BrakePedal);

    /// <summary>Brake on with no travel value (raw 101).</summary>
    public bool BrakeApplied => BrakePedal == 101;

    /// <summary>Gear position: 0 N, 1–12, 13 R, 14 D, 15 P.</summary>
    public int GearPosition => Gear & 0x0F;

    public bool BrakingForce => (Gear & 0x10) != 0;

    public bool DrivingForce => (Gear & 0x20) != 0;

    /// <summary>2025: bit 7 clear. 2016: always true.</summary>
    public bool GearValid => Is2016 || (Gear & 0x80) == 0;
}

/// <summary>One drive motor (2016: 12 bytes, 2025: 10 bytes).</summary>
public sealed class DriveMotor
{
    public DriveMotor(Gbt32960Version version) => Version = version;

    public Gbt32960Version Version { get; }

    public byte Number { get; set; }

    /// <summary>01 consuming, 02 generating, 03 off, 04 ready.</summary>
    public byte State { get; set; }

    public byte ControllerTemperature { get; set; }

    public ushort Speed { get; set; }

    /// <summary>2016: WORD; 2025: DWORD.</summary>
    public uint Torque { get; set; }

    public byte Temperature { get; set; }

    /// <summary>2016 only.</summary>
    public ushort ControllerVoltage { get; set; }

    /// <summary>2016 only.</summary>
    public ushort ControllerCurrent { get; set; }

    public Reading ControllerTemperatureC => Reading.Byte(ControllerTemperature, 1, -40);

    public Reading SpeedRpm => Reading.Word(Speed, 1, Version == Gbt32960Version.V2016 ? -20000 : -32000);

    public Reading TorqueNm => Version == Gbt32960Version.V2016
        ? Reading.Word((ushort)Torque, 0.1, -2000)
        : Reading.Dword(Torque, 0.1, -20000);

    public Reading TemperatureC => Reading.Byte(Temperature, 1, -40);

    public Reading ControllerVoltageV => Reading.Word(ControllerVoltage, 0.1);

    public Reading ControllerCurrentA => Reading.Word(ControllerCurrent, 0.1, -1000);
}

/// <summary>Drive motors 0x02: count BYTE then records.</summary>
public sealed class DriveMotorsBlock : Gbt32960Block
{
    public DriveMotorsBlock(Gbt32960Version version)
        : base(version)
    {
    }

    public override Gbt32960BlockKind Kind => Gbt32960BlockKind.DriveMotors;

    public Counted<DriveMotor> Motors { get; set; }
}

/// <summary>Fuel cell 0x03: 2016 layout (18 + N bytes) or 2025 fuel-cell engine and hydrogen system (12 bytes).</summary>
public sealed class FuelCellBlock : Gbt32960Block
{
    public FuelCellBlock(Gbt32960Version version)
        : base(version)
    {
    }

    public override Gbt32960BlockKind Kind => Gbt32960BlockKind.FuelCell;

    /// <summary>2016 only.</summary>
    public ushort Voltage { get; set; }

    /// <summary>2016 only.</summary>
    public ushort Current { get; set; }

    /// <summary>2016 only: H₂ consumption, 0.01 kg/100 km.</summary>
    public ushort Consumption { get; set; }

    /// <summary>2016 only: probe temperatures (WORD count).</summary>
    public Counted<byte> ProbeTemperatures { get; set; }

    /// <summary>2016: 0.1 °C −40; 2025: 1 °C −40.</summary>
    public ushort H2MaxTemperature { get; set; }

    public byte H2MaxTemperatureProbe { get; set; }

    /// <summary>2016: mg/kg (ppm); 2025: 0.0001 % volume.</summary>
    public ushort H2MaxConcentration { get; set; }

    public byte H2MaxConcentrationSensor { get; set; }

    /// <summary>0.1 MPa.</summary>
    public ushort H2MaxPressure { get; set; }

    public byte H2MaxPressureSensor { get; set; }

    /// <summary>01 working, 02 off.</summary>
    public byte HighVoltageDcDcState { get; set; }

    /// <summary>2025 only: remaining hydrogen, 1 %.</summary>
    public byte RemainingHydrogen { get; set; }

    /// <summary>2025 only: DC/DC controller temperature, 1 °C −40.</summary>
    public byte DcDcTemperature { get; set; }

    public Reading VoltageV => Reading.Word(Voltage, 0.1);

    public Reading CurrentA => Reading.Word(Current, 0.1);

    public Reading ConsumptionKgPer100Km => Reading.Word(Consumption, 0.01);

    public Reading H2MaxTemperatureC => Reading.Word(H2MaxTemperature, Is2016 ? 0.1 : 1, -40);

    /// <summary>2016: ppm; 2025: percent by volume.</summary>
    public Reading H2MaxConcentrationValue => Reading.Word(H2MaxConcentration, Is2016 ? 1 : 0.0001);

    public Reading H2MaxPressureMpa => Reading.Word(H2MaxPressure, 0.1);

    public Reading RemainingHydrogenPct => Reading.Byte(RemainingHydrogen);

    public Reading DcDcTemperatureC => Reading.Byte(DcDcTemperature, 1, -40);
}

/// <summary>Engine 0x04 (2016: 5 bytes; 2025: crank speed only).</summary>
public sealed class EngineBlock : Gbt32960Block
{
    public EngineBlock(Gbt32960Version version)
        : base(version)
    {
    }

    public override Gbt32960BlockKind Kind => Gbt32960BlockKind.Engine;

    /// <summary>2016 only: 01 on, 02 off.</summary>
    public byte State { get; set; }

    public ushort CrankshaftSpeed { get; set; }

    /// <summary>2016 only: 0.01 L/100 km.</summary>
    public ushort FuelConsumption { get; set; }

    public Reading CrankshaftRpm => Reading.Word(CrankshaftSpeed);

    public Reading FuelLPer100Km => Reading.Word(FuelConsumption, 0.01);
}

/// <summary>Position 0x05 (2016: 9 bytes; 2025: 10 bytes with the coordinate system).</summary>
public sealed class PositionBlock : Gbt32960Block
{
    public PositionBlock(Gbt32960Version version)
        : base(version)
    {
    }

    public override Gbt32960BlockKind Kind => Gbt32960BlockKind.Position;

    /// <summary>Bit 0 no valid fix, bit 1 south, bit 2 west.</summary>
    public byte Status { get; set; }

    /// <summary>2025 only: 01 WGS-84, 02 GCJ-02, 03 other.</summary>
    public byte CoordinateSystem { get; set; }

    /// <summary>Degrees × 10⁶, unsigned.</summary>
    public uint Longitude { get; set; }

    /// <summary>Degrees × 10⁶, unsigned.</summary>
    public uint Latitude { get; set; }

    public bool HasFix => (Status & 0x01) == 0;

    public bool South => (Status & 0x02) != 0;

    public bool West => (Status & 0x04) != 0;

    /// <summary>Signed degrees (negative when west).</summary>
    public Reading LongitudeDeg => Reading.Dword(Longitude, West ? -1e-6 : 1e-6);

    /// <summary>Signed degrees (negative when south).</summary>
    public Reading LatitudeDeg => Reading.Dword(Latitude, South ? -1e-6 : 1e-6);
}

/// <summary>Extremes 0x06 (2016 only, 14 bytes). Cell number 0 = not representable (§10.7).</summary>
public sealed class ExtremesBlock : Gbt32960Block
{
    public ExtremesBlock(Gbt32960Version version)
        : base(version)
    {
    }

    public override Gbt32960BlockKind Kind => Gbt32960BlockKind.Extremes;

    public byte MaxVoltageSubsystem { get; set; }

    public byte MaxVoltageCell { get; set; }

    public ushort MaxCellVoltage { get; set; }

    public byte MinVoltageSubsystem { get; set; }

    public byte MinVoltageCell { get; set; }

    public ushort MinCellVoltage { get; set; }

    public byte MaxTemperatureSubsystem { get; set; }

    public byte MaxTemperatureProbe { get; set; }

    public byte MaxTemperature { get; set; }

    public byte MinTemperatureSubsystem { get; set; }

    public byte MinTemperatureProbe { get; set; }

    public byte MinTemperature { get; set; }

    public Reading MaxCellVoltageV => Reading.Word(MaxCellVoltage, 0.001);

    public Reading MinCellVoltageV => Reading.Word(MinCellVoltage, 0.001);

    public Reading MaxTemperatureC => Reading.Byte(MaxTemperature, 1, -40);

    public Reading MinTemperatureC => Reading.Byte(MinTemperature, 1, -40);
}

/// <summary>Level of one general alarm flag (2025 N5 list).</summary>
public readonly record struct AlarmFlagLevel(byte Bit, byte Level);

/// <summary>Alarm (2016: 0x07, 2025: 0x06).</summary>
public sealed class AlarmBlock : Gbt32960Block
{
    public AlarmBlock(Gbt32960Version version)
        : base(version)
    {
    }

    public override Gbt32960BlockKind Kind => Gbt32960BlockKind.Alarm;

    /// <summary>Highest level: 2016 0–3, 2025 0–4.</summary>
    public byte Level { get; set; }

    /// <summary>General alarm flags, bit 0 = LSB.</summary>
    public uint Flags { get; set; }

    public Counted<uint> BatteryFaults { get; set; }

    public Counted<uint> MotorFaults { get; set; }

    public Counted<uint> EngineFaults { get; set; }

    public Counted<uint> OtherFaults { get; set; }

    /// <summary>2025 only: level of each general flag.</summary>
    public Counted<AlarmFlagLevel> GeneralAlarmLevels { get; set; }

    public Reading LevelReading => Reading.Byte(Level);

    public bool IsSet(int bit) => (Flags & (1u << bit)) != 0;
}

/// <summary>One pack/subsystem of a cell-voltage block.</summary>
public sealed class CellVoltagePack
{
    public CellVoltagePack(Gbt32960Version version) => Version = version;

    public Gbt32960Version Version { get; }

    public byte Number { get; set; }

    public ushort Voltage { get; set; }

    public ushort Current { get; set; }

    /// <summary>2016 only: total number of cells of the subsystem.</summary>
    public ushort TotalCells { get; set; }

    /// <summary>2016 only: index (1-based) of the first cell in this frame; lists over 200 cells are split over frames.</summary>
    public ushort FirstIndex { get; set; }

    /// <summary>Cell voltages, 0.001 V (2016: BYTE count, 2025: WORD count).</summary>
    public Counted<ushort> Cells { get; set; }

    public Reading VoltageV => Reading.Word(Voltage, 0.1);

    public Reading CurrentA => Reading.Word(Current, 0.1, Version == Gbt32960Version.V2016 ? -1000 : -3000);

    public Reading CellVoltageV(int index) => Reading.Word(Cells.Items[index], 0.001);
}

/// <summary>Cell voltages (2016: 0x08) / minimum parallel-unit voltages (2025: 0x07).</summary>
public sealed class CellVoltagesBlock : Gbt32960Block
{
    public CellVoltagesBlock(Gbt32960Version version)
        : base(version)
    {
    }

    public override Gbt32960BlockKind Kind => Gbt32960BlockKind.CellVoltages;

    public Counted<CellVoltagePack> Packs { get; set; }
}

/// <summary>Probe temperatures of one subsystem/pack.</summary>
public sealed class TemperaturePack
{
    public byte Number { get; set; }

    /// <summary>1 °C −40 each (WORD count).</summary>
    public Counted<byte> Probes { get; set; }

    public static Reading ProbeC(byte raw) => Reading.Byte(raw, 1, -40);
}

/// <summary>Probe temperatures (2016: 0x09, 2025: 0x08).</summary>
public sealed class TemperaturesBlock : Gbt32960Block
{
    public TemperaturesBlock(Gbt32960Version version)
        : base(version)
    {
    }

    public override Gbt32960BlockKind Kind => Gbt32960BlockKind.Temperatures;

    public Counted<TemperaturePack> Packs { get; set; }
}

/// <summary>One fuel-cell stack (2025 0x30).</summary>
public sealed class FuelCellStack
{
    public byte Number { get; set; }

    public ushort Voltage { get; set; }

    public ushort Current { get; set; }

    /// <summary>0.1 kPa −100 kPa.</summary>
    public ushort HydrogenInletPressure { get; set; }

    /// <summary>0.1 kPa −100 kPa.</summary>
    public ushort AirInletPressure { get; set; }

    public byte AirInletTemperature { get; set; }

    /// <summary>1 °C −40 each (WORD count).</summary>
    public Counted<byte> CoolantOutletTemperatures { get; set; }

    public Reading VoltageV => Reading.Word(Voltage, 0.1);

    public Reading CurrentA => Reading.Word(Current, 0.1);

    public Reading HydrogenInletPressureKpa => Reading.Word(HydrogenInletPressure, 0.1, -100);

    public Reading AirInletPressureKpa => Reading.Word(AirInletPressure, 0.1, -100);

    public Reading AirInletTemperatureC => Reading.Byte(AirInletTemperature, 1, -40);
}

/// <summary>Fuel-cell stacks 0x30 (2025).</summary>
public sealed class FuelCellStacksBlock : Gbt32960Block
{
    public FuelCellStacksBlock(Gbt32960Version version)
        : base(version)
    {
    }

    public override Gbt32960BlockKind Kind => Gbt32960BlockKind.FuelCellStacks;

    public Counted<FuelCellStack> Stacks { get; set; }
}

/// <summary>Supercapacitor 0x31 (2025, one record).</summary>
public sealed class SupercapacitorBlock : Gbt32960Block
{
    public SupercapacitorBlock(Gbt32960Version version)
        : base(version)
    {
    }

    public override Gbt32960BlockKind Kind => Gbt32960BlockKind.Supercapacitor;

    public byte SystemNumber { get; set; }

    public ushort Voltage { get; set; }

    public ushort Current { get; set; }

    /// <summary>0.001 V each (WORD count).</summary>
    public Counted<ushort> Cells { get; set; }

    /// <summary>1 °C −40 each (WORD count).</summary>
    public Counted<byte> Probes { get; set; }

    public Reading VoltageV => Reading.Word(Voltage, 0.1);

    public Reading CurrentA => Reading.Word(Current, 0.1, -3000);
}

/// <summary>Supercapacitor extremes 0x32 (2025, 18 bytes).</summary>
public sealed class SupercapacitorExtremesBlock : Gbt32960Block
{
    public SupercapacitorExtremesBlock(Gbt32960Version version)
        : base(version)
    {
    }

    public override Gbt32960BlockKind Kind => Gbt32960BlockKind.SupercapacitorExtremes;

    public byte MaxVoltageSystem { get; set; }

    public ushort MaxVoltageCell { get; set; }

    public ushort MaxVoltage { get; set; }

    public byte MinVoltageSystem { get; set; }

    public ushort MinVoltageCell { get; set; }

    public ushort MinVoltage { get; set; }

    public byte MaxTemperatureSystem { get; set; }

    public ushort MaxTemperatureProbe { get; set; }

    public byte MaxTemperature { get; set; }

    public byte MinTemperatureSystem { get; set; }

    public ushort MinTemperatureProbe { get; set; }

    public byte MinTemperature { get; set; }

    public Reading MaxVoltageV => Reading.Word(MaxVoltage, 0.001);

    public Reading MinVoltageV => Reading.Word(MinVoltage, 0.001);

    public Reading MaxTemperatureC => Reading.Byte(MaxTemperature, 1, -40);

    public Reading MinTemperatureC => Reading.Byte(MinTemperature, 1, -40);
}

/// <summary>User-defined block 0x80–0xFE: WORD length + opaque bytes.</summary>
public sealed class CustomBlock : Gbt32960Block
{
    private byte _typeId = 0x80;

    public CustomBlock(Gbt32960Version version)
        : base(version)
    {
    }

    public override Gbt32960BlockKind Kind => Gbt32960BlockKind.Custom;

    public override byte TypeId => _typeId;

    /// <summary>Sets the type id (0x80–0xFE).</summary>
    public byte CustomTypeId
    {
        get => _typeId;
        set
        {
            if (value is < 0x80 or > 0xFE)
            {
                throw new ArgumentOutOfRangeException(nameof(value), "custom block types are 0x80-0xFE");
            }

            _typeId = value;
        }
    }

    public byte[] Data { get; set; } = [];
}
