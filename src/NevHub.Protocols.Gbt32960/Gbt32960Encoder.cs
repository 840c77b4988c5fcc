using System.Buffers;
using System.Buffers.Binary;

namespace NevHub.Protocols.Gbt32960;

/// <summary>
/// Encodes messages to frames (header, data unit, BCC). Encoding a decoded message gives the original bytes.
/// Invalid models (wrong edition for a block, strings too long, counts that do not fit) throw <see cref="ArgumentException"/>.
/// </summary>
public static class Gbt32960Encoder
{
    [ThreadStatic]
    private static BodyWriter? t_body;

    /// <summary>Encodes a message into a new array.</summary>
    public static byte[] Encode(Gbt32960Message message)
    {
        var body = EncodeDataUnit(message);
        var frame = new byte[Gbt32960Frame.Overhead + body.Length];
        WriteFrame(message, body, frame);
        return frame;
    }

    /// <summary>Encodes a message into <paramref name="output"/>; returns the frame size.</summary>
    public static int Encode(Gbt32960Message message, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var body = EncodeDataUnit(message);
        var size = Gbt32960Frame.Overhead + body.Length;
        WriteFrame(message, body, output.GetSpan(size));
        output.Advance(size);
        return size;
    }

    /// <summary>Writes a frame around an already encoded (or encrypted) data unit; returns the size (25 + data length).</summary>
    public static int WriteFrame(
        Gbt32960Version version,
        byte command,
        byte responseFlag,
        Gbt32960Vin vin,
        byte encryption,
        ReadOnlySpan<byte> dataUnit,
        Span<byte> destination)
    {
        if (dataUnit.Length > ushort.MaxValue)
        {
            throw new ArgumentException("the data unit exceeds 65535 bytes", nameof(dataUnit));
        }

        var size = Gbt32960Frame.Overhead + dataUnit.Length;
        if (destination.Length < size)
        {
            throw new ArgumentException($"the destination needs {size} bytes", nameof(destination));
        }

        destination[0] = (byte)version;
        destination[1] = (byte)version;
        destination[2] = command;
        destination[3] = responseFlag;
        vin.AsSpan().CopyTo(destination[4..]);
        destination[21] = encryption;
        BinaryPrimitives.WriteUInt16BigEndian(destination[22..], (ushort)dataUnit.Length);
        dataUnit.CopyTo(destination[24..]);
        destination[size - 1] = Bcc.Compute(destination[2..(size - 1)]);
        return size;
    }

    /// <summary>Encodes only the data unit of a message. The span points into a per-thread buffer: use it before the next encode on this thread.</summary>
    public static ReadOnlySpan<byte> EncodeDataUnit(Gbt32960Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Version is not (Gbt32960Version.V2016 or Gbt32960Version.V2025))
        {
            throw new ArgumentException("unknown edition", nameof(message));
        }

        var w = t_body ??= new BodyWriter();
        w.Reset(message.Version);
        w.Body(message);
        if (w.Written > ushort.MaxValue)
        {
            throw new ArgumentException($"the data unit is {w.Written} bytes, more than a frame can carry", nameof(message));
        }

