using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using NevHub.Domain;

namespace NevHub.Storage.Spool;

/// <summary>
/// A compact binary form of samples, raw frames and sessions, shared by the disk spool and the distributed bus's messages.
/// Little-endian; strings are a 16-bit byte length and UTF-8; times are UTC ticks plus the offset in minutes (so an offset such as
/// +08:00 survives); optional values carry a presence byte. The detail blob is <see cref="SampleDetailCodec"/>'s. Callers prefix
/// their own format version: this layout is version 1 and must never change (add a new version instead).
/// </summary>
public static class RecordCodec
{
    public static void WriteSample(IBufferWriter<byte> output, VehicleSample s)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(s);
        var w = new Writer(output);
        w.String(s.Vin);
        w.Time(s.SampleTime);
        w.Time(s.ReceivedAt);
        w.Int32((int)s.Protocol);
        w.Int32((int)s.Kind);
        w.OptionalInt32((int?)s.VehicleState);
        w.OptionalInt32((int?)s.Charging);
        w.OptionalInt32((int?)s.Mode);
        w.OptionalDouble(s.SpeedKmh);
        w.OptionalDouble(s.OdometerKm);
        w.OptionalDouble(s.PackVoltageV);
        w.OptionalDouble(s.PackCurrentA);
        w.OptionalDouble(s.SocPercent);
        w.OptionalInt32(s.DcDcWorking is { } dc ? (dc ? 1 : 0) : null);
        w.OptionalString(s.Gear);
        w.OptionalDouble(s.InsulationKohm);
        w.OptionalDouble(s.AcceleratorPercent);
        w.OptionalDouble(s.BrakePercent);
        w.OptionalDouble(s.Latitude);
        w.OptionalDouble(s.Longitude);
        w.Byte(s.PositionValid ? (byte)1 : (byte)0);
        w.Int32((int)s.Coordinates);
        w.OptionalDouble(s.HeadingDegrees);
        w.OptionalDouble(s.AltitudeM);
        w.OptionalInt32(s.AlarmLevel);
        w.Int64(s.AlarmFlags);
        w.Int32(s.FaultCodes.Count);
        foreach (var code in s.FaultCodes)
        {
            w.String(code);
        }

