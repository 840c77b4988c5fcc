namespace NevHub.Protocols.Gbt32960.Tests;

/// <summary>
/// Seeded random messages covering every command and block of both editions, every field's full raw range
/// (sentinels included) and sentinel list counts. Used by the round-trip tests, the fuzz seeds and the benchmarks.
/// </summary>
public sealed class MessageGenerator
{
    /// <summary>Configured length of the user-defined parameter 0x80 (decoders must use <see cref="Options"/>).</summary>
    public const int UserParameterLength = 3;

    private readonly Random _r;

    public MessageGenerator(int seed) => _r = new Random(seed);

    public static Gbt32960Options Options { get; } = new() { UserParameterLengths = new Dictionary<byte, int> { [0x80] = UserParameterLength } };

    public static IEnumerable<(Gbt32960Version Version, Gbt32960Command Command, bool Answer)> Shapes()
    {
        foreach (var version in new[] { Gbt32960Version.V2016, Gbt32960Version.V2025 })
        {
            var commands = new List<byte> { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x80, 0x81, 0x82, 0xC5 };
            if (version == Gbt32960Version.V2025)
            {
                commands.AddRange([0x09, 0x0A, 0x0B]);
            }

            foreach (var c in commands)
            {
                yield return (version, (Gbt32960Command)c, false);
                yield return (version, (Gbt32960Command)c, true);
            }
        }
    }

    public Gbt32960Message Next(Gbt32960Version version, Gbt32960Command command, bool answer)
    {
        var message = new Gbt32960Message
        {
            Version = version,
            Command = command,
            Vin = Gbt32960Vin.Parse(Text(1 + _r.Next(17))),
            ResponseFlag = answer ? (Gbt32960ResponseFlag)(1 + _r.Next(version == Gbt32960Version.V2016 ? 3 : 7)) : Gbt32960ResponseFlag.Command,
        };

        if (_r.Next(12) == 0 && command is not (Gbt32960Command.Heartbeat or Gbt32960Command.TimeSync))
        {
            message.Encryption = (Gbt32960Encryption)(2 + _r.Next(version == Gbt32960Version.V2016 ? 2 : 4));
            message.Body = new EncryptedBody { Algorithm = message.Encryption, Ciphertext = Bytes(1 + _r.Next(64)) };
            return message;
        }

        message.Body = answer ? Answer(version, command) : Command(version, command);
        return message;
    }

    private Gbt32960Body Answer(Gbt32960Version version, Gbt32960Command command)
    {
        if (command == Gbt32960Command.QueryParameters)
        {
            return Parameters(version);
        }

        return _r.Next(3) switch
        {
            0 => new AcknowledgementBody(),
            1 => new AcknowledgementBody { Time = Time() },
            _ => new AcknowledgementBody { Time = Time(), Echo = Bytes(1 + _r.Next(40)) },
        };
    }

    private Gbt32960Body Command(Gbt32960Version version, Gbt32960Command command) => command switch
    {
        Gbt32960Command.VehicleLogin => Login(version),
        Gbt32960Command.RealtimeReport or Gbt32960Command.ReissueReport => Report(version),
        Gbt32960Command.VehicleLogout or Gbt32960Command.PlatformLogout => new LogoutBody { Time = Time(), Serial = U16() },
        Gbt32960Command.PlatformLogin => new PlatformLoginBody
        {
            Time = Time(),
            Serial = U16(),
            Username = Text(_r.Next(13)),
            Password = Text(_r.Next(21)),
            EncryptionRule = (Gbt32960Encryption)U8(),
        },
        Gbt32960Command.Heartbeat or Gbt32960Command.TimeSync => EmptyBody.Instance,
        Gbt32960Command.Activation => Activation(),
        Gbt32960Command.ActivationResponse => new ActivationResponseBody { Status = U8(), Info = U8() },
        Gbt32960Command.KeyExchange => new KeyExchangeBody
        {
            KeyType = (Gbt32960Encryption)U8(),
            Key = Bytes(_r.Next(80)),
            ValidFrom = Time(),
            ValidUntil = Time(),
        },
        Gbt32960Command.QueryParameters => new ParameterQueryBody { Time = Time(), Ids = List(() => (byte)(1 + _r.Next(0x10)), 1, 20) },
        Gbt32960Command.SetParameters => Parameters(version),
        Gbt32960Command.TerminalControl => Control(),
        _ => new RawBody { Data = Bytes(_r.Next(50)) },
    };

