using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text;

namespace NevHub.Protocols.Gbt32960;

/// <summary>
/// The 17-byte unique id of the header (the VIN, or a platform id), stored inline so framing never allocates.
/// Trailing 0x00 and spaces are padding (§10.9). Usable as a dictionary key without allocating.
/// </summary>
[InlineArray(Length)]
public struct Gbt32960Vin : IEquatable<Gbt32960Vin>
{
    /// <summary>Size of the id field.</summary>
    public const int Length = 17;

    private byte _element0;

    /// <summary>Copies a 17-byte id field.</summary>
    public static Gbt32960Vin FromBytes(ReadOnlySpan<byte> field)
    {
        var vin = default(Gbt32960Vin);
        field[..Math.Min(Length, field.Length)].CopyTo(vin);
        return vin;
    }

    /// <summary>An id from text: ASCII, padded with 0x00 to 17 bytes.</summary>
    public static Gbt32960Vin Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > Length)
        {
            throw new ArgumentException($"an id has at most {Length} characters", nameof(text));
        }

        var vin = default(Gbt32960Vin);
        Encoding.Latin1.GetBytes(text, vin);
        return vin;
    }

    /// <summary>The raw 17 bytes.</summary>
    [UnscopedRef]
    public readonly ReadOnlySpan<byte> AsSpan() => this;

    /// <summary>The id without its trailing 0x00/space padding (no allocation).</summary>
    [UnscopedRef]
    public readonly ReadOnlySpan<byte> Trimmed() => TextField.TrimPadding(this);

    /// <summary>The id as text, padding removed (allocates).</summary>
    public readonly override string ToString() => Encoding.Latin1.GetString(Trimmed());

    public readonly bool Equals(Gbt32960Vin other) => AsSpan().SequenceEqual(other);

    public readonly override bool Equals(object? obj) => obj is Gbt32960Vin other && Equals(other);

    public readonly override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.AddBytes(this);
        return hash.ToHashCode();
    }

    public static bool operator ==(Gbt32960Vin left, Gbt32960Vin right) => left.Equals(right);

    public static bool operator !=(Gbt32960Vin left, Gbt32960Vin right) => !left.Equals(right);
}

/// <summary>Fixed-size text fields (VIN, ICCID, username, ...): Latin-1 bytes, padded.</summary>
internal static class TextField
{
    public static ReadOnlySpan<byte> TrimPadding(ReadOnlySpan<byte> field)
    {
        var end = field.Length;
        while (end > 0 && (field[end - 1] == 0 || field[end - 1] == (byte)' '))
        {
            end--;
        }

        return field[..end];
    }

    /// <summary>Decodes a field, removing only trailing <paramref name="pad"/> bytes, so that re-encoding with the same pad is exact.</summary>
    public static string Decode(ReadOnlySpan<byte> field, byte pad)
    {
        var end = field.Length;
        while (end > 0 && field[end - 1] == pad)
        {
            end--;
        }

        return Encoding.Latin1.GetString(field[..end]);
    }

    /// <summary>For display: removes trailing 0x00 and spaces.</summary>
    public static string Display(string value) => value.TrimEnd('\0', ' ');

    public static void Encode(string? value, Span<byte> field, byte pad, string name)
    {
        value ??= string.Empty;
        if (value.Length > field.Length)
        {
            throw new ArgumentException($"{name} has at most {field.Length} characters, got {value.Length}");
        }

        foreach (var c in value)
        {
            if (c > 0xFF)
            {
                throw new ArgumentException($"{name} must be Latin-1/ASCII text");
            }
        }

        field.Fill(pad);
        Encoding.Latin1.GetBytes(value, field);
    }
}