        return w.WrittenSpan;
    }

    private static void WriteFrame(Gbt32960Message message, ReadOnlySpan<byte> body, Span<byte> destination) =>
        WriteFrame(message.Version, (byte)message.Command, (byte)message.ResponseFlag, message.Vin, (byte)message.Encryption, body, destination);

    /// <summary>Writes a data unit into a per-thread growable buffer (one bounds check per field).</summary>
    private sealed class BodyWriter
    {
        private byte[] _buffer = new byte[1024];
        private int _pos;
        private Gbt32960Version _v;

        public int Written => _pos;

        public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _pos);

        public void Reset(Gbt32960Version version)
        {
            _pos = 0;
            _v = version;
        }

        private Span<byte> Take(int count)
        {
            if (_buffer.Length - _pos < count)
            {
                Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _pos + count));
            }

            var span = _buffer.AsSpan(_pos, count);
            _pos += count;
            return span;
        }

        private bool Is2016 => _v == Gbt32960Version.V2016;

        public void Body(Gbt32960Message message)
        {
            switch (message.Body)
            {
                case EmptyBody:
                    break;
                case AcknowledgementBody a:
                    if (a.Time is { } t)
                    {
                        Time(t);
                    }
                    else if (a.Echo.Length > 0)
                    {
                        throw new ArgumentException("an echoed answer needs a time");
                    }

                    Bytes(a.Echo);
                    break;
                case EncryptedBody e:
                    Bytes(e.Ciphertext);
                    break;
                case RawBody raw:
                    Bytes(raw.Data);
                    break;
                case VehicleLoginBody login:
                    Login(login);
                    break;
                case LogoutBody logout:
                    Time(logout.Time);
                    U16(logout.Serial);
                    break;
                case PlatformLoginBody p:
                    Time(p.Time);
                    U16(p.Serial);
                    Text(p.Username, 12, 0, "username");
                    Text(p.Password, 20, 0, "password");
                    U8((byte)p.EncryptionRule);
                    break;
                case ReportBody report:
                    Report(report);
                    break;
                case ActivationBody act:
                    {
                        var start = _pos;
                        Time(act.Time);
                        Text(act.ChipId, 16, (byte)' ', "chip id");
                        U16(Checked16(act.PublicKey.Length, "public key"));
                        Bytes(act.PublicKey);
                        Text(act.Vin, 17, 0, "VIN");
                        act.SignedLength = _pos - start;
                        Signature(act.Signature);
                        break;
                    }

                case ActivationResponseBody ar:
                    U8(ar.Status);
                    U8(ar.Info);
                    break;
                case KeyExchangeBody k:
                    U8((byte)k.KeyType);
                    U16(Checked16(k.Key.Length, "key"));
                    Bytes(k.Key);
                    Time(k.ValidFrom);
                    Time(k.ValidUntil);
                    break;
                case ParameterQueryBody q:
                    Time(q.Time);
                    Count8(q.Ids.CountValidity, q.Ids.Count, "parameter ids");
                    Bytes(q.Ids.Items);
                    break;
                case ParameterListBody list:
                    Parameters(list);
                    break;
                case TerminalControlBody c:
                    Time(c.Time);
                    U8(c.CommandId);
                    Bytes(c.Arguments);
                    break;
                default:
                    throw new ArgumentException($"unsupported body {message.Body?.GetType().Name ?? "null"}");
            }
        }

        private void Login(VehicleLoginBody login)
        {
            Time(login.Time);
            U16(login.Serial);
            Text(login.Iccid, 20, 0, "ICCID");
            if (Is2016)
            {
                U8(login.SubsystemCount);
                U8(login.CodeLength);
                var expected = login.CodeLength == 0 || Sentinel.IsSentinel(login.CodeLength, 1) || Sentinel.IsSentinel(login.SubsystemCount, 1)
                    ? 0
                    : login.SubsystemCount;
                if (login.Codes.Length != expected)
                {
                    throw new ArgumentException($"a 2016 login with n = {login.SubsystemCount}, m = {login.CodeLength} carries {expected} codes");
                }

                foreach (var code in login.Codes)
                {
                    Text(code, login.CodeLength, 0, "subsystem code");
                }

                return;
            }

            var packs = login.PacksPerBms;
            Count8(packs.CountValidity, packs.Count, "BMS");
            Bytes(packs.Items);
            if (login.PackCodes.Length != packs.Count)
            {
                throw new ArgumentException("PackCodes needs one list per BMS");
            }

            for (var i = 0; i < packs.Count; i++)
            {
                var m = Sentinel.IsSentinel(packs.Items[i], 1) ? 0 : packs.Items[i];
                if (login.PackCodes[i].Length != m)
                {
                    throw new ArgumentException($"BMS {i + 1} declares {m} packs but has {login.PackCodes[i].Length} codes");
                }

                foreach (var code in login.PackCodes[i])
                {
                    Text(code, 24, 0, "pack code");
                }
            }
        }

        private void Parameters(ParameterListBody list)
        {
            Time(list.Time);
            var items = list.Parameters;
            Count8(items.CountValidity, items.Count, "parameters");
            int domain = -1, publicDomain = -1;
            foreach (var p in items.Items)
            {
                U8(p.Id);
                var width = ParameterLayout.Width(_v, p.Id, domain, publicDomain, EmptyLengths);
                switch (width)
                {
                    case ParameterLayout.Byte:
                        U8(checked((byte)p.Number));
                        break;
                    case ParameterLayout.Word:
                        U16(checked((ushort)p.Number));
                        break;
                    case ParameterLayout.Unknown when p.Id is >= 0x80 and <= 0xFE:
                        Bytes(p.Bytes);
                        break;
                    case ParameterLayout.Unknown:
                        throw new ArgumentException($"parameter 0x{p.Id:X2} has no known layout (a domain name needs its length parameter first)");
                    default:
                        if (p.Bytes.Length != width)
                        {
                            throw new ArgumentException($"parameter 0x{p.Id:X2} needs {width} bytes, got {p.Bytes.Length}");
                        }

                        Bytes(p.Bytes);
                        break;
                }

                if (p.Id == Gbt32960ParameterId.PlatformDomainLength)
                {
                    domain = (int)p.Number;
                }
                else if (p.Id == Gbt32960ParameterId.PublicDomainLength)
                {
                    publicDomain = (int)p.Number;
                }
            }
        }

        private static readonly Dictionary<byte, int> EmptyLengths = [];

        private void Report(ReportBody report)
        {
            var start = _pos;
            Time(report.Time);
            foreach (var block in report.Blocks)
            {
                if (block.Version != _v)
                {
                    throw new ArgumentException($"a {block.Version} {block.Kind} block in a {_v} message");
                }

                U8(block.TypeId);
                Block(block);
            }

            if (report.Signature is { } sig)
            {
                if (Is2016)
                {
                    throw new ArgumentException("2016 reports have no signature");
                }

                report.SignedLength = _pos - start;
                U8(0xFF);
                Signature(sig);
            }
        }

        private void Signature(Gbt32960Signature sig)
        {
            U8(sig.Algorithm);
            U16(Checked16(sig.R.Length, "R"));
            Bytes(sig.R);
            U16(Checked16(sig.S.Length, "S"));
            Bytes(sig.S);
        }

        private void Block(Gbt32960Block block)
        {
            switch (block)
            {
                case VehicleBlock b:
                    U8(b.VehicleState);
                    U8(b.ChargingState);
                    U8(b.RunMode);
                    U16(b.Speed);
                    U32(b.Odometer);
                    U16(b.TotalVoltage);
                    U16(b.TotalCurrent);
                    U8(b.Soc);
                    U8(b.DcDcState);
                    U8(b.Gear);
                    U16(b.InsulationResistance);
                    if (Is2016)
                    {
                        U8(b.AcceleratorPedal);
                        U8(b.BrakePedal);
                    }

                    break;
                case DriveMotorsBlock b:
                    Count8(b.Motors.CountValidity, b.Motors.Count, "motors");
                    foreach (var m in b.Motors.Items)
                    {
                        U8(m.Number);
                        U8(m.State);
                        U8(m.ControllerTemperature);
                        U16(m.Speed);
                        if (Is2016)
                        {
                            U16(checked((ushort)m.Torque));
                        }
                        else
                        {
                            U32(m.Torque);
                        }

                        U8(m.Temperature);
                        if (Is2016)
                        {
                            U16(m.ControllerVoltage);
                            U16(m.ControllerCurrent);
                        }
                    }

                    break;
                case FuelCellBlock b:
                    if (Is2016)
                    {
                        U16(b.Voltage);
                        U16(b.Current);
                        U16(b.Consumption);
                        ByteList16(b.ProbeTemperatures, "probes");
                        U16(b.H2MaxTemperature);
                        U8(b.H2MaxTemperatureProbe);
                        U16(b.H2MaxConcentration);
                        U8(b.H2MaxConcentrationSensor);
                        U16(b.H2MaxPressure);
                        U8(b.H2MaxPressureSensor);
                        U8(b.HighVoltageDcDcState);
                    }
                    else
                    {
                        U16(b.H2MaxTemperature);
                        U8(b.H2MaxTemperatureProbe);
                        U16(b.H2MaxConcentration);
                        U8(b.H2MaxConcentrationSensor);
                        U16(b.H2MaxPressure);
                        U8(b.H2MaxPressureSensor);
                        U8(b.HighVoltageDcDcState);
                        U8(b.RemainingHydrogen);
                        U8(b.DcDcTemperature);
                    }

                    break;
                case EngineBlock b:
                    if (Is2016)
                    {
                        U8(b.State);
                        U16(b.CrankshaftSpeed);
                        U16(b.FuelConsumption);
                    }
                    else
                    {
                        U16(b.CrankshaftSpeed);
                    }

                    break;
                case PositionBlock b:
                    U8(b.Status);
                    if (!Is2016)
                    {
                        U8(b.CoordinateSystem);
                    }

                    U32(b.Longitude);
                    U32(b.Latitude);
                    break;
                case ExtremesBlock b:
                    U8(b.MaxVoltageSubsystem);
                    U8(b.MaxVoltageCell);
                    U16(b.MaxCellVoltage);
                    U8(b.MinVoltageSubsystem);
                    U8(b.MinVoltageCell);
                    U16(b.MinCellVoltage);
                    U8(b.MaxTemperatureSubsystem);
                    U8(b.MaxTemperatureProbe);
                    U8(b.MaxTemperature);
                    U8(b.MinTemperatureSubsystem);
                    U8(b.MinTemperatureProbe);
                    U8(b.MinTemperature);
                    break;
                case AlarmBlock b:
                    U8(b.Level);
                    U32(b.Flags);
                    Faults(b.BatteryFaults);
                    Faults(b.MotorFaults);
                    Faults(b.EngineFaults);
                    Faults(b.OtherFaults);
                    if (!Is2016)
                    {
                        Count8(b.GeneralAlarmLevels.CountValidity, b.GeneralAlarmLevels.Count, "alarm levels");
                        foreach (var l in b.GeneralAlarmLevels.Items)
                        {
                            U8(l.Bit);
                            U8(l.Level);
                        }
                    }

                    break;
                case CellVoltagesBlock b:
                    Count8(b.Packs.CountValidity, b.Packs.Count, "packs");
                    foreach (var p in b.Packs.Items)
                    {
                        U8(p.Number);
                        U16(p.Voltage);
                        U16(p.Current);
                        if (Is2016)
                        {
                            U16(p.TotalCells);
                            U16(p.FirstIndex);
                            Count8(p.Cells.CountValidity, p.Cells.Count, "cells");
                        }
                        else
                        {
                            Count16(p.Cells.CountValidity, p.Cells.Count, "cells");
                        }

                        Words(p.Cells.Items);
                    }

                    break;
                case TemperaturesBlock b:
                    Count8(b.Packs.CountValidity, b.Packs.Count, "packs");
                    foreach (var p in b.Packs.Items)
                    {
                        U8(p.Number);
                        ByteList16(p.Probes, "probes");
                    }

                    break;
                case FuelCellStacksBlock b:
                    Count8(b.Stacks.CountValidity, b.Stacks.Count, "stacks");
                    foreach (var s in b.Stacks.Items)
                    {
                        U8(s.Number);
                        U16(s.Voltage);
                        U16(s.Current);
                        U16(s.HydrogenInletPressure);
                        U16(s.AirInletPressure);
                        U8(s.AirInletTemperature);
                        ByteList16(s.CoolantOutletTemperatures, "coolant probes");
                    }

                    break;
                case SupercapacitorBlock b:
                    U8(b.SystemNumber);
                    U16(b.Voltage);
                    U16(b.Current);
                    Count16(b.Cells.CountValidity, b.Cells.Count, "cells");
                    Words(b.Cells.Items);
                    ByteList16(b.Probes, "probes");
                    break;
                case SupercapacitorExtremesBlock b:
                    U8(b.MaxVoltageSystem);
                    U16(b.MaxVoltageCell);
                    U16(b.MaxVoltage);
                    U8(b.MinVoltageSystem);
                    U16(b.MinVoltageCell);
                    U16(b.MinVoltage);
                    U8(b.MaxTemperatureSystem);
                    U16(b.MaxTemperatureProbe);
                    U8(b.MaxTemperature);
                    U8(b.MinTemperatureSystem);
                    U16(b.MinTemperatureProbe);
                    U8(b.MinTemperature);
                    break;
                case CustomBlock b:
                    U16(Checked16(b.Data.Length, "custom block"));
                    Bytes(b.Data);
                    break;
                default:
                    throw new ArgumentException($"unsupported block {block.GetType().Name}");
            }
        }

        private void Faults(Counted<uint> list)
        {
            Count8(list.CountValidity, list.Count, "fault codes");
            foreach (var code in list.Items)
            {
                U32(code);
            }
        }

        private void ByteList16(Counted<byte> list, string what)
        {
            Count16(list.CountValidity, list.Count, what);
            Bytes(list.Items);
        }

        private void Words(ushort[] words)
        {
            var span = Take(words.Length * 2);
            for (var i = 0; i < words.Length; i++)
            {
                BinaryPrimitives.WriteUInt16BigEndian(span[(2 * i)..], words[i]);
            }
        }

        private void Count8(Validity validity, int count, string what)
        {
            if (validity != Validity.Valid)
            {
                U8((byte)Sentinel.Value(validity, 1));
                return;
            }

            if (count > 0xFD)
            {
                throw new ArgumentException($"at most 253 {what} fit in a BYTE count, got {count}");
            }

            U8((byte)count);
        }

        private void Count16(Validity validity, int count, string what)
        {
            if (validity != Validity.Valid)
            {
                U16((ushort)Sentinel.Value(validity, 2));
                return;
            }

            U16(Checked16(count, what));
        }

        private static ushort Checked16(int count, string what) =>
            count <= 0xFFFD ? (ushort)count : throw new ArgumentException($"{what}: {count} does not fit in a WORD count");

        private void Text(string value, int size, byte pad, string name)
        {
            TextField.Encode(value, Take(size), pad, name);
        }

        private void Time(DateTimeOffset time)
        {
            Gbt32960Time.Write(time, Take(Gbt32960Time.Size));
        }

        private void U8(byte value)
        {
            if (_pos < _buffer.Length)
            {
                _buffer[_pos++] = value;
                return;
            }

            Take(1)[0] = value;
        }

        private void U16(ushort value)
        {
            BinaryPrimitives.WriteUInt16BigEndian(Take(2), value);
        }

        private void U32(uint value)
        {
            BinaryPrimitives.WriteUInt32BigEndian(Take(4), value);
        }

        private void Bytes(ReadOnlySpan<byte> value) => value.CopyTo(Take(value.Length));
    }
}
