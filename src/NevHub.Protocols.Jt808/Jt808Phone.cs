using System.Buffers.Binary;

namespace NevHub.Protocols.Jt808;

/// <summary>
/// The terminal phone number (SIM number, sometimes an IMEI or a vendor id) from the header: BCD[6] in 2011/2013,
/// BCD[10] in 2019. Kept as opaque nibbles (a-f allowed, leading zeros kept) without allocating; compare by value.
/// </summary>
public readonly struct Jt808Phone : IEquatable<Jt808Phone>
{
    private readonly ulong _high; // first 8 BCD bytes, big-endian, zero-padded on the right
    private readonly ushort _low; // bytes 9-10 (2019 only)
    private readonly byte _length; // 6 or 10 bytes

    private Jt808Phone(ulong high, ushort low, byte length)
    {
        _high = high;
        _low = low;
        _length = length;
    }

    /// <summary>Number of BCD bytes: 6 (12 digits, 2013) or 10 (20 digits, 2019); 0 for <c>default</c>.</summary>
    public int ByteLength => _length;

    /// <summary>Number of digits (12 or 20).</summary>
    public int DigitCount => _length * 2;

    /// <summary>Reads 6 or 10 BCD bytes.</summary>
    public static Jt808Phone Read(ReadOnlySpan<byte> bcd)
    {
        if (bcd.Length is not (6 or 10))
        {
            throw new ArgumentException("A JT/T 808 phone is 6 or 10 BCD bytes.", nameof(bcd));
        }

        Span<byte> buffer = stackalloc byte[10];
        buffer.Clear();
        bcd.CopyTo(buffer);
        return new Jt808Phone(
            BinaryPrimitives.ReadUInt64BigEndian(buffer),
            BinaryPrimitives.ReadUInt16BigEndian(buffer[8..]),
            (byte)bcd.Length);
    }

    /// <summary>Parses exactly 12 or 20 hex digits (normally decimal), as printed by <see cref="ToString"/>.</summary>
    public static Jt808Phone Parse(string digits)
    {
        ArgumentNullException.ThrowIfNull(digits);
        if (digits.Length is not (12 or 20))
        {
            throw new FormatException("A JT/T 808 phone has 12 (2013) or 20 (2019) digits.");
        }

        Span<byte> bytes = stackalloc byte[10];
        var n = Convert.FromHexString(digits, bytes, out _, out var written);
        if (n != System.Buffers.OperationStatus.Done)
        {
            throw new FormatException("A JT/T 808 phone is made of hex digits.");
        }

        return Read(bytes[..written]);
    }

    /// <summary>Left-pads <paramref name="number"/> with zeros to the width the header layout needs (12 or 20 digits).</summary>
    public static Jt808Phone FromNumber(string number, Jt808Version version)
    {
        ArgumentNullException.ThrowIfNull(number);
        var width = version == Jt808Version.V2019 ? 20 : 12;
        if (number.Length > width)
        {
            throw new FormatException($"The phone '{number}' has more than {width} digits.");
        }

        return Parse(number.PadLeft(width, '0'));
    }

    /// <summary>Writes the BCD bytes (6 or 10).</summary>
    public void WriteTo(Span<byte> destination)
    {
        Span<byte> buffer = stackalloc byte[10];
        BinaryPrimitives.WriteUInt64BigEndian(buffer, _high);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[8..], _low);
        buffer[.._length].CopyTo(destination);
    }

    /// <summary>Returns the same number re-sized for another header layout (left-padded or with leading zeros dropped).</summary>
    public Jt808Phone ForVersion(Jt808Version version)
    {
        var width = version == Jt808Version.V2019 ? 20 : 12;
        if (DigitCount == width)
        {
            return this;
        }

        var digits = ToString();
        if (digits.Length < width)
        {
            return Parse(digits.PadLeft(width, '0'));
        }

        if (digits.AsSpan(0, digits.Length - width).ContainsAnyExcept('0'))
        {
            throw new FormatException($"The phone '{digits}' does not fit the {width} digits of this header layout.");
        }

        return Parse(digits[^width..]);
    }

    /// <summary>The digits with leading zeros kept; nibbles above 9 print as lower-case hex.</summary>
    public override string ToString()
    {
        if (_length == 0)
        {
            return string.Empty;
        }

        Span<byte> buffer = stackalloc byte[10];
        WriteTo(buffer);
        return Convert.ToHexStringLower(buffer[.._length]);
    }

    public bool Equals(Jt808Phone other) => _high == other._high && _low == other._low && _length == other._length;

    public override bool Equals(object? obj) => obj is Jt808Phone other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_high, _low, _length);

    public static bool operator ==(Jt808Phone left, Jt808Phone right) => left.Equals(right);

    public static bool operator !=(Jt808Phone left, Jt808Phone right) => !left.Equals(right);
}
