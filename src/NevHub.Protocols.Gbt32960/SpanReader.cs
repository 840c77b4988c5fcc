using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace NevHub.Protocols.Gbt32960;

/// <summary>Bounds-checked big-endian reader over a data unit; every read is checked against what remains.</summary>
internal ref struct SpanReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public SpanReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
        Overrun = Gbt32960ErrorReason.Truncated;
    }

    /// <summary>The reason reported when a read runs past the end.</summary>
    public Gbt32960ErrorReason Overrun { get; set; }

    public readonly int Position => _position;

    public readonly int Remaining => _data.Length - _position;

    public readonly ReadOnlySpan<byte> Data => _data;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Need(int count)
    {
        if ((uint)count > (uint)(_data.Length - _position))
        {
            ThrowOverrun(count);
        }
    }

    public byte U8()
    {
        Need(1);
        return _data[_position++];
    }

    public ushort U16()
    {
        Need(2);
        var value = BinaryPrimitives.ReadUInt16BigEndian(_data[_position..]);
        _position += 2;
        return value;
    }

    public uint U32()
    {
        Need(4);
        var value = BinaryPrimitives.ReadUInt32BigEndian(_data[_position..]);
        _position += 4;
        return value;
    }

    public ReadOnlySpan<byte> Bytes(int count)
    {
        Need(count);
        var slice = _data.Slice(_position, count);
        _position += count;
        return slice;
    }

    public byte[] Array(int count) => Bytes(count).ToArray();

    public string Text(int size, byte pad) => TextField.Decode(Bytes(size), pad);

    public DateTimeOffset Time()
    {
        var at = _position;
        return Gbt32960Time.Read(Bytes(Gbt32960Time.Size), at);
    }

    /// <summary>Throws <see cref="Gbt32960ErrorReason.TrailingData"/> when bytes remain.</summary>
    public readonly void End(string what)
    {
        if (_position != _data.Length)
        {
            ThrowHelper.Throw(
                Gbt32960ErrorReason.TrailingData,
                $"{_data.Length - _position} byte(s) follow the end of the {what} at data offset {_position}",
                _position);
        }
    }

    private readonly void ThrowOverrun(int count) =>
        ThrowHelper.Throw(
            Overrun,
            $"{count} byte(s) needed at data offset {_position}, only {_data.Length - _position} remain",
            _position);
}

/// <summary>The 6-byte BCD-free time YY MM DD hh mm ss (year 2000 + YY), Beijing time (UTC+8, no DST).</summary>
public static class Gbt32960Time
{
    public const int Size = 6;

    /// <summary>Beijing time offset.</summary>
    public static readonly TimeSpan Offset = TimeSpan.FromHours(8);

    /// <summary>Reads a time; out-of-range fields throw <see cref="Gbt32960ErrorReason.InvalidTime"/>.</summary>
    public static DateTimeOffset Read(ReadOnlySpan<byte> field, int offset = 0)
    {
        if (!TryRead(field, out var time))
        {
            ThrowHelper.Throw(
                Gbt32960ErrorReason.InvalidTime,
                $"invalid time {Convert.ToHexString(field[..Size])} at data offset {offset}",
                offset);
        }

        return time;
    }

    public static bool TryRead(ReadOnlySpan<byte> field, out DateTimeOffset time)
    {
        time = default;
        if (field.Length < Size)
        {
            return false;
        }

        int yy = field[0], mm = field[1], dd = field[2], h = field[3], mi = field[4], s = field[5];
        if (yy > 99 || mm is < 1 or > 12 || dd < 1 || h > 23 || mi > 59 || s > 59 || dd > DateTime.DaysInMonth(2000 + yy, mm))
        {
            return false;
        }

        time = new DateTimeOffset(2000 + yy, mm, dd, h, mi, s, Offset);
        return true;
    }

    /// <summary>Writes a time, converted to Beijing time; the year must be 2000–2099.</summary>
    public static void Write(DateTimeOffset time, Span<byte> destination)
    {
        var local = time.ToOffset(Offset);
        if (local.Year is < 2000 or > 2099)
        {
            throw new ArgumentOutOfRangeException(nameof(time), "GB/T 32960 times cover 2000-2099 (Beijing time)");
        }

        destination[0] = (byte)(local.Year - 2000);
        destination[1] = (byte)local.Month;
        destination[2] = (byte)local.Day;
        destination[3] = (byte)local.Hour;
        destination[4] = (byte)local.Minute;
        destination[5] = (byte)local.Second;
    }
}
