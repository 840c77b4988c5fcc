namespace NevHub.Protocols.Jt808;

/// <summary>A BCD[6] time <c>YYMMDDhhmmss</c> exactly as received (kept raw so invalid values survive re-encoding).</summary>
public readonly record struct Jt808BcdTime
{
    private readonly ulong _bits; // 6 bytes, big-endian, in the low 48 bits

    private Jt808BcdTime(ulong bits) => _bits = bits;

    public static Jt808BcdTime Read(ReadOnlySpan<byte> bcd)
    {
        ulong bits = 0;
        for (var i = 0; i < 6; i++)
        {
            bits = (bits << 8) | bcd[i];
        }

        return new Jt808BcdTime(bits);
    }

    /// <summary>The BCD encoding of <paramref name="time"/> as a wall-clock time at <paramref name="deviceOffset"/> (seconds truncated).</summary>
    public static Jt808BcdTime From(DateTimeOffset time, TimeSpan deviceOffset)
    {
        var local = time.ToOffset(deviceOffset);
        if (local.Year is < 2000 or > 2099)
        {
            throw new ArgumentOutOfRangeException(nameof(time), "BCD[6] times cover the years 2000-2099.");
        }

        ulong bits = 0;
        foreach (var part in new[] { local.Year % 100, local.Month, local.Day, local.Hour, local.Minute, local.Second })
        {
            bits = (bits << 8) | (uint)((part / 10 << 4) | (part % 10));
        }

        return new Jt808BcdTime(bits);
    }

    public void WriteTo(Span<byte> destination)
    {
        for (var i = 0; i < 6; i++)
        {
            destination[i] = (byte)(_bits >> (8 * (5 - i)));
        }
    }

    /// <summary>
    /// The instant, reading the BCD as a wall-clock time at <paramref name="deviceOffset"/>. A nibble above 9, month 0, day 0,
    /// an all-zero time or an impossible date gives false (jt808.md §12 item 7).
    /// </summary>
    public bool TryGetTime(TimeSpan deviceOffset, out DateTimeOffset time)
    {
        time = default;
        if (_bits == 0)
        {
            return false;
        }

        Span<int> parts = stackalloc int[6];
        for (var i = 0; i < 6; i++)
        {
            var b = (int)(_bits >> (8 * (5 - i))) & 0xFF;
            int hi = b >> 4, lo = b & 0xF;
            if (hi > 9 || lo > 9)
            {
                return false;
            }

            parts[i] = hi * 10 + lo;
        }

        var year = 2000 + parts[0];
        if (parts[1] is < 1 or > 12 || parts[2] < 1 || parts[2] > DateTime.DaysInMonth(year, parts[1])
            || parts[3] > 23 || parts[4] > 59 || parts[5] > 59)
        {
            return false;
        }

        time = new DateTimeOffset(year, parts[1], parts[2], parts[3], parts[4], parts[5], deviceOffset);
        return true;
    }

    public DateTimeOffset? GetTime(TimeSpan deviceOffset) => TryGetTime(deviceOffset, out var t) ? t : null;

    /// <summary>The 12 BCD digits as hex.</summary>
    public override string ToString() => _bits.ToString("x12", System.Globalization.CultureInfo.InvariantCulture);
}