    private TerminalControlBody Control() => _r.Next(4) switch
    {
        0 => TerminalControlBody.RemoteUpgrade(Time(), new RemoteUpgradeParameters
        {
            Url = "ftp://upgrade.example.com/fw" + _r.Next(1000),
            Apn = "cmnet",
            User = Text(_r.Next(8)),
            Password = Text(_r.Next(8)),
            Address = "10.0.0." + _r.Next(256),
            Port = U16(),
            ManufacturerId = "ABCD",
            HardwareVersion = "HW001",
            FirmwareVersion = "FW002",
            TimeLimitMinutes = U16(),
        }),
        1 => TerminalControlBody.Alarm(Time(), U8(), Bytes(_r.Next(10))),
        2 => TerminalControlBody.Simple(Time(), (byte)(2 + _r.Next(6))),
        _ => new TerminalControlBody { Time = Time(), CommandId = U8(), Arguments = Bytes(_r.Next(20)) },
    };

    private ActivationBody Activation() => new()
    {
        Time = Time(),
        ChipId = Text(_r.Next(17)),
        PublicKey = Bytes(_r.Next(300)),
        Vin = Text(_r.Next(18)),
        Signature = Signature(),
    };

    private Gbt32960Signature Signature() => new() { Algorithm = (byte)(1 + _r.Next(3)), R = Bytes(_r.Next(257)), S = Bytes(_r.Next(65)) };

    private ParameterListBody Parameters(Gbt32960Version version)
    {
        if (_r.Next(20) == 0)
        {
            return new ParameterListBody { Time = Time(), Parameters = Gbt32960.Counted<Gbt32960Parameter>.Sentinel(SentinelKind()) };
        }

        var list = new List<Gbt32960Parameter>();
        var ids = Enumerable.Range(1, 0x10).Select(i => (byte)i).Append((byte)0x80).OrderBy(_ => _r.Next()).Take(1 + _r.Next(17)).ToList();
        foreach (var id in ids)
        {
            switch (id)
            {
                case 0x04 or 0x0D:
                    break;
                case 0x05 or 0x0E:
                    var name = Text(_r.Next(40));
                    list.Add(Gbt32960Parameter.Numeric((byte)(id - 1), (uint)name.Length));
                    list.Add(Gbt32960Parameter.String(id, name));
                    break;
                case 0x07 or 0x08:
                    list.Add(Gbt32960Parameter.String(id, Text(5)));
                    break;
                case 0x80:
                    list.Add(new Gbt32960Parameter { Id = 0x80, Bytes = Bytes(UserParameterLength) });
                    break;
                default:
                    var isByte = id is 0x09 or 0x0C or 0x10 || (version == Gbt32960Version.V2025 && id is 0x02 or 0x03);
                    list.Add(Gbt32960Parameter.Numeric(id, isByte ? U8() : U16()));
                    break;
            }
        }

        return new ParameterListBody { Time = Time(), Parameters = list.ToArray() };
    }

    private VehicleLoginBody Login(Gbt32960Version version)
    {
        var login = new VehicleLoginBody { Time = Time(), Serial = U16(), Iccid = Text(_r.Next(21)) };
        if (version == Gbt32960Version.V2016)
        {
            switch (_r.Next(4))
            {
                case 0:
                    login.SubsystemCount = U8();
                    login.CodeLength = 0;
                    break;
                case 1:
                    login.SubsystemCount = (byte)(0xFE + _r.Next(2));
                    login.CodeLength = (byte)_r.Next(51);
                    break;
                default:
                    login.SubsystemCount = (byte)_r.Next(6);
                    login.CodeLength = (byte)(1 + _r.Next(50));
                    login.Codes = Enumerable.Range(0, login.SubsystemCount).Select(_ => Text(_r.Next(login.CodeLength + 1))).ToArray();
                    break;
            }

            return login;
        }

        if (_r.Next(10) == 0)
        {
            login.PacksPerBms = Gbt32960.Counted<byte>.Sentinel(SentinelKind());
            return login;
        }

        var packs = Enumerable.Range(0, _r.Next(5)).Select(_ => _r.Next(8) == 0 ? (byte)(0xFE + _r.Next(2)) : (byte)_r.Next(4)).ToArray();
        login.PacksPerBms = packs;
        login.PackCodes = packs.Select(m => Enumerable.Range(0, m >= 0xFE ? 0 : m).Select(_ => Text(_r.Next(25))).ToArray()).ToArray();
        return login;
    }

