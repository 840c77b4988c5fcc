using System.Buffers;

namespace NevHub.Protocols.Gbt32960;

/// <summary>
/// Decodes the data unit of a delimited frame into a typed <see cref="Gbt32960Message"/>. Structure errors throw
/// <see cref="Gbt32960FormatException"/>; out-of-range values are kept (§10.11).
/// </summary>
public sealed class Gbt32960Decoder
{
    private readonly Gbt32960Options _options;
    private readonly Gbt32960Framer _framer;

    public Gbt32960Decoder()
        : this(Gbt32960Options.Default)
    {
    }

    public Gbt32960Decoder(Gbt32960Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _framer = new Gbt32960Framer(options);
    }

    /// <summary>Decodes a frame returned by <see cref="Gbt32960Framer"/>.</summary>
    public Gbt32960Message Decode(in Gbt32960Frame frame)
    {
        var data = frame.DataUnit;
        if (data.IsSingleSegment)
        {
            return Decode(frame, data.FirstSpan);
        }

        // Rare path: the data unit spans segments; copy it to a pooled buffer.
        var rented = ArrayPool<byte>.Shared.Rent(frame.DataLength);
        try
        {
            data.CopyTo(rented);
            return Decode(frame, rented.AsSpan(0, frame.DataLength));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Validates a whole frame (see <see cref="Gbt32960Framer.Validate"/>) and decodes it.</summary>
    public Gbt32960Message DecodeFrame(ReadOnlyMemory<byte> frame) => Decode(_framer.ReadFrame(frame));

    private Gbt32960Message Decode(in Gbt32960Frame frame, ReadOnlySpan<byte> data)
    {
        var message = new Gbt32960Message
        {
            Version = frame.Version,
            Command = frame.Command,
            ResponseFlag = frame.ResponseFlag,
            Vin = frame.Vin,
            Encryption = frame.Encryption,
        };

        if (frame.IsEncrypted && data.Length > 0)
        {
            if (_options.Decryptor is { } decryptor)
            {
                bool ok;
                byte[] plain;
                bool failed;
                try
                {
                    ok = decryptor.TryDecrypt(frame.Version, frame.Vin, frame.Encryption, data, out plain, out failed);
                }
                catch (System.Security.Cryptography.CryptographicException e)
                {
                    throw new Gbt32960FormatException(Gbt32960ErrorReason.DecryptionFailed, "decryption failed: " + e.Message, 0);
                }

                if (failed)
                {
                    ThrowHelper.Throw(Gbt32960ErrorReason.DecryptionFailed, $"the {frame.Encryption} data unit could not be decrypted", 0);
                }

                if (ok)
                {
                    message.Body = DecodeBody(frame.Version, frame.Command, frame.Vin, frame.IsAnswer, plain);
                    return message;
                }
            }

            message.Body = new EncryptedBody { Algorithm = frame.Encryption, Ciphertext = data.ToArray() };
            return message;
        }

        message.Body = DecodeBody(frame.Version, frame.Command, frame.Vin, frame.IsAnswer, data);
        return message;
    }

    private Gbt32960Body DecodeBody(Gbt32960Version version, Gbt32960Command command, Gbt32960Vin vin, bool answer, ReadOnlySpan<byte> data)
    {
        var r = new SpanReader(data);
        if (answer)
        {
            return DecodeAnswer(version, command, ref r);
        }

        Gbt32960Body body;
        switch (command)
        {
            case Gbt32960Command.VehicleLogin:
                body = version == Gbt32960Version.V2016 ? Login2016(ref r) : Login2025(ref r);
                break;
            case Gbt32960Command.RealtimeReport:
            case Gbt32960Command.ReissueReport:
                return Report(version, command, vin, ref r);
            case Gbt32960Command.VehicleLogout:
            case Gbt32960Command.PlatformLogout:
                body = new LogoutBody { Time = r.Time(), Serial = r.U16() };
                break;
            case Gbt32960Command.PlatformLogin:
                body = new PlatformLoginBody
                {
                    Time = r.Time(),
                    Serial = r.U16(),
                    Username = r.Text(12, 0),
                    Password = r.Text(20, 0),
                    EncryptionRule = (Gbt32960Encryption)r.U8(),
                };
                break;
            case Gbt32960Command.Heartbeat:
            case Gbt32960Command.TimeSync:
                body = EmptyBody.Instance;
                break;
            case Gbt32960Command.Activation when version == Gbt32960Version.V2025:
                body = Activation(vin, ref r);
                break;
            case Gbt32960Command.ActivationResponse when version == Gbt32960Version.V2025:
                body = new ActivationResponseBody { Status = r.U8(), Info = r.U8() };
                break;
            case Gbt32960Command.KeyExchange when version == Gbt32960Version.V2025:
                {
                    var type = (Gbt32960Encryption)r.U8();
                    var key = r.Array(r.U16());
                    body = new KeyExchangeBody { KeyType = type, Key = key, ValidFrom = r.Time(), ValidUntil = r.Time() };
                    break;
                }

            case Gbt32960Command.QueryParameters:
                {
                    var time = r.Time();
                    var count = r.U8();
                    var ids = Sentinel.IsSentinel(count, 1) ? Counted<byte>.Sentinel(Sentinel.Of(count, 1)) : new Counted<byte>(r.Array(count));
                    body = new ParameterQueryBody { Time = time, Ids = ids };
                    break;
                }

            case Gbt32960Command.SetParameters:
                body = ParameterList(version, ref r);
                break;
            case Gbt32960Command.TerminalControl:
                body = new TerminalControlBody { Time = r.Time(), CommandId = r.U8(), Arguments = r.Array(r.Remaining) };
                break;
            default:
                if ((byte)command >= 0xC0)
                {
                    return new RawBody { Data = data.ToArray() };
                }

                return ThrowHelper.Throw<Gbt32960Body>(
                    Gbt32960ErrorReason.UnknownCommand,
                    $"command 0x{(byte)command:X2} is reserved in GB/T 32960 {(version == Gbt32960Version.V2016 ? "2016" : "2025")}",
                    -1);
        }

        r.End("data unit");
        return body;
    }

    private Gbt32960Body DecodeAnswer(Gbt32960Version version, Gbt32960Command command, ref SpanReader r)
    {
        if (r.Remaining == 0)
        {
            return new AcknowledgementBody();
        }

        if (command == Gbt32960Command.QueryParameters && r.Remaining > Gbt32960Time.Size)
        {
            var list = ParameterList(version, ref r);
            r.End("query answer");
            return list;
        }

        var time = r.Time();
        return new AcknowledgementBody { Time = time, Echo = r.Array(r.Remaining) };
    }

    private static VehicleLoginBody Login2016(ref SpanReader r)
    {
        var body = new VehicleLoginBody { Time = r.Time(), Serial = r.U16(), Iccid = r.Text(20, 0) };
        body.SubsystemCount = r.U8();
        body.CodeLength = r.U8();
        if (body.CodeLength > 0 && !Sentinel.IsSentinel(body.CodeLength, 1) && !Sentinel.IsSentinel(body.SubsystemCount, 1))
        {
            r.Need(body.SubsystemCount * body.CodeLength);
            var codes = new string[body.SubsystemCount];
            for (var i = 0; i < codes.Length; i++)
            {
                codes[i] = r.Text(body.CodeLength, 0);
            }

            body.Codes = codes;
        }

        return body;
    }

    private static VehicleLoginBody Login2025(ref SpanReader r)
    {
        var body = new VehicleLoginBody { Time = r.Time(), Serial = r.U16(), Iccid = r.Text(20, 0) };
        var n = r.U8();
        if (Sentinel.IsSentinel(n, 1))
        {
            body.PacksPerBms = Counted<byte>.Sentinel(Sentinel.Of(n, 1));
            return body;
        }

        var packs = r.Array(n);
        body.PacksPerBms = packs;
        var codes = new string[n][];
        for (var i = 0; i < n; i++)
        {
            var m = Sentinel.IsSentinel(packs[i], 1) ? 0 : packs[i];
            r.Need(24 * m);
            codes[i] = new string[m];
            for (var j = 0; j < m; j++)
            {
                codes[i][j] = r.Text(24, 0);
            }
        }

        body.PackCodes = codes;
        return body;
    }

    private ActivationBody Activation(Gbt32960Vin vin, ref SpanReader r)
    {
        var body = new ActivationBody { Time = r.Time(), ChipId = r.Text(16, (byte)' ') };
        body.PublicKey = r.Array(r.U16());
        body.Vin = r.Text(17, 0);
        body.SignedLength = r.Position;
        body.Signature = Signature(ref r);
        r.End("activation");
        Verify(vin, Gbt32960Command.Activation, r.Data[..body.SignedLength], body.Signature);
        return body;
    }

    private static Gbt32960Signature Signature(ref SpanReader r)
    {
        var signature = new Gbt32960Signature { Algorithm = r.U8() };
        signature.R = r.Array(r.U16());
        signature.S = r.Array(r.U16());
        return signature;
    }

    private void Verify(Gbt32960Vin vin, Gbt32960Command command, ReadOnlySpan<byte> signed, Gbt32960Signature signature)
    {
        if (_options.SignatureVerifier is { } verifier && verifier.Verify(vin, command, signed, signature) == SignatureCheck.Invalid)
        {
            ThrowHelper.Throw(Gbt32960ErrorReason.SignatureInvalid, $"the signature over data-unit bytes [0, {signed.Length}) does not verify");
        }
    }

    private ParameterListBody ParameterList(Gbt32960Version version, ref SpanReader r)
    {
        var time = r.Time();
        var count = r.U8();
        if (Sentinel.IsSentinel(count, 1))
        {
            return new ParameterListBody { Time = time, Parameters = Counted<Gbt32960Parameter>.Sentinel(Sentinel.Of(count, 1)) };
        }

        r.Need(count * 2);
        var items = new Gbt32960Parameter[count];
        int domainLength = -1, publicDomainLength = -1;
        for (var i = 0; i < count; i++)
        {
            var at = r.Position;
            var id = r.U8();
            var width = ParameterLayout.Width(version, id, domainLength, publicDomainLength, _options.UserParameterLengths);
            var p = new Gbt32960Parameter { Id = id };
            switch (width)
            {
                case ParameterLayout.Byte:
                    p.Number = r.U8();
                    break;
                case ParameterLayout.Word:
                    p.Number = r.U16();
                    break;
                case ParameterLayout.Unknown:
                    ThrowHelper.Throw(
                        Gbt32960ErrorReason.UnknownParameter,
                        $"parameter id 0x{id:X2} at data offset {at} has no known value length",
                        at);
                    break;
                default:
                    p.Bytes = r.Array(width);
                    break;
            }

            if (id == Gbt32960ParameterId.PlatformDomainLength)
            {
                domainLength = (int)p.Number;
            }
            else if (id == Gbt32960ParameterId.PublicDomainLength)
            {
                publicDomainLength = (int)p.Number;
            }

            items[i] = p;
        }

        return new ParameterListBody { Time = time, Parameters = items };
    }

    private Gbt32960Body Report(Gbt32960Version version, Gbt32960Command command, Gbt32960Vin vin, ref SpanReader r)
    {
        var body = new ReportBody { Time = r.Time() };
        r.Overrun = Gbt32960ErrorReason.BlockOverrun;
        var blocks = new List<Gbt32960Block>(8);
        while (r.Remaining > 0)
        {
            var at = r.Position;
            var type = r.U8();
            if (type == 0xFF && version == Gbt32960Version.V2025)
            {
                body.SignedLength = at;
                body.Signature = Signature(ref r);
                if (r.Remaining > 0)
                {
                    ThrowHelper.Throw(
                        Gbt32960ErrorReason.TrailingData,
                        $"{r.Remaining} byte(s) follow the 0xFF signature block (data offset {r.Position})",
                        r.Position);
                }

                break;
            }

            var kind = Gbt32960BlockTypes.KindOf(type, version);
            if (kind is null)
            {
                ThrowHelper.Throw(
                    Gbt32960ErrorReason.UnknownInformationType,
                    $"information type 0x{type:X2} (no defined layout in {(version == Gbt32960Version.V2016 ? "2016" : "2025")}, length unknown) at data offset {at}",
                    at);
            }

            blocks.Add(Block(version, kind.Value, type, ref r));
        }

        body.Blocks = blocks;
        if (blocks.Count == 0)
        {
            ThrowHelper.Throw(Gbt32960ErrorReason.EmptyReport, "the report has no information block", r.Position);
        }

        if (version == Gbt32960Version.V2025)
        {
            if (body.Signature is null)
            {
                if (_options.RequireSignature)
                {
                    ThrowHelper.Throw(Gbt32960ErrorReason.MissingSignature, "a 2025 report must end with a 0xFF signature block", r.Position);
                }
            }
            else
            {
                Verify(vin, command, r.Data[..body.SignedLength], body.Signature);
            }
        }

        return body;
    }

    private static Gbt32960Block Block(Gbt32960Version v, Gbt32960BlockKind kind, byte type, ref SpanReader r)
    {
        var is2016 = v == Gbt32960Version.V2016;
        switch (kind)
        {
            case Gbt32960BlockKind.Vehicle:
                {
                    r.Need(is2016 ? 20 : 18);
                    var b = new VehicleBlock(v)
                    {
                        VehicleState = r.U8(),
                        ChargingState = r.U8(),
                        RunMode = r.U8(),
                        Speed = r.U16(),
                        Odometer = r.U32(),
                        TotalVoltage = r.U16(),
                        TotalCurrent = r.U16(),
                        Soc = r.U8(),
                        DcDcState = r.U8(),
                        Gear = r.U8(),
                        InsulationResistance = r.U16(),
                    };
                    if (is2016)
                    {
                        b.AcceleratorPedal = r.U8();
                        b.BrakePedal = r.U8();
                    }

                    return b;
                }

            case Gbt32960BlockKind.DriveMotors:
                {
                    var count = r.U8();
                    var b = new DriveMotorsBlock(v);
                    if (Sentinel.IsSentinel(count, 1))
                    {
                        b.Motors = Counted<DriveMotor>.Sentinel(Sentinel.Of(count, 1));
                        return b;
                    }

                    r.Need(count * (is2016 ? 12 : 10));
                    var motors = new DriveMotor[count];
                    for (var i = 0; i < count; i++)
                    {
                        var m = new DriveMotor(v)
                        {
                            Number = r.U8(),
                            State = r.U8(),
                            ControllerTemperature = r.U8(),
                            Speed = r.U16(),
                            Torque = is2016 ? r.U16() : r.U32(),
                            Temperature = r.U8(),
                        };
                        if (is2016)
                        {
                            m.ControllerVoltage = r.U16();
                            m.ControllerCurrent = r.U16();
                        }

                        motors[i] = m;
                    }

                    b.Motors = motors;
                    return b;
                }

            case Gbt32960BlockKind.FuelCell:
                {
                    var b = new FuelCellBlock(v);
                    if (is2016)
                    {
                        r.Need(8);
                        b.Voltage = r.U16();
                        b.Current = r.U16();
                        b.Consumption = r.U16();
                        b.ProbeTemperatures = ByteList16(ref r);
                        r.Need(10);
                        b.H2MaxTemperature = r.U16();
                        b.H2MaxTemperatureProbe = r.U8();
                        b.H2MaxConcentration = r.U16();
                        b.H2MaxConcentrationSensor = r.U8();
                        b.H2MaxPressure = r.U16();
                        b.H2MaxPressureSensor = r.U8();
                        b.HighVoltageDcDcState = r.U8();
                    }
                    else
                    {
                        r.Need(12);
                        b.H2MaxTemperature = r.U16();
                        b.H2MaxTemperatureProbe = r.U8();
                        b.H2MaxConcentration = r.U16();
                        b.H2MaxConcentrationSensor = r.U8();
                        b.H2MaxPressure = r.U16();
                        b.H2MaxPressureSensor = r.U8();
                        b.HighVoltageDcDcState = r.U8();
                        b.RemainingHydrogen = r.U8();
                        b.DcDcTemperature = r.U8();
                    }

                    return b;
                }

            case Gbt32960BlockKind.Engine:
                {
                    var b = new EngineBlock(v);
                    if (is2016)
                    {
                        r.Need(5);
                        b.State = r.U8();
                        b.CrankshaftSpeed = r.U16();
                        b.FuelConsumption = r.U16();
                    }
                    else
                    {
                        b.CrankshaftSpeed = r.U16();
                    }

                    return b;
                }

            case Gbt32960BlockKind.Position:
                {
                    r.Need(is2016 ? 9 : 10);
                    var b = new PositionBlock(v) { Status = r.U8() };
                    if (!is2016)
                    {
                        b.CoordinateSystem = r.U8();
                    }

                    b.Longitude = r.U32();
                    b.Latitude = r.U32();
                    return b;
                }

            case Gbt32960BlockKind.Extremes:
                r.Need(14);
                return new ExtremesBlock(v)
                {
                    MaxVoltageSubsystem = r.U8(),
                    MaxVoltageCell = r.U8(),
                    MaxCellVoltage = r.U16(),
                    MinVoltageSubsystem = r.U8(),
                    MinVoltageCell = r.U8(),
                    MinCellVoltage = r.U16(),
                    MaxTemperatureSubsystem = r.U8(),
                    MaxTemperatureProbe = r.U8(),
                    MaxTemperature = r.U8(),
                    MinTemperatureSubsystem = r.U8(),
                    MinTemperatureProbe = r.U8(),
                    MinTemperature = r.U8(),
                };

            case Gbt32960BlockKind.Alarm:
                {
                    r.Need(5);
                    var b = new AlarmBlock(v) { Level = r.U8(), Flags = r.U32() };
                    b.BatteryFaults = FaultList(ref r);
                    b.MotorFaults = FaultList(ref r);
                    b.EngineFaults = FaultList(ref r);
                    b.OtherFaults = FaultList(ref r);
                    if (!is2016)
                    {
                        var n = r.U8();
                        if (Sentinel.IsSentinel(n, 1))
                        {
                            b.GeneralAlarmLevels = Counted<AlarmFlagLevel>.Sentinel(Sentinel.Of(n, 1));
                        }
                        else
                        {
                            r.Need(2 * n);
                            var levels = new AlarmFlagLevel[n];
                            for (var i = 0; i < n; i++)
                            {
                                levels[i] = new AlarmFlagLevel(r.U8(), r.U8());
                            }

                            b.GeneralAlarmLevels = levels;
                        }
                    }

                    return b;
                }

            case Gbt32960BlockKind.CellVoltages:
                {
                    var b = new CellVoltagesBlock(v);
                    var count = r.U8();
                    if (Sentinel.IsSentinel(count, 1))
                    {
                        b.Packs = Counted<CellVoltagePack>.Sentinel(Sentinel.Of(count, 1));
                        return b;
                    }

                    r.Need(count * (is2016 ? 10 : 7));
                    var packs = new CellVoltagePack[count];
                    for (var i = 0; i < count; i++)
                    {
                        var p = new CellVoltagePack(v) { Number = r.U8(), Voltage = r.U16(), Current = r.U16() };
                        if (is2016)
                        {
                            p.TotalCells = r.U16();
                            p.FirstIndex = r.U16();
                            var m = r.U8();
                            p.Cells = Sentinel.IsSentinel(m, 1) ? Counted<ushort>.Sentinel(Sentinel.Of(m, 1)) : Words(ref r, m);
                        }
                        else
                        {
                            p.Cells = WordList16(ref r);
                        }

                        packs[i] = p;
                    }

                    b.Packs = packs;
                    return b;
                }

            case Gbt32960BlockKind.Temperatures:
                {
                    var b = new TemperaturesBlock(v);
                    var count = r.U8();
                    if (Sentinel.IsSentinel(count, 1))
                    {
                        b.Packs = Counted<TemperaturePack>.Sentinel(Sentinel.Of(count, 1));
                        return b;
                    }

                    r.Need(count * 3);
                    var packs = new TemperaturePack[count];
                    for (var i = 0; i < count; i++)
                    {
                        packs[i] = new TemperaturePack { Number = r.U8(), Probes = ByteList16(ref r) };
                    }

                    b.Packs = packs;
                    return b;
                }

            case Gbt32960BlockKind.FuelCellStacks:
                {
                    var b = new FuelCellStacksBlock(v);
                    var count = r.U8();
                    if (Sentinel.IsSentinel(count, 1))
                    {
                        b.Stacks = Counted<FuelCellStack>.Sentinel(Sentinel.Of(count, 1));
                        return b;
                    }

                    r.Need(count * 12);
                    var stacks = new FuelCellStack[count];
                    for (var i = 0; i < count; i++)
                    {
                        stacks[i] = new FuelCellStack
                        {
                            Number = r.U8(),
                            Voltage = r.U16(),
                            Current = r.U16(),
                            HydrogenInletPressure = r.U16(),
                            AirInletPressure = r.U16(),
                            AirInletTemperature = r.U8(),
                            CoolantOutletTemperatures = ByteList16(ref r),
                        };
                    }

                    b.Stacks = stacks;
                    return b;
                }

            case Gbt32960BlockKind.Supercapacitor:
                {
                    r.Need(7);
                    var b = new SupercapacitorBlock(v) { SystemNumber = r.U8(), Voltage = r.U16(), Current = r.U16() };
                    b.Cells = WordList16(ref r);
                    b.Probes = ByteList16(ref r);
                    return b;
                }

            case Gbt32960BlockKind.SupercapacitorExtremes:
                r.Need(18);
                return new SupercapacitorExtremesBlock(v)
                {
                    MaxVoltageSystem = r.U8(),
                    MaxVoltageCell = r.U16(),
                    MaxVoltage = r.U16(),
                    MinVoltageSystem = r.U8(),
                    MinVoltageCell = r.U16(),
                    MinVoltage = r.U16(),
                    MaxTemperatureSystem = r.U8(),
                    MaxTemperatureProbe = r.U16(),
                    MaxTemperature = r.U8(),
                    MinTemperatureSystem = r.U8(),
                    MinTemperatureProbe = r.U16(),
                    MinTemperature = r.U8(),
                };

            default:
                {
                    var at = r.Position - 1;
                    var length = r.U16();
                    if (length > r.Remaining)
                    {
                        ThrowHelper.Throw(
                            Gbt32960ErrorReason.CustomBlockOverrun,
                            $"block 0x{type:X2} at data offset {at} is read as length-prefixed: length word 0x{length:X4} = {length} but only {r.Remaining} data bytes remain",
                            at);
                    }

                    var b = new CustomBlock(v) { CustomTypeId = type, Data = r.Array(length) };
                    return b;
                }
        }
    }

    private static Counted<uint> FaultList(ref SpanReader r)
    {
        var n = r.U8();
        if (Sentinel.IsSentinel(n, 1))
        {
            return Counted<uint>.Sentinel(Sentinel.Of(n, 1));
        }

        r.Need(4 * n);
        var codes = new uint[n];
        for (var i = 0; i < n; i++)
        {
            codes[i] = r.U32();
        }

        return codes;
    }

    private static Counted<byte> ByteList16(ref SpanReader r)
    {
        var n = r.U16();
        return Sentinel.IsSentinel(n, 2) ? Counted<byte>.Sentinel(Sentinel.Of(n, 2)) : new Counted<byte>(r.Array(n));
    }

    private static Counted<ushort> WordList16(ref SpanReader r)
    {
        var n = r.U16();
        return Sentinel.IsSentinel(n, 2) ? Counted<ushort>.Sentinel(Sentinel.Of(n, 2)) : Words(ref r, n);
    }

    private static Counted<ushort> Words(ref SpanReader r, int n)
    {
        var bytes = r.Bytes(2 * n);
        var words = new ushort[n];
        for (var i = 0; i < n; i++)
        {
            words[i] = (ushort)((bytes[2 * i] << 8) | bytes[(2 * i) + 1]);
        }

        return words;
    }
}

/// <summary>Parameter value lengths (table B.12 of 2016, B.8 of 2025).</summary>
internal static class ParameterLayout
{
    public const int Unknown = -1;
    public const int Byte = -2;
    public const int Word = -3;

    /// <summary>Byte, Word, a byte-string length (≥ 0) or Unknown.</summary>
    public static int Width(Gbt32960Version version, byte id, int domainLength, int publicDomainLength, IReadOnlyDictionary<byte, int> user)
    {
        var is2016 = version == Gbt32960Version.V2016;
        return id switch
        {
            0x01 or 0x06 or 0x0A or 0x0B or 0x0F => Word,
            0x02 or 0x03 => is2016 ? Word : Byte,
            0x04 or 0x09 or 0x0C or 0x0D or 0x10 => Byte,
            0x05 => domainLength >= 0 ? domainLength : Unknown,
            0x0E => publicDomainLength >= 0 ? publicDomainLength : Unknown,
            0x07 or 0x08 => 5,
            >= 0x80 and <= 0xFE => user.TryGetValue(id, out var n) && n >= 0 ? n : Unknown,
            _ => Unknown,
        };
    }
}