        w.OptionalDouble(s.MaxCellVoltageV);
        w.OptionalDouble(s.MinCellVoltageV);
        w.OptionalDouble(s.MaxTemperatureC);
        w.OptionalDouble(s.MinTemperatureC);
        w.Int64((long)s.InvalidFields);
        w.Int64((long)s.AbnormalFields);
        if (s.Detail is { } detail)
        {
            var blob = SampleDetailCodec.Encode(detail);
            w.Int32(blob.Length);
            w.Bytes(blob);
        }
        else
        {
            w.Int32(-1);
        }
    }

    public static VehicleSample ReadSample(ref SequenceReader<byte> input)
    {
        var r = new Reader(input);
        var sample = new VehicleSample
        {
            Vin = r.String(),
            SampleTime = r.Time(),
            ReceivedAt = r.Time(),
            Protocol = (TelemetryProtocol)r.Int32(),
            Kind = (ReportKind)r.Int32(),
            VehicleState = (VehicleRunState?)r.OptionalInt32(),
            Charging = (ChargingState?)r.OptionalInt32(),
            Mode = (RunMode?)r.OptionalInt32(),
            SpeedKmh = r.OptionalDouble(),
            OdometerKm = r.OptionalDouble(),
            PackVoltageV = r.OptionalDouble(),
            PackCurrentA = r.OptionalDouble(),
            SocPercent = r.OptionalDouble(),
            DcDcWorking = r.OptionalInt32() is { } dc ? dc != 0 : null,
            Gear = r.OptionalString(),
            InsulationKohm = r.OptionalDouble(),
            AcceleratorPercent = r.OptionalDouble(),
            BrakePercent = r.OptionalDouble(),
            Latitude = r.OptionalDouble(),
            Longitude = r.OptionalDouble(),
            PositionValid = r.Byte() != 0,
            Coordinates = (CoordinateSystem)r.Int32(),
            HeadingDegrees = r.OptionalDouble(),
            AltitudeM = r.OptionalDouble(),
            AlarmLevel = r.OptionalInt32(),
            AlarmFlags = unchecked((uint)r.Int64()),
            FaultCodes = r.Strings(),
            MaxCellVoltageV = r.OptionalDouble(),
            MinCellVoltageV = r.OptionalDouble(),
            MaxTemperatureC = r.OptionalDouble(),
            MinTemperatureC = r.OptionalDouble(),
            InvalidFields = (SampleField)r.Int64(),
            AbnormalFields = (SampleField)r.Int64(),
            Detail = r.Int32() is var length and >= 0 ? SampleDetailCodec.Decode(r.Bytes(length)) : null,
        };
        input = r.Inner;
        return sample;
    }

    public static void WriteRawFrame(IBufferWriter<byte> output, RawFrame frame)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(frame);
        var w = new Writer(output);
        w.String(frame.Vin);
        w.Time(frame.ReceivedAt);
        w.Int32((int)frame.Protocol);
        w.Int32(frame.Command);
        w.Byte(frame.SampleTime is null ? (byte)0 : (byte)1);
        if (frame.SampleTime is { } t)
        {
            w.Time(t);
        }

        w.Int32(frame.Bytes.Length);
        w.Bytes(frame.Bytes.Span);
    }

    public static RawFrame ReadRawFrame(ref SequenceReader<byte> input)
    {
        var r = new Reader(input);
        var frame = new RawFrame
        {
            Vin = r.String(),
            ReceivedAt = r.Time(),
            Protocol = (TelemetryProtocol)r.Int32(),
            Command = r.Int32(),
            SampleTime = r.Byte() != 0 ? r.Time() : null,
            Bytes = r.Bytes(r.Int32()),
        };
        input = r.Inner;
        return frame;
    }

    public static void WriteSession(IBufferWriter<byte> output, VehicleSession session)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(session);
        var w = new Writer(output);
        w.String(session.SessionId);
        w.String(session.Vin);
        w.Int32((int)session.Protocol);
        w.Time(session.LoginAt);
        w.String(session.RemoteEndpoint ?? "");
        w.Int32(session.LoginSerial);
        w.OptionalString(session.Iccid);
        w.Int32(session.PackCodes.Count);
        foreach (var pack in session.PackCodes)
        {
            w.String(pack);
        }

        w.Byte(session.LogoutAt is null ? (byte)0 : (byte)1);
        if (session.LogoutAt is { } logout)
        {
            w.Time(logout);
        }

        w.OptionalString(session.EndReason);
    }

    public static VehicleSession ReadSession(ref SequenceReader<byte> input)
    {
        var r = new Reader(input);
        var session = new VehicleSession
        {
            SessionId = r.String(),
            Vin = r.String(),
            Protocol = (TelemetryProtocol)r.Int32(),
            LoginAt = r.Time(),
            RemoteEndpoint = r.String(),
            LoginSerial = r.Int32(),
            Iccid = r.OptionalString(),
            PackCodes = r.Strings(),
            LogoutAt = r.Byte() != 0 ? r.Time() : null,
            EndReason = r.OptionalString(),
        };
        input = r.Inner;
        return session;
    }

    private readonly ref struct Writer(IBufferWriter<byte> output)
    {
        private readonly IBufferWriter<byte> _output = output;

        public void Byte(byte value)
        {
            _output.GetSpan(1)[0] = value;
            _output.Advance(1);
        }

        public void Int32(int value)
        {
            BinaryPrimitives.WriteInt32LittleEndian(_output.GetSpan(4), value);
            _output.Advance(4);
        }

        public void Int64(long value)
        {
            BinaryPrimitives.WriteInt64LittleEndian(_output.GetSpan(8), value);
            _output.Advance(8);
        }

        public void Time(DateTimeOffset time)
        {
            Int64(time.UtcTicks);
            BinaryPrimitives.WriteInt16LittleEndian(_output.GetSpan(2), (short)time.Offset.TotalMinutes);
            _output.Advance(2);
        }

        public void OptionalInt32(int? value)
        {
            Byte(value is null ? (byte)0 : (byte)1);
            if (value is { } v)
            {
                Int32(v);
            }
        }

        public void OptionalDouble(double? value)
        {
            Byte(value is null ? (byte)0 : (byte)1);
            if (value is { } v)
            {
                Int64(BitConverter.DoubleToInt64Bits(v));
            }
        }

        public void String(string value)
        {
            var length = Encoding.UTF8.GetByteCount(value);
            if (length > ushort.MaxValue)
            {
                throw new ArgumentException("A string longer than 65,535 UTF-8 bytes cannot be encoded.", nameof(value));
            }

            BinaryPrimitives.WriteUInt16LittleEndian(_output.GetSpan(2), (ushort)length);
            _output.Advance(2);
            Encoding.UTF8.GetBytes(value, _output.GetSpan(length));
            _output.Advance(length);
        }

        public void OptionalString(string? value)
        {
            Byte(value is null ? (byte)0 : (byte)1);
            if (value is not null)
            {
                String(value);
            }
        }

        public void Bytes(ReadOnlySpan<byte> value)
        {
            value.CopyTo(_output.GetSpan(value.Length));
            _output.Advance(value.Length);
        }
    }

    private ref struct Reader(SequenceReader<byte> inner)
    {
        public SequenceReader<byte> Inner = inner;

        public byte Byte() => Inner.TryRead(out var value) ? value : throw Truncated();

        public int Int32() => Inner.TryReadLittleEndian(out int value) ? value : throw Truncated();

        public long Int64() => Inner.TryReadLittleEndian(out long value) ? value : throw Truncated();

        public DateTimeOffset Time()
        {
            var ticks = Int64();
            if (!Inner.TryReadLittleEndian(out short minutes) || ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks
                || minutes is < -14 * 60 or > 14 * 60)
            {
                throw new InvalidDataException("A time in the record is out of range.");
            }

            var offset = TimeSpan.FromMinutes(minutes);
            var local = ticks + offset.Ticks;
            return local < DateTime.MinValue.Ticks || local > DateTime.MaxValue.Ticks
                ? new DateTimeOffset(ticks, TimeSpan.Zero)
                : new DateTimeOffset(local, offset);
        }

        public int? OptionalInt32() => Byte() != 0 ? Int32() : null;

        public double? OptionalDouble() => Byte() != 0 ? BitConverter.Int64BitsToDouble(Int64()) : null;

        public string String()
        {
            if (!Inner.TryReadLittleEndian(out short raw))
            {
                throw Truncated();
            }

            var length = (ushort)raw;
            if (Inner.Remaining < length)
            {
                throw Truncated();
            }

            var value = Encoding.UTF8.GetString(Inner.UnreadSequence.Slice(0, length));
            Inner.Advance(length);
            return value;
        }

        public string? OptionalString() => Byte() != 0 ? String() : null;

        public string[] Strings()
        {
            var count = Int32();
            if (count < 0 || count > Inner.Remaining / 2)
            {
                throw new InvalidDataException("A list count in the record is out of range.");
            }

            var values = new string[count];
            for (var i = 0; i < count; i++)
            {
                values[i] = String();
            }

            return values;
        }

        public byte[] Bytes(int length)
        {
            if (length < 0 || Inner.Remaining < length)
            {
                throw Truncated();
            }

            var value = Inner.UnreadSequence.Slice(0, length).ToArray();
            Inner.Advance(length);
            return value;
        }

        private static InvalidDataException Truncated() => new("The record is truncated or a length in it is out of range.");
    }
}
