using NevHub.Domain;
using NevHub.Protocols.Gbt32960;
using NevHub.Simulator.Model;

namespace NevHub.Simulator.Gbt32960;

/// <summary>
/// Builds the GB/T 32960 messages a simulated terminal sends: login, reports (2016 and 2025 layouts), heartbeat, logout.
/// Every value is converted to the raw wire integer with the standard's resolution and offset.
/// </summary>
public static class SampleMessages
{
    /// <summary>Cells per cell-voltage entry in 2016 (table B.6: m ≤ 200); longer lists are split into several entries.</summary>
    public const int MaxCellsPerEntry = 200;

    /// <summary>Size of the placeholder RSA signature of 2025 reports (a 2048-bit RSA signature is 256 bytes).</summary>
    public const int PlaceholderSignatureLength = 256;

    public static Gbt32960Version VersionOf(SimVehicle vehicle)
    {
        ArgumentNullException.ThrowIfNull(vehicle);
        return vehicle.Protocol == TelemetryProtocol.Gbt32960V2025 ? Gbt32960Version.V2025 : Gbt32960Version.V2016;
    }

    /// <summary>Vehicle login 0x01 with the ICCID and the pack codes (2016: n subsystems × m-byte codes; 2025: BMS → packs → 24-char codes).</summary>
    public static Gbt32960Message Login(SimVehicle vehicle, DateTimeOffset terminalTime, ushort serial)
    {
        ArgumentNullException.ThrowIfNull(vehicle);
        var version = VersionOf(vehicle);
        var codes = vehicle.PackCodes.ToArray();
        var body = new VehicleLoginBody { Time = terminalTime, Serial = serial, Iccid = vehicle.Iccid };
        if (version == Gbt32960Version.V2016)
        {
            body.SubsystemCount = (byte)codes.Length;
            body.CodeLength = (byte)codes[0].Length;
            body.Codes = codes;
        }
        else
        {
            body.PacksPerBms = new[] { (byte)codes.Length };
            body.PackCodes = [codes];
        }

        return Gbt32960Message.Create(version, Gbt32960Command.VehicleLogin, vehicle.Vin, body);
    }

    public static Gbt32960Message Logout(SimVehicle vehicle, DateTimeOffset terminalTime, ushort serial)
    {
        ArgumentNullException.ThrowIfNull(vehicle);
        return Gbt32960Message.Create(VersionOf(vehicle), Gbt32960Command.VehicleLogout, vehicle.Vin,
            new LogoutBody { Time = terminalTime, Serial = serial });
    }

    public static Gbt32960Message Heartbeat(SimVehicle vehicle)
    {
        ArgumentNullException.ThrowIfNull(vehicle);
        return Gbt32960Message.Create(VersionOf(vehicle), Gbt32960Command.Heartbeat, vehicle.Vin, EmptyBody.Instance);
    }

    /// <summary>
    /// A realtime (0x02) or reissue (0x03) report of one sample. 2025 reports end with a signature block of type RSA whose
    /// R is 256 zero bytes and S is empty: unverifiable test data (the simulator has no signing keys).
    /// </summary>
    public static Gbt32960Message Report(SimVehicle vehicle, SimSample sample, bool reissue)
    {
        ArgumentNullException.ThrowIfNull(vehicle);
        ArgumentNullException.ThrowIfNull(sample);
        var v = VersionOf(vehicle);
        var is2016 = v == Gbt32960Version.V2016;
        var currentOffset = is2016 ? 1000 : 3000;
        var body = new ReportBody { Time = sample.SampleTime };
        var vehicleBlock = new VehicleBlock(v)
        {
            VehicleState = (byte)sample.VehicleState,
            ChargingState = (byte)sample.Charging,
            RunMode = (byte)RunMode.Electric,
            Speed = Word(sample.SpeedKmh * 10),
            Odometer = (uint)Math.Round(sample.OdometerKm * 10),
            TotalVoltage = Word(sample.PackVoltageV * 10),
            TotalCurrent = Word((sample.PackCurrentA + currentOffset) * 10),
            Soc = (byte)sample.SocPercent,
            DcDcState = (byte)(sample.DcDcWorking ? 1 : 2),
            Gear = Gear(sample),
            InsulationResistance = (ushort)Math.Clamp(sample.InsulationKohm, 0, 60000),
        };
        if (is2016)
        {
            vehicleBlock.AcceleratorPedal = (byte)sample.AcceleratorPercent;
            vehicleBlock.BrakePedal = (byte)sample.BrakePercent;
        }

        body.Blocks.Add(vehicleBlock);
        body.Blocks.Add(new DriveMotorsBlock(v)
        {
            Motors = new[]
            {
                new DriveMotor(v)
                {
                    Number = 1,
                    State = (byte)sample.MotorState,
                    ControllerTemperature = Temperature(sample.MotorControllerTemperatureC),
                    Speed = Word(sample.MotorSpeedRpm + (is2016 ? 20000 : 32000)),
                    Torque = is2016
                        ? Word((sample.MotorTorqueNm + 2000) * 10)
                        : (uint)Math.Clamp(Math.Round((sample.MotorTorqueNm + 20000) * 10), 0, 400000),
                    Temperature = Temperature(sample.MotorTemperatureC),
                    ControllerVoltage = is2016 ? Word(sample.MotorControllerVoltageV * 10) : (ushort)0,
                    ControllerCurrent = is2016 ? Word((sample.MotorControllerCurrentA + 1000) * 10) : (ushort)0,
                },
            },
        });
        body.Blocks.Add(new PositionBlock(v)
        {
            Status = 0, // valid fix, north, east
            CoordinateSystem = 1, // WGS-84 (2025 only on the wire)
            Longitude = (uint)Math.Round(sample.Longitude * 1e6),
            Latitude = (uint)Math.Round(sample.Latitude * 1e6),
        });
        if (is2016)
        {
            body.Blocks.Add(Extremes(sample));
        }

        body.Blocks.Add(new AlarmBlock(v)
        {
            Level = (byte)sample.AlarmLevel,
            Flags = sample.AlarmFlags,
            BatteryFaults = Array.Empty<uint>(),
            MotorFaults = Array.Empty<uint>(),
            EngineFaults = Array.Empty<uint>(),
            OtherFaults = Array.Empty<uint>(),
            GeneralAlarmLevels = is2016
                ? default(Counted<AlarmFlagLevel>)
                : new Counted<AlarmFlagLevel>(sample.AlarmLevels.Select(l => new AlarmFlagLevel((byte)l.Bit, (byte)l.Level)).ToArray()),
        });
        body.Blocks.Add(new CellVoltagesBlock(v) { Packs = CellPacks(sample, v) });
        body.Blocks.Add(new TemperaturesBlock(v)
        {
            Packs = new[]
            {
                new TemperaturePack { Number = 1, Probes = sample.ProbeTemperaturesC.Select(Temperature).ToArray() },
            },
        });
        if (!is2016)
        {
            body.Signature = new Gbt32960Signature
            {
                Algorithm = Gbt32960Signature.Rsa,
                R = new byte[PlaceholderSignatureLength],
                S = [],
            };
        }

        return Gbt32960Message.Create(v, reissue ? Gbt32960Command.ReissueReport : Gbt32960Command.RealtimeReport, vehicle.Vin, body);
    }

