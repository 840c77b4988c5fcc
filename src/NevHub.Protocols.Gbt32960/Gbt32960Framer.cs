using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace NevHub.Protocols.Gbt32960;

/// <summary>
/// Streaming framer: delimits frames in a byte stream and checks start symbol, length and BCC, without allocating.
/// Malformed input throws <see cref="Gbt32960FormatException"/>; the framer never re-synchronises silently.
/// </summary>
public sealed class Gbt32960Framer
{
    private readonly int _maxDataLength;

    public Gbt32960Framer()
        : this(Gbt32960Options.Default)
    {
    }

    public Gbt32960Framer(Gbt32960Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxDataLength is < 0 or > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxDataLength must be 0..65535");
        }

        _maxDataLength = options.MaxDataLength;
    }

    /// <summary>
    /// Reads one frame from the start of <paramref name="buffer"/> and advances it past the frame.
    /// Returns false (buffer unchanged) when more bytes are needed.
    /// </summary>
    /// <exception cref="Gbt32960FormatException">
    /// <see cref="Gbt32960ErrorReason.GarbageBeforeStart"/> (with <see cref="Gbt32960FormatException.GarbageLength"/>),
    /// <see cref="Gbt32960ErrorReason.DataLengthTooLarge"/> or <see cref="Gbt32960ErrorReason.BadBcc"/>.
    /// </exception>
    public bool TryRead(ref ReadOnlySequence<byte> buffer, out Gbt32960Frame frame)
    {
        frame = default;
        if (buffer.IsEmpty)
        {
            return false;
        }

        var first = buffer.FirstSpan;
        scoped ReadOnlySpan<byte> header;
        Span<byte> copy = stackalloc byte[Gbt32960Frame.HeaderSize];
        if (first.Length >= Gbt32960Frame.HeaderSize)
        {
            header = first[..Gbt32960Frame.HeaderSize];
        }
        else
        {
            // Rare path: the header spans segments; copy it to the stack.
            var available = (int)Math.Min(buffer.Length, Gbt32960Frame.HeaderSize);
            buffer.Slice(0, available).CopyTo(copy);
            header = copy[..available];
        }

        var b0 = header[0];
        if ((b0 != 0x23 && b0 != 0x24) || (header.Length >= 2 && header[1] != b0))
        {
            ThrowHelper.Garbage(CountGarbage(buffer));
        }

        if (header.Length < Gbt32960Frame.HeaderSize)
        {
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(header[22..]);
        if (length > _maxDataLength)
        {
            ThrowHelper.TooLarge(length, _maxDataLength);
        }

        var total = Gbt32960Frame.Overhead + length;
        if (buffer.Length < total)
        {
            return false;
        }

        byte computed;
        byte carried;
        if (first.Length >= total)
        {
            computed = Bcc.Compute(first[2..(total - 1)]);
            carried = first[total - 1];
        }
        else
        {
            // Rare path: the frame spans segments; XOR segment by segment.
            computed = 0;
            var body = buffer.Slice(2, total - 3);
            foreach (var segment in body)
            {
                computed ^= Bcc.Compute(segment.Span);
            }

            var last = buffer.Slice(total - 1, 1);
            carried = last.FirstSpan[0];
        }

        if (computed != carried)
        {
            ThrowHelper.BadBcc(carried, computed, total - 2);
        }

        frame = new Gbt32960Frame(header, buffer.Slice(0, total));
        buffer = buffer.Slice(total);
        return true;
    }

    /// <summary>
    /// Checks one whole frame (e.g. one line of hex): start symbol, 25 + L = size, BCC, and the configured maximum length.
    /// </summary>
    /// <exception cref="Gbt32960FormatException">BadStartSymbol, LengthMismatch, DataLengthTooLarge or BadBcc.</exception>
    public void Validate(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < 2 || (frame[0] != 0x23 && frame[0] != 0x24) || frame[1] != frame[0])
        {
            ThrowHelper.BadStart(frame.Length > 0 ? frame[0] : (byte)0, frame.Length > 1 ? frame[1] : (byte)0);
        }

        if (frame.Length < Gbt32960Frame.Overhead)
        {
            var declared = frame.Length >= Gbt32960Frame.HeaderSize ? BinaryPrimitives.ReadUInt16BigEndian(frame[22..]) : 0;
            ThrowHelper.LengthMismatch(declared, frame.Length);
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(frame[22..]);
        if (length > _maxDataLength)
        {
            ThrowHelper.TooLarge(length, _maxDataLength);
        }

        if (frame.Length != Gbt32960Frame.Overhead + length)
        {
            ThrowHelper.LengthMismatch(length, frame.Length);
        }

        var computed = Bcc.Compute(frame[2..^1]);
        if (computed != frame[^1])
        {
            ThrowHelper.BadBcc(frame[^1], computed, frame.Length - 2);
        }
    }

    /// <summary>Like <see cref="Validate"/>, but returns the reason instead of throwing.</summary>
    public bool TryValidate(ReadOnlySpan<byte> frame, out Gbt32960ErrorReason reason)
    {
        reason = default;
        if (frame.Length < 2 || (frame[0] != 0x23 && frame[0] != 0x24) || frame[1] != frame[0])
        {
            reason = Gbt32960ErrorReason.BadStartSymbol;
            return false;
        }

        if (frame.Length < Gbt32960Frame.Overhead)
        {
            reason = Gbt32960ErrorReason.LengthMismatch;
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(frame[22..]);
        if (length > _maxDataLength)
        {
            reason = Gbt32960ErrorReason.DataLengthTooLarge;
            return false;
        }

        if (frame.Length != Gbt32960Frame.Overhead + length)
        {
            reason = Gbt32960ErrorReason.LengthMismatch;
            return false;
        }

        if (Bcc.Compute(frame[2..^1]) != frame[^1])
        {
            reason = Gbt32960ErrorReason.BadBcc;
            return false;
        }

        return true;
    }

    /// <summary>Validates one whole frame (see <see cref="Validate"/>) and returns it as a <see cref="Gbt32960Frame"/> over <paramref name="frame"/>.</summary>
    public Gbt32960Frame ReadFrame(ReadOnlyMemory<byte> frame)
    {
        Validate(frame.Span);
        return new Gbt32960Frame(frame.Span[..Gbt32960Frame.HeaderSize], new ReadOnlySequence<byte>(frame));
    }

    /// <summary>Span form of <see cref="ReadFrame"/> for callers that own an array: validates and wraps.</summary>
    public bool TryReadFrame(ReadOnlyMemory<byte> frame, out Gbt32960Frame result, out Gbt32960ErrorReason reason)
    {
        if (!TryValidate(frame.Span, out reason))
        {
            result = default;
            return false;
        }

        result = new Gbt32960Frame(frame.Span[..Gbt32960Frame.HeaderSize], new ReadOnlySequence<byte>(frame));
        return true;
    }

    private static int CountGarbage(ReadOnlySequence<byte> buffer)
    {
        // Rare path: find the next "##" or "$$" (or a lone '#'/'$' at the very end, which may start one) after offset 0.
        var index = 0;
        byte previous = 0;
        var havePrevious = false;
        foreach (var segment in buffer)
        {
            foreach (var b in segment.Span)
            {
                if (havePrevious && index > 1 && b == previous && (b == 0x23 || b == 0x24))
                {
                    return index - 1;
                }

                previous = b;
                havePrevious = true;
                index++;
            }
        }

        return previous is 0x23 or 0x24 && index > 1 ? index - 1 : index;
    }
}

/// <summary>The XOR check (BCC) over command byte … last data byte.</summary>
public static class Bcc
{
    public static byte Compute(ReadOnlySpan<byte> data)
    {
        ulong acc = 0;
        var i = 0;
        if (data.Length >= 8)
        {
            var words = MemoryMarshal.Cast<byte, ulong>(data);
            foreach (var w in words)
            {
                acc ^= w;
            }

            i = words.Length * 8;
        }

        acc ^= acc >> 32;
        acc ^= acc >> 16;
        acc ^= acc >> 8;
        var result = (byte)acc;
        for (; i < data.Length; i++)
        {
            result ^= data[i];
        }

        return result;
    }
}
