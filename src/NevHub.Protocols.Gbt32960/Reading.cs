namespace NevHub.Protocols.Gbt32960;

/// <summary>
/// A raw field with its engineering meaning: value = raw × scale + offset, unless the raw value is a sentinel
/// (all 0xFF for the field width = <see cref="Validity.Invalid"/>, one less = <see cref="Validity.Abnormal"/>).
/// Out-of-range raw values are kept and converted as they are.
/// </summary>
public readonly struct Reading : IEquatable<Reading>
{
    public Reading(uint raw, int width, double scale, double offset)
    {
        Raw = raw;
        Width = (byte)width;
        Scale = scale;
        Offset = offset;
    }

    /// <summary>The raw field value.</summary>
    public uint Raw { get; }

    /// <summary>Field width in bytes (1, 2 or 4).</summary>
    public byte Width { get; }

    public double Scale { get; }

    public double Offset { get; }

    public Validity Validity => Sentinel.Of(Raw, Width);

    public bool IsValid => Validity == Validity.Valid;

    /// <summary>
    /// The engineering value, or null for a sentinel. Rounded to the resolution's decimals, so 3316 × 0.001 is 3.316 and
    /// not 3.3160000000000003.
    /// </summary>
    public double? Value => Validity == Validity.Valid ? Math.Round((Raw * Scale) + Offset, Decimals(Scale)) : null;

    private static int Decimals(double scale) => Math.Abs(scale) switch
    {
        >= 1 => 0,
        >= 0.1 => 1,
        >= 0.01 => 2,
        >= 0.001 => 3,
        >= 0.0001 => 4,
        >= 0.00001 => 5,
        _ => 6,
    };

    /// <summary>A BYTE reading.</summary>
    public static Reading Byte(byte raw, double scale = 1, double offset = 0) => new(raw, 1, scale, offset);

    /// <summary>A WORD reading.</summary>
    public static Reading Word(ushort raw, double scale = 1, double offset = 0) => new(raw, 2, scale, offset);

    /// <summary>A DWORD reading.</summary>
    public static Reading Dword(uint raw, double scale = 1, double offset = 0) => new(raw, 4, scale, offset);

    /// <summary>
    /// The raw value for an engineering value (for building messages): round((value − offset) / scale), clamped to the
    /// field width minus the two sentinels.
    /// </summary>
    public static uint ToRaw(double value, double scale, double offset, int width)
    {
        var max = (width switch { 1 => 0xFFu, 2 => 0xFFFFu, _ => 0xFFFF_FFFFu }) - 2;
        var raw = Math.Round((value - offset) / scale, MidpointRounding.AwayFromZero);
        return raw <= 0 ? 0 : raw >= max ? max : (uint)raw;
    }

    public bool Equals(Reading other) => Raw == other.Raw && Width == other.Width && Scale.Equals(other.Scale) && Offset.Equals(other.Offset);

    public override bool Equals(object? obj) => obj is Reading r && Equals(r);

    public override int GetHashCode() => HashCode.Combine(Raw, Width, Scale, Offset);

    public override string ToString() => Validity switch
    {
        Validity.Invalid => "invalid",
        Validity.Abnormal => "abnormal",
        _ => Value!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public static bool operator ==(Reading left, Reading right) => left.Equals(right);

    public static bool operator !=(Reading left, Reading right) => !left.Equals(right);
}

/// <summary>The FE/FF sentinel rule, checked on the full field width.</summary>
public static class Sentinel
{
    public static Validity Of(uint raw, int width)
    {
        var max = width switch { 1 => 0xFFu, 2 => 0xFFFFu, _ => 0xFFFF_FFFFu };
        return raw == max ? Validity.Invalid : raw == max - 1 ? Validity.Abnormal : Validity.Valid;
    }

    /// <summary>True when a list count of the given width is a sentinel, so no entries follow (§10.4).</summary>
    public static bool IsSentinel(uint raw, int width) => Of(raw, width) != Validity.Valid;

    /// <summary>The raw sentinel value of a width.</summary>
    public static uint Value(Validity validity, int width)
    {
        var max = width switch { 1 => 0xFFu, 2 => 0xFFFFu, _ => 0xFFFF_FFFFu };
        return validity switch { Validity.Invalid => max, Validity.Abnormal => max - 1, _ => 0 };
    }
}