    private static CellVoltagePack[] CellPacks(SimSample sample, Gbt32960Version v)
    {
        var is2016 = v == Gbt32960Version.V2016;
        var cells = sample.CellMillivolts;
        var voltage = Word(sample.PackVoltageV * 10);
        var current = Word((sample.PackCurrentA + (is2016 ? 1000 : 3000)) * 10);
        if (!is2016)
        {
            return [new CellVoltagePack(v) { Number = 1, Voltage = voltage, Current = current, Cells = cells.ToArray() }];
        }

        // 2016: at most 200 cells per entry; a longer list continues in another entry of the same subsystem.
        var entries = new CellVoltagePack[(cells.Length + MaxCellsPerEntry - 1) / MaxCellsPerEntry];
        for (var e = 0; e < entries.Length; e++)
        {
            var first = e * MaxCellsPerEntry;
            var count = Math.Min(MaxCellsPerEntry, cells.Length - first);
            entries[e] = new CellVoltagePack(v)
            {
                Number = 1,
                Voltage = voltage,
                Current = current,
                TotalCells = (ushort)cells.Length,
                FirstIndex = (ushort)(first + 1),
                Cells = cells.AsSpan(first, count).ToArray(),
            };
        }

        return entries;
    }

    /// <summary>2016 extremes. Cell numbers above 250 do not fit the BYTE field and are sent as 0 (§10.7).</summary>
    private static ExtremesBlock Extremes(SimSample sample)
    {
        var cells = sample.CellMillivolts;
        var maxCell = 0;
        var minCell = 0;
        for (var i = 1; i < cells.Length; i++)
        {
            if (cells[i] > cells[maxCell])
            {
                maxCell = i;
            }

            if (cells[i] < cells[minCell])
            {
                minCell = i;
            }
        }

        var probes = sample.ProbeTemperaturesC;
        var maxProbe = 0;
        var minProbe = 0;
        for (var i = 1; i < probes.Length; i++)
        {
            if (probes[i] > probes[maxProbe])
            {
                maxProbe = i;
            }

            if (probes[i] < probes[minProbe])
            {
                minProbe = i;
            }
        }

        static byte Number(int index) => index + 1 <= 250 ? (byte)(index + 1) : (byte)0;
        return new ExtremesBlock(Gbt32960Version.V2016)
        {
            MaxVoltageSubsystem = 1,
            MaxVoltageCell = Number(maxCell),
            MaxCellVoltage = cells[maxCell],
            MinVoltageSubsystem = 1,
            MinVoltageCell = Number(minCell),
            MinCellVoltage = cells[minCell],
            MaxTemperatureSubsystem = 1,
            MaxTemperatureProbe = Number(maxProbe),
            MaxTemperature = Temperature(probes[maxProbe]),
            MinTemperatureSubsystem = 1,
            MinTemperatureProbe = Number(minProbe),
            MinTemperature = Temperature(probes[minProbe]),
        };
    }

    private static byte Gear(SimSample s) =>
        (byte)((int)s.Gear | (s.BrakingForce ? 0x10 : 0) | (s.DrivingForce ? 0x20 : 0));

    private static byte Temperature(int celsius) => (byte)Math.Clamp(celsius + 40, 0, 250);

    private static ushort Word(double raw) => (ushort)Math.Clamp(Math.Round(raw), 0, 65531);
}