    public ReportBody Report(Gbt32960Version version)
    {
        var report = new ReportBody { Time = Time() };
        var kinds = Enum.GetValues<Gbt32960BlockKind>().Where(k => k == Gbt32960BlockKind.Custom || Gbt32960BlockTypes.TypeId(k, version) is not null).ToArray();
        var count = 1 + _r.Next(kinds.Length + 2);
        for (var i = 0; i < count; i++)
        {
            report.Blocks.Add(Block(version, kinds[_r.Next(kinds.Length)]));
        }

        if (version == Gbt32960Version.V2025)
        {
            report.Signature = Signature();
        }

        return report;
    }

    public Gbt32960Block Block(Gbt32960Version v, Gbt32960BlockKind kind)
    {
        var is2016 = v == Gbt32960Version.V2016;
        switch (kind)
        {
            case Gbt32960BlockKind.Vehicle:
                return new VehicleBlock(v)
                {
                    VehicleState = U8(),
                    ChargingState = U8(),
                    RunMode = U8(),
                    Speed = U16(),
                    Odometer = U32(),
                    TotalVoltage = U16(),
                    TotalCurrent = U16(),
                    Soc = U8(),
                    DcDcState = U8(),
                    Gear = U8(),
                    InsulationResistance = U16(),
                    AcceleratorPedal = is2016 ? U8() : (byte)0,
                    BrakePedal = is2016 ? U8() : (byte)0,
                };
            case Gbt32960BlockKind.DriveMotors:
                return new DriveMotorsBlock(v)
                {
                    Motors = List(
                        () => new DriveMotor(v)
                        {
                            Number = U8(),
                            State = U8(),
                            ControllerTemperature = U8(),
                            Speed = U16(),
                            Torque = is2016 ? U16() : U32(),
                            Temperature = U8(),
                            ControllerVoltage = is2016 ? U16() : (ushort)0,
                            ControllerCurrent = is2016 ? U16() : (ushort)0,
                        },
                        1,
                        4),
                };
            case Gbt32960BlockKind.FuelCell:
                return is2016
                    ? new FuelCellBlock(v)
                    {
                        Voltage = U16(),
                        Current = U16(),
                        Consumption = U16(),
                        ProbeTemperatures = List(U8, 2, 30),
                        H2MaxTemperature = U16(),
                        H2MaxTemperatureProbe = U8(),
                        H2MaxConcentration = U16(),
                        H2MaxConcentrationSensor = U8(),
                        H2MaxPressure = U16(),
                        H2MaxPressureSensor = U8(),
                        HighVoltageDcDcState = U8(),
                    }
                    : new FuelCellBlock(v)
                    {
                        H2MaxTemperature = U16(),
                        H2MaxTemperatureProbe = U8(),
                        H2MaxConcentration = U16(),
                        H2MaxConcentrationSensor = U8(),
                        H2MaxPressure = U16(),
                        H2MaxPressureSensor = U8(),
                        HighVoltageDcDcState = U8(),
                        RemainingHydrogen = U8(),
                        DcDcTemperature = U8(),
                    };
            case Gbt32960BlockKind.Engine:
                return new EngineBlock(v)
                {
                    State = is2016 ? U8() : (byte)0,
                    CrankshaftSpeed = U16(),
                    FuelConsumption = is2016 ? U16() : (ushort)0,
                };
            case Gbt32960BlockKind.Position:
                return new PositionBlock(v)
                {
                    Status = U8(),
                    CoordinateSystem = is2016 ? (byte)0 : U8(),
                    Longitude = U32(),
                    Latitude = U32(),
                };
            case Gbt32960BlockKind.Extremes:
                return new ExtremesBlock(v)
                {
                    MaxVoltageSubsystem = U8(),
                    MaxVoltageCell = U8(),
                    MaxCellVoltage = U16(),
                    MinVoltageSubsystem = U8(),
                    MinVoltageCell = U8(),
                    MinCellVoltage = U16(),
                    MaxTemperatureSubsystem = U8(),
                    MaxTemperatureProbe = U8(),
                    MaxTemperature = U8(),
                    MinTemperatureSubsystem = U8(),
                    MinTemperatureProbe = U8(),
                    MinTemperature = U8(),
                };
            case Gbt32960BlockKind.Alarm:
                return new AlarmBlock(v)
                {
                    Level = U8(),
                    Flags = U32(),
                    BatteryFaults = List(U32, 1, 5),
                    MotorFaults = List(U32, 1, 5),
                    EngineFaults = List(U32, 1, 5),
                    OtherFaults = List(U32, 1, 5),
                    GeneralAlarmLevels = is2016 ? default : List(() => new AlarmFlagLevel(U8(), U8()), 1, 5),
                };
            case Gbt32960BlockKind.CellVoltages:
                return new CellVoltagesBlock(v)
                {
                    Packs = List(
                        () => new CellVoltagePack(v)
                        {
                            Number = U8(),
                            Voltage = U16(),
                            Current = U16(),
                            TotalCells = is2016 ? U16() : (ushort)0,
                            FirstIndex = is2016 ? U16() : (ushort)0,
                            Cells = List(U16, is2016 ? 1 : 2, _r.Next(4) == 0 ? 200 : 20),
                        },
                        1,
                        3),
                };
            case Gbt32960BlockKind.Temperatures:
                return new TemperaturesBlock(v)
                {
                    Packs = List(() => new TemperaturePack { Number = U8(), Probes = List(U8, 2, 40) }, 1, 3),
                };
            case Gbt32960BlockKind.FuelCellStacks:
                return new FuelCellStacksBlock(v)
                {
                    Stacks = List(
                        () => new FuelCellStack
                        {
                            Number = U8(),
                            Voltage = U16(),
                            Current = U16(),
                            HydrogenInletPressure = U16(),
                            AirInletPressure = U16(),
                            AirInletTemperature = U8(),
                            CoolantOutletTemperatures = List(U8, 2, 10),
                        },
                        1,
                        3),
                };
            case Gbt32960BlockKind.Supercapacitor:
                return new SupercapacitorBlock(v)
                {
                    SystemNumber = U8(),
                    Voltage = U16(),
                    Current = U16(),
                    Cells = List(U16, 2, 30),
                    Probes = List(U8, 2, 30),
                };
            case Gbt32960BlockKind.SupercapacitorExtremes:
                return new SupercapacitorExtremesBlock(v)
                {
                    MaxVoltageSystem = U8(),
                    MaxVoltageCell = U16(),
                    MaxVoltage = U16(),
                    MinVoltageSystem = U8(),
                    MinVoltageCell = U16(),
                    MinVoltage = U16(),
                    MaxTemperatureSystem = U8(),
                    MaxTemperatureProbe = U16(),
                    MaxTemperature = U8(),
                    MinTemperatureSystem = U8(),
                    MinTemperatureProbe = U16(),
                    MinTemperature = U8(),
                };
            default:
                return new CustomBlock(v) { CustomTypeId = (byte)(0x80 + _r.Next(0x7F)), Data = Bytes(_r.Next(60)) };
        }
    }

