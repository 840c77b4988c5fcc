using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using NevHub.Domain;

namespace NevHub.Storage;

/// <summary>
/// Compact, lossless binary form of a <see cref="SampleDetail"/> (cell voltages, probe temperatures, motors), stored as one
/// BLOB per sample. Faster to write and read than JSON and about 4x smaller for typical packs.
/// </summary>
/// <remarks>
/// Format (version 1, little-endian): <c>0x01</c>, then three sections, each a varint count followed by its items.
/// Integers are zig-zag varints. An optional double is a flag byte (0 = null, 1 = value) and 8 bytes.
/// A list of <c>double?</c> is a varint count, an encoding byte and the values: encoding 0 stores IEEE doubles with
/// null as a reserved NaN payload; encodings 1..7 store int16 values with null as <see cref="short.MinValue"/>, read back as
/// raw / 1, raw / 10, raw / 100, raw / 1000, raw * 0.1, raw * 0.01, raw * 0.001 (both forms, because decoders compute
/// either and they differ in the last bit). An int16 encoding is chosen only when every value converts back to exactly the
/// same double, so the format is lossless; cell voltages decoded from mV and probe temperatures in °C always fit, so 100 cells
/// take 202 bytes instead of 800.
/// </remarks>
public static class SampleDetailCodec
{
    private const byte Version = 1;
    private const ulong NullDoubleBits = 0x7FF8_DEAD_0000_0002UL;
    private const int Int16Encodings = 7;

    // Tried in this order; the first that reproduces every value wins.
    private static readonly int[] EncodingOrder = [1, 4, 7, 2, 5, 3, 6];

    public static byte[] Encode(SampleDetail detail)
    {
        ArgumentNullException.ThrowIfNull(detail);
        var writer = new ArrayBufferWriter<byte>(256);
        Encode(detail, writer);
        return writer.WrittenSpan.ToArray();
    }

    public static void Encode(SampleDetail detail, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(detail);
        ArgumentNullException.ThrowIfNull(output);
        var w = new Writer(output);
        w.Byte(Version);
        w.VarInt(detail.CellVoltages.Count);
        foreach (var pack in detail.CellVoltages)
        {
            w.VarInt(pack.Pack);
            w.OptionalDouble(pack.VoltageV);
            w.OptionalDouble(pack.CurrentA);
            w.VarInt(pack.TotalCells);
            w.VarInt(pack.FirstCellIndex);
            w.List(pack.CellsV);
        }

        w.VarInt(detail.Temperatures.Count);
        foreach (var pack in detail.Temperatures)
        {
            w.VarInt(pack.Pack);
            w.List(pack.ProbesC);
        }

        w.VarInt(detail.Motors.Count);
        foreach (var motor in detail.Motors)
        {
            w.VarInt(motor.Number);
            w.VarInt(motor.State is { } state ? (int)state : 0);
            w.OptionalDouble(motor.ControllerTemperatureC);
            w.OptionalDouble(motor.SpeedRpm);
            w.OptionalDouble(motor.TorqueNm);
            w.OptionalDouble(motor.TemperatureC);
            w.OptionalDouble(motor.ControllerVoltageV);
            w.OptionalDouble(motor.ControllerCurrentA);
        }
    }

    /// <summary>Decodes a blob written by <see cref="Encode(SampleDetail)"/>; throws <see cref="InvalidDataException"/> on anything else.</summary>
    public static SampleDetail Decode(ReadOnlySpan<byte> data)
    {
        var r = new Reader(data);
        if (r.Byte() != Version)
        {
            throw new InvalidDataException("Unknown sample detail format version.");
        }

        var cells = new PackCellVoltages[r.Count()];
        for (var i = 0; i < cells.Length; i++)
        {
            var pack = r.VarInt();
            var voltage = r.OptionalDouble();
            var current = r.OptionalDouble();
            var total = r.VarInt();
            var first = r.VarInt();
            cells[i] = new PackCellVoltages(pack, voltage, current, total, first, r.List());
        }

        var temperatures = new PackTemperatures[r.Count()];
        for (var i = 0; i < temperatures.Length; i++)
        {
            var pack = r.VarInt();
            temperatures[i] = new PackTemperatures(pack, r.List());
        }

        var motors = new MotorReading[r.Count()];
        for (var i = 0; i < motors.Length; i++)
        {
            var number = r.VarInt();
            var state = r.VarInt();
            motors[i] = new MotorReading(
                number,
                state == 0 ? null : (MotorState)state,
                r.OptionalDouble(),
                r.OptionalDouble(),
                r.OptionalDouble(),
                r.OptionalDouble(),
                r.OptionalDouble(),
                r.OptionalDouble());
        }

        if (!r.AtEnd)
        {
            throw new InvalidDataException("Trailing bytes after the sample detail.");
        }

        return new SampleDetail { CellVoltages = cells, Temperatures = temperatures, Motors = motors };
    }

    /// <summary>The list as a span without copying when it is an array or a list (what decoders produce).</summary>
    internal static ReadOnlySpan<double?> AsSpan(IReadOnlyList<double?> values) => values switch
    {
        double?[] array => array,
        List<double?> list => CollectionsMarshal.AsSpan(list),
        _ => values.ToArray(),
    };

    private static int ChooseEncoding(ReadOnlySpan<double?> values)
    {
        foreach (var encoding in EncodingOrder)
        {
            var fits = true;
            for (var i = 0; i < values.Length && fits; i++)
            {
                if (values[i] is { } v)
                {
                    fits = ToInt16(v, encoding, out _);
                }
            }

            if (fits)
            {
                return encoding;
            }
        }

        return 0;
    }

