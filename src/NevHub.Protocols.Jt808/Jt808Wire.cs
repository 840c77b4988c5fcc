using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace NevHub.Protocols.Jt808;

/// <summary>
/// Wire-level helpers: <c>7E | header | body | checksum | 7E</c>, with 0x7E → 7D 02 and 0x7D → 7D 01 between the flags.
/// The checksum is the XOR of the unescaped header and body.
/// </summary>
public static class Jt808Wire
{
    public const byte Flag = 0x7E;
    public const byte Escape = 0x7D;

    /// <summary>XOR of every byte.</summary>
    public static byte Checksum(ReadOnlySpan<byte> data)
    {
        ulong wide = 0;
        var i = 0;
        if (data.Length >= 8)
        {
            var words = MemoryMarshal.Cast<byte, ulong>(data);
            if (Vector.IsHardwareAccelerated && words.Length >= Vector<ulong>.Count * 2)
            {
                var acc = Vector<ulong>.Zero;
                var vectors = MemoryMarshal.Cast<ulong, Vector<ulong>>(words);
                foreach (var v in vectors)
                {
                    acc ^= v;
                }

                for (var k = 0; k < Vector<ulong>.Count; k++)
                {
                    wide ^= acc[k];
                }

                i = vectors.Length * Vector<ulong>.Count;
            }

            for (; i < words.Length; i++)
            {
                wide ^= words[i];
            }

            i = words.Length * 8;
        }

        wide ^= wide >> 32;
        wide ^= wide >> 16;
        wide ^= wide >> 8;
        var result = (byte)wide;
        for (; i < data.Length; i++)
        {
            result ^= data[i];
        }

        return result;
    }

    /// <summary>Number of bytes <paramref name="content"/> takes once escaped.</summary>
    public static int EscapedLength(ReadOnlySpan<byte> content)
    {
        return content.Length + content.Count(Flag) + content.Count(Escape);
    }

    /// <summary>Writes 7E + escaped content + 7E; returns the bytes written.</summary>
    public static int WriteEscapedFrame(ReadOnlySpan<byte> content, Span<byte> destination)
    {
        var o = 0;
        destination[o++] = Flag;
        while (!content.IsEmpty)
        {
            var next = content.IndexOfAny(Flag, Escape);
            if (next < 0)
            {
                content.CopyTo(destination[o..]);
                o += content.Length;
                break;
            }

            content[..next].CopyTo(destination[o..]);
            o += next;
            destination[o++] = Escape;
            destination[o++] = content[next] == Flag ? (byte)0x02 : (byte)0x01;
            content = content[(next + 1)..];
        }

        destination[o++] = Flag;
        return o;
    }

    /// <summary>Escapes unescaped content (header + body + checksum) into a new wire frame with both flags.</summary>
    public static byte[] EscapeFrame(ReadOnlySpan<byte> content)
    {
        var result = new byte[EscapedLength(content) + 2];
        WriteEscapedFrame(content, result);
        return result;
    }

    /// <summary>Writes an escaped frame for the unescaped content into <paramref name="output"/>.</summary>
    public static int WriteEscapedFrame(ReadOnlySpan<byte> content, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var size = EscapedLength(content) + 2;
        var span = output.GetSpan(size);
        WriteEscapedFrame(content, span);
        output.Advance(size);
        return size;
    }

    /// <summary>
    /// Unescapes the bytes between the flags into <paramref name="destination"/>. Returns the unescaped length.
    /// <paramref name="flagOffset"/> is the wire offset of <paramref name="escaped"/>[0], for error offsets.
    /// </summary>
    internal static int Unescape(ReadOnlySpan<byte> escaped, Span<byte> destination, int flagOffset)
    {
        var o = 0;
        var i = 0;
        while (i < escaped.Length)
        {
            var rest = escaped[i..];
            var next = rest.IndexOf(Escape);
            if (next < 0)
            {
                if (rest.Length > destination.Length - o)
                {
                    Jt808Throw.Format(Jt808FormatError.FrameTooLarge, "The unescaped frame exceeds the size cap.");
                }

                rest.CopyTo(destination[o..]);
                return o + rest.Length;
            }

            if (next + 1 > destination.Length - o)
            {
                Jt808Throw.Format(Jt808FormatError.FrameTooLarge, "The unescaped frame exceeds the size cap.");
            }

            rest[..next].CopyTo(destination[o..]);
            o += next;
            i += next;
            var code = i + 1 < escaped.Length ? escaped[i + 1] : (byte)Flag;
            if (code is not (0x01 or 0x02))
            {
                Jt808Throw.Format(
                    Jt808FormatError.BadEscape,
                    $"0x7D followed by 0x{code:X2} at offset {flagOffset + i}; only 0x01 and 0x02 may follow 0x7D.",
                    flagOffset + i);
            }

            destination[o++] = code == 0x02 ? Flag : Escape;
            i += 2;
        }

        return o;
    }

    internal static ushort ReadUInt16(ReadOnlySpan<byte> span) => BinaryPrimitives.ReadUInt16BigEndian(span);
}
