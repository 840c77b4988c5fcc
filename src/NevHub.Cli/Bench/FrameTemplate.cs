using NevHub.Protocols.Gbt32960;

namespace NevHub.Cli.Bench;

/// <summary>
/// A pre-encoded realtime report of one vehicle whose collection time is patched per frame, so a load generator can
/// send millions of distinct frames (distinct natural keys: nothing is deduplicated) without encoding each one.
/// </summary>
internal sealed class FrameTemplate
{
    private const int TimeOffset = Gbt32960Frame.HeaderSize; // the data unit starts with the 6-byte collection time
    private readonly byte[] _frame;
    private readonly DateTime _start;

    public FrameTemplate(string vin, DateTimeOffset start)
    {
        _start = start.ToOffset(TimeSpan.FromHours(8)).DateTime;
        _frame = Gbt32960Encoder.Encode(Gbt32960Message.Create(Gbt32960Version.V2016, Gbt32960Command.RealtimeReport, vin, SmallReport(start)));
    }

    public int Length => _frame.Length;

    /// <summary>Writes the frame whose collection time is start + <paramref name="index"/> seconds.</summary>
    public void Write(long index, Span<byte> destination)
    {
        _frame.CopyTo(destination);
        var t = _start.AddSeconds(index);
        destination[TimeOffset] = (byte)(t.Year - 2000);
        destination[TimeOffset + 1] = (byte)t.Month;
        destination[TimeOffset + 2] = (byte)t.Day;
        destination[TimeOffset + 3] = (byte)t.Hour;
        destination[TimeOffset + 4] = (byte)t.Minute;
        destination[TimeOffset + 5] = (byte)t.Second;
        destination[_frame.Length - 1] = Bcc.Compute(destination[2..(_frame.Length - 1)]);
    }

    public static byte[] Login(string vin, ushort serial) => Gbt32960Encoder.Encode(Gbt32960Message.Create(
        Gbt32960Version.V2016,
        Gbt32960Command.VehicleLogin,
        vin,
        new VehicleLoginBody { Time = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)), Serial = serial, Iccid = "89860000000000000000" }));

    /// <summary>A typical small realtime report (~180 bytes): vehicle, one motor, position, extremes, alarm, 16 cells, 4 probes.</summary>
    private static ReportBody SmallReport(DateTimeOffset time)
    {
        const Gbt32960Version v = Gbt32960Version.V2016;
        var cells = new CellVoltagePack(v) { Number = 1, Voltage = 3520, Current = 10200, TotalCells = 96, FirstIndex = 1, Cells = new ushort[16] };
        for (var i = 0; i < cells.Cells.Items.Length; i++)
        {
            cells.Cells.Items[i] = (ushort)(3660 + (i % 7));
        }

        return new ReportBody
        {
            Time = time.ToOffset(TimeSpan.FromHours(8)),
            Blocks =
            [
                new VehicleBlock(v)
                {
                    VehicleState = 1, ChargingState = 3, RunMode = 1, Speed = 452, Odometer = 123_456, TotalVoltage = 3520,
                    TotalCurrent = 10_200, Soc = 67, DcDcState = 1, Gear = 0x2E, InsulationResistance = 5000, AcceleratorPedal = 20,
                },
                new DriveMotorsBlock(v)
                {
                    Motors = new[]
                    {
                        new DriveMotor(v) { Number = 1, State = 1, ControllerTemperature = 80, Speed = 23_000, Torque = 20_500, Temperature = 85, ControllerVoltage = 3520, ControllerCurrent = 10_200 },
                    },
                },
                new PositionBlock(v) { Status = 0, Longitude = 106_551_234, Latitude = 29_563_456 },
                new ExtremesBlock(v)
                {
                    MaxVoltageSubsystem = 1, MaxVoltageCell = 3, MaxCellVoltage = 3666, MinVoltageSubsystem = 1, MinVoltageCell = 1, MinCellVoltage = 3660,
                    MaxTemperatureSubsystem = 1, MaxTemperatureProbe = 2, MaxTemperature = 68, MinTemperatureSubsystem = 1, MinTemperatureProbe = 1, MinTemperature = 66,
                },
                new AlarmBlock(v) { Level = 0, Flags = 0, BatteryFaults = Array.Empty<uint>(), MotorFaults = Array.Empty<uint>(), EngineFaults = Array.Empty<uint>(), OtherFaults = Array.Empty<uint>() },
                new CellVoltagesBlock(v) { Packs = new[] { cells } },
                new TemperaturesBlock(v) { Packs = new[] { new TemperaturePack { Number = 1, Probes = new byte[] { 66, 67, 68, 67 } } } },
            ],
        };
    }
}