    /// <summary>The int16 that <see cref="FromInt16"/> turns back into exactly <paramref name="value"/> (same bits), if any.</summary>
    private static bool ToInt16(double value, int encoding, out short raw)
    {
        var scaled = Math.Round(value * Divisor(encoding));
        raw = 0;
        if (!(scaled > short.MinValue && scaled <= short.MaxValue))
        {
            return false; // also NaN
        }

        raw = (short)scaled;

        // Compare bit patterns, so -0 falls back to doubles.
        return BitConverter.DoubleToInt64Bits(FromInt16(raw, encoding)) == BitConverter.DoubleToInt64Bits(value);
    }

    private static double FromInt16(short raw, int encoding) => encoding switch
    {
        1 => raw,
        2 => raw / 10.0,
        3 => raw / 100.0,
        4 => raw / 1000.0,
        5 => raw * 0.1,
        6 => raw * 0.01,
        _ => raw * 0.001,
    };

    private static double Divisor(int encoding) => encoding switch
    {
        1 => 1,
        2 or 5 => 10,
        3 or 6 => 100,
        _ => 1000,
    };

    private ref struct Writer
    {
        private readonly IBufferWriter<byte> _output;

        public Writer(IBufferWriter<byte> output) => _output = output;

        public readonly void Byte(byte value)
        {
            _output.GetSpan(1)[0] = value;
            _output.Advance(1);
        }

        public readonly void VarInt(int value)
        {
            var zigzag = (uint)((value << 1) ^ (value >> 31));
            var span = _output.GetSpan(5);
            var n = 0;
            while (zigzag >= 0x80)
            {
                span[n++] = (byte)(zigzag | 0x80);
                zigzag >>= 7;
            }

            span[n++] = (byte)zigzag;
            _output.Advance(n);
        }

        public readonly void Double(double value)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(_output.GetSpan(8), value);
            _output.Advance(8);
        }

        public readonly void OptionalDouble(double? value)
        {
            Byte(value.HasValue ? (byte)1 : (byte)0);
            if (value is { } v)
            {
                Double(v);
            }
        }

        public readonly void List(IReadOnlyList<double?> list)
        {
            var values = AsSpan(list);
            VarInt(values.Length);
            var encoding = ChooseEncoding(values);
            Byte((byte)encoding);
            if (encoding == 0)
            {
                var doubles = _output.GetSpan(values.Length * 8);
                for (var i = 0; i < values.Length; i++)
                {
                    BinaryPrimitives.WriteUInt64LittleEndian(
                        doubles[(i * 8)..],
                        values[i] is { } v ? BitConverter.DoubleToUInt64Bits(v) : NullDoubleBits);
                }

                _output.Advance(values.Length * 8);
                return;
            }

            var span = _output.GetSpan(values.Length * 2);
            for (var i = 0; i < values.Length; i++)
            {
                var raw = short.MinValue;
                if (values[i] is { } v)
                {
                    ToInt16(v, encoding, out raw);
                }

                BinaryPrimitives.WriteInt16LittleEndian(span[(i * 2)..], raw);
            }

            _output.Advance(values.Length * 2);
        }
    }

    private ref struct Reader
    {
        private readonly ReadOnlySpan<byte> _data;
        private int _position;

        public Reader(ReadOnlySpan<byte> data)
        {
            _data = data;
            _position = 0;
        }

        public readonly bool AtEnd => _position == _data.Length;

        public byte Byte()
        {
            if (_position >= _data.Length)
            {
                ThrowTruncated();
            }

            return _data[_position++];
        }

        public int VarInt()
        {
            uint result = 0;
            for (var shift = 0; shift < 35; shift += 7)
            {
                var b = Byte();
                result |= (uint)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return (int)(result >> 1) ^ -(int)(result & 1);
                }
            }

            throw new InvalidDataException("Malformed varint in the sample detail.");
        }

        /// <summary>A count, checked against the bytes that remain (each item takes at least one byte).</summary>
        public int Count()
        {
            var count = VarInt();
            if (count < 0 || count > _data.Length - _position)
            {
                throw new InvalidDataException("Bad count in the sample detail.");
            }

            return count;
        }

        public double Double()
        {
            if (_data.Length - _position < 8)
            {
                ThrowTruncated();
            }

            var value = BinaryPrimitives.ReadDoubleLittleEndian(_data[_position..]);
            _position += 8;
            return value;
        }

        public double? OptionalDouble() => Byte() switch
        {
            0 => null,
            1 => Double(),
            _ => throw new InvalidDataException("Bad optional flag in the sample detail."),
        };

        public double?[] List()
        {
            var count = Count();
            var encoding = Byte();
            if (encoding > Int16Encodings)
            {
                throw new InvalidDataException("Unknown list encoding in the sample detail.");
            }

            var size = encoding == 0 ? 8 : 2;
            if ((long)count * size > _data.Length - _position)
            {
                ThrowTruncated();
            }

            var values = new double?[count];
            var span = _data.Slice(_position, count * size);
            _position += count * size;
            if (encoding == 0)
            {
                for (var i = 0; i < count; i++)
                {
                    var bits = BinaryPrimitives.ReadUInt64LittleEndian(span[(i * 8)..]);
                    values[i] = bits == NullDoubleBits ? null : BitConverter.UInt64BitsToDouble(bits);
                }

                return values;
            }

            for (var i = 0; i < count; i++)
            {
                var raw = BinaryPrimitives.ReadInt16LittleEndian(span[(i * 2)..]);
                values[i] = raw == short.MinValue ? null : FromInt16(raw, encoding);
            }

            return values;
        }

        private static void ThrowTruncated() => throw new InvalidDataException("The sample detail is truncated.");
    }
}