    public DateTimeOffset Time()
    {
        var year = 2000 + _r.Next(100);
        var month = 1 + _r.Next(12);
        var day = 1 + _r.Next(DateTime.DaysInMonth(year, month));
        return new DateTimeOffset(year, month, day, _r.Next(24), _r.Next(60), _r.Next(60), Gbt32960Time.Offset);
    }

    private Counted<T> List<T>(Func<T> item, int countWidth, int max)
    {
        if (_r.Next(10) == 0)
        {
            return Gbt32960.Counted<T>.Sentinel(SentinelKind());
        }

        return Enumerable.Range(0, _r.Next(max + 1)).Select(_ => item()).ToArray();
    }

    private Validity SentinelKind() => _r.Next(2) == 0 ? Validity.Invalid : Validity.Abnormal;

    /// <summary>Full range, with the sentinels and their neighbours favoured.</summary>
    private byte U8() => _r.Next(6) switch
    {
        0 => 0xFF,
        1 => 0xFE,
        2 => 0,
        _ => (byte)_r.Next(256),
    };

    private ushort U16() => _r.Next(6) switch
    {
        0 => 0xFFFF,
        1 => 0xFFFE,
        2 => 0xFEFE,
        _ => (ushort)_r.Next(65536),
    };

    private uint U32() => _r.Next(6) switch
    {
        0 => 0xFFFF_FFFF,
        1 => 0xFFFF_FFFE,
        2 => 0,
        _ => (uint)_r.NextInt64(0x1_0000_0000),
    };

    private byte[] Bytes(int n)
    {
        var b = new byte[n];
        _r.NextBytes(b);
        return b;
    }

    private string Text(int n) => new(Enumerable.Range(0, n).Select(_ => (char)('!' + _r.Next(94))).ToArray());
}
