using System.Buffers.Binary;
using System.Text;

namespace NevHub.Storage;

/// <summary>
/// Opaque keyset cursors shared by the store implementations: URL-safe base64 of a tag byte (which query the cursor
/// belongs to) followed by the last key of the previous page. Decoding anything else throws <see cref="InvalidCursorException"/>.
/// </summary>
public static class PageCursor
{
    /// <summary>Longest cursor accepted, in characters (a VIN cursor is about 25).</summary>
    public const int MaxLength = 512;

    /// <summary>Encodes a (time, hash) key, e.g. a sample's (sample time, content hash).</summary>
    public static string Encode(byte tag, long first, long second)
    {
        Span<byte> bytes = stackalloc byte[17];
        bytes[0] = tag;
        BinaryPrimitives.WriteInt64BigEndian(bytes[1..], first);
        BinaryPrimitives.WriteInt64BigEndian(bytes[9..], second);
        return ToBase64Url(bytes);
    }

    /// <summary>Encodes a text key, e.g. a VIN.</summary>
    public static string Encode(byte tag, string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var bytes = new byte[1 + Encoding.UTF8.GetByteCount(key)];
        bytes[0] = tag;
        Encoding.UTF8.GetBytes(key, bytes.AsSpan(1));
        return ToBase64Url(bytes);
    }

    public static (long First, long Second) DecodeInt64Pair(byte tag, string cursor)
    {
        var bytes = Decode(tag, cursor);
        if (bytes.Length != 17)
        {
            throw new InvalidCursorException("The paging cursor has the wrong length.");
        }

        return (BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(1)), BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(9)));
    }

    public static string DecodeString(byte tag, string cursor)
    {
        var bytes = Decode(tag, cursor);
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes, 1, bytes.Length - 1);
        }
        catch (DecoderFallbackException ex)
        {
            throw new InvalidCursorException("The paging cursor is not valid.", ex);
        }
    }

    private static byte[] Decode(byte tag, string cursor)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        if (cursor.Length is 0 or > MaxLength)
        {
            throw new InvalidCursorException("The paging cursor is empty or too long.");
        }

        var base64 = new StringBuilder(cursor.Length + 3);
        foreach (var c in cursor)
        {
            base64.Append(c switch
            {
                '-' => '+',
                '_' => '/',
                _ => c,
            });
        }

        while (base64.Length % 4 != 0)
        {
            base64.Append('=');
        }

        var buffer = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64.ToString(), buffer, out var written) || written < 1 || buffer[0] != tag)
        {
            throw new InvalidCursorException("The paging cursor is not valid for this query.");
        }

        return buffer.AsSpan(0, written).ToArray();
    }

    private static string ToBase64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
