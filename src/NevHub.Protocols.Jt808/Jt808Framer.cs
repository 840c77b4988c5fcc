using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace NevHub.Protocols.Jt808;

/// <summary>
/// Streaming JT/T 808 framer, one per connection. <see cref="TryRead"/> finds one <c>7E … 7E</c> frame, unescapes it into a
/// buffer owned by the framer, checks the header length and the checksum, and advances the input past it. It allocates nothing
/// per frame. A returned <see cref="Jt808Frame"/> is valid until the next call.
/// </summary>
/// <remarks>Not thread-safe; each connection owns its framer.</remarks>
public sealed class Jt808Framer
{
    private readonly Jt808CodecOptions _options;
    private readonly byte[] _unescaped;
    private readonly int _maxEscapedContent;
    private byte[]? _scratch; // only for frames that span segments

    public Jt808Framer(Jt808CodecOptions? options = null)
    {
        _options = options ?? Jt808CodecOptions.Default;
        if (_options.MaxFrameLength < 13)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxFrameLength must hold at least a 12-byte header and a checksum.");
        }

        _unescaped = new byte[_options.MaxFrameLength];
        _maxEscapedContent = _options.MaxFrameLength * 2;
    }

    public Jt808CodecOptions Options => _options;

    /// <summary>
    /// Reads one frame. Returns false when more bytes are needed (nothing is consumed; the caller should mark the whole
    /// buffer examined). Throws <see cref="Jt808FormatException"/> for a framing violation; the connection should then close.
    /// </summary>
    public bool TryRead(ref ReadOnlySequence<byte> buffer, out Jt808Frame frame)
    {
        if (buffer.IsSingleSegment)
        {
            var span = buffer.FirstSpan;
            if (span.IsEmpty)
            {
                frame = default;
                return false;
            }

            if (span[0] != Jt808Wire.Flag)
            {
                ThrowBytesBeforeStart(span);
            }

            var window = span.Slice(1, Math.Min(span.Length - 1, _maxEscapedContent + 1));
            var end = window.IndexOf(Jt808Wire.Flag);
            if (end < 0)
            {
                if (span.Length - 1 > _maxEscapedContent)
                {
                    ThrowTooLarge();
                }

                frame = default;
                return false;
            }

            var following = span.Length > end + 2 ? span[end + 2] : -1;
            frame = Process(span.Slice(1, end), following);
            buffer = buffer.Slice(end + 2);
            return true;
        }

        return TryReadMultiSegment(ref buffer, out frame);
    }

    /// <summary>
    /// Validates one complete wire frame (both flags) that is held whole, e.g. from a file or a datagram. Unlike
    /// <see cref="TryRead"/> it reports a missing closing flag as <see cref="Jt808FormatError.Incomplete"/>.
    /// </summary>
    public Jt808Frame ReadComplete(ReadOnlySpan<byte> wire)
    {
        if (wire.IsEmpty)
        {
            Jt808Throw.Format(Jt808FormatError.Incomplete, "No bytes.");
        }

        if (wire[0] != Jt808Wire.Flag)
        {
            ThrowBytesBeforeStart(wire);
        }

        var end = wire[1..].IndexOf(Jt808Wire.Flag);
        if (end < 0)
        {
            if (wire.Length - 1 > _maxEscapedContent)
            {
                ThrowTooLarge();
            }

            Jt808Throw.Format(Jt808FormatError.Incomplete, "The input ended inside a frame (no closing 0x7E).", wire.Length);
        }

        if (end > _maxEscapedContent)
        {
            ThrowTooLarge();
        }

        var following = wire.Length > end + 2 ? wire[end + 2] : -1;
        var frame = Process(wire.Slice(1, end), following);
        if (following >= 0)
        {
            // A second frame (or garbage) after the first: ReadComplete takes exactly one frame.
            Jt808Throw.Format(Jt808FormatError.BytesBeforeStart, "Bytes follow the closing flag.", end + 2);
        }

        return frame;
    }

    private bool TryReadMultiSegment(ref ReadOnlySequence<byte> buffer, out Jt808Frame frame)
    {
        // Rare path: the frame spans segments (a TCP read ended inside it). Copy the escaped bytes once into a
        // per-framer scratch buffer and run the single-span code; a 0x7D at a segment end is handled because we only
        // unescape after the closing flag has arrived.
        frame = default;
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryPeek(out var first))
        {
            return false;
        }

        if (first != Jt808Wire.Flag)
        {
            var prefix = buffer.Slice(0, Math.Min(buffer.Length, 64)).ToArray();
            ThrowBytesBeforeStart(prefix);
        }

        reader.Advance(1);
        var limited = new SequenceReader<byte>(buffer.Slice(1, Math.Min(buffer.Length - 1, _maxEscapedContent + 1)));
        if (!limited.TryAdvanceTo(Jt808Wire.Flag, advancePastDelimiter: false))
        {
            if (buffer.Length - 1 > _maxEscapedContent)
            {
                ThrowTooLarge();
            }

            return false;
        }

        var end = (int)limited.Consumed;
        _scratch ??= new byte[_maxEscapedContent];
        var escaped = _scratch.AsSpan(0, end);
        buffer.Slice(1, end).CopyTo(escaped);
        var rest = buffer.Slice(end + 2);
        var following = -1;
        if (!rest.IsEmpty)
        {
            var r = new SequenceReader<byte>(rest);
            if (r.TryPeek(out var b))
            {
                following = b;
            }
        }

        frame = Process(escaped, following);
        buffer = rest;
        return true;
    }

    /// <summary>Unescapes and validates the content between two flags. <paramref name="following"/> is the byte after the closing flag, or -1.</summary>
    private Jt808Frame Process(ReadOnlySpan<byte> escaped, int following)
    {
        if (escaped.IsEmpty)
        {
            Jt808Throw.Format(Jt808FormatError.EmptyFrame, "Empty frame (7E 7E).", 1);
        }

        if (escaped.Length > _maxEscapedContent)
        {
            ThrowTooLarge();
        }

        int length;
        try
        {
            length = Jt808Wire.Unescape(escaped, _unescaped, 1);
        }
        catch (Jt808FormatException) when (following >= 0 && following != Jt808Wire.Flag)
        {
            ThrowUnescapedDelimiter(escaped.Length + 1);
            throw;
        }

        var content = _unescaped.AsSpan(0, length);
        if (!TryValidate(content, out var header, out var failure))
        {
            if (following >= 0 && following != Jt808Wire.Flag)
            {
                // The frame ended early and the bytes after the "closing" flag are not a new frame: a raw 0x7E inside.
                ThrowUnescapedDelimiter(escaped.Length + 1);
            }

            throw failure!;
        }

        return new Jt808Frame(header, _unescaped.AsMemory(0, length), escaped.Length + 2);
    }

    private bool TryValidate(ReadOnlySpan<byte> content, out Jt808Header header, out Jt808FormatException? failure)
    {
        header = default;
        failure = null;
        if (content.Length < 13)
        {
            failure = new Jt808FormatException(
                Jt808FormatError.FrameTooShort,
                $"{content.Length} bytes between the flags; a frame needs at least a 12-byte header and a checksum.");
            return false;
        }

        var attributes = BinaryPrimitives.ReadUInt16BigEndian(content[2..]);
        var bodyLength = attributes & 0x03FF;
        var subpackaged = (attributes & 0x2000) != 0;
        var versionFlag = (attributes & 0x4000) != 0;
        var version = versionFlag ? Jt808Version.V2019 : Jt808Version.V2013;
        var headerLength = Jt808Header.LengthOf(version, subpackaged);
        if (headerLength + bodyLength + 1 != content.Length)
        {
            var fits2013 = Jt808Header.LengthOf(Jt808Version.V2013, subpackaged) + bodyLength + 1 == content.Length;
            if (versionFlag && fits2013 && _options.VersionFlagMismatch == Jt808VersionFlagMismatchHandling.ParseAs2013)
            {
                version = Jt808Version.V2013;
                headerLength = Jt808Header.LengthOf(version, subpackaged);
            }
            else
            {
                var actual = Math.Max(0, content.Length - headerLength - 1);
                failure = new Jt808FormatException(
                    Jt808FormatError.LengthMismatch,
                    $"Declared body length {bodyLength} but {actual} body bytes are present.")
                {
                    DeclaredBodyLength = bodyLength,
                    ActualBodyLength = actual,
                    ChecksumInFrame = content[^1],
                    ChecksumComputed = Jt808Wire.Checksum(content[..^1]),
                };
                return false;
            }
        }

        var computed = Jt808Wire.Checksum(content[..^1]);
        if (computed != content[^1])
        {
            failure = new Jt808FormatException(
                Jt808FormatError.ChecksumMismatch,
                $"Checksum 0x{content[^1]:X2} in the frame, 0x{computed:X2} computed.")
            {
                ChecksumInFrame = content[^1],
                ChecksumComputed = computed,
            };
            return false;
        }

        header = ReadHeader(content, attributes, version);
        return true;
    }

    /// <summary>Reads a header whose layout and length have already been checked.</summary>
    internal static Jt808Header ReadHeader(ReadOnlySpan<byte> content, ushort attributes, Jt808Version version)
    {
        var subpackaged = (attributes & 0x2000) != 0;
        var is2019 = version == Jt808Version.V2019;
        var phoneOffset = is2019 ? 5 : 4;
        var phoneLength = is2019 ? 10 : 6;
        var serialOffset = phoneOffset + phoneLength;
        return new Jt808Header
        {
            MessageId = BinaryPrimitives.ReadUInt16BigEndian(content),
            BodyLength = attributes & 0x03FF,
            Encryption = (attributes >> 10) & 0x7,
            IsSubpackaged = subpackaged,
            VersionFlag = (attributes & 0x4000) != 0,
            ReservedBit15 = (attributes & 0x8000) != 0,
            Version = version,
            ProtocolVersion = is2019 ? content[4] : (byte)0,
            Phone = Jt808Phone.Read(content.Slice(phoneOffset, phoneLength)),
            Serial = BinaryPrimitives.ReadUInt16BigEndian(content[serialOffset..]),
            PackageTotal = subpackaged ? BinaryPrimitives.ReadUInt16BigEndian(content[(serialOffset + 2)..]) : (ushort)0,
            PackageIndex = subpackaged ? BinaryPrimitives.ReadUInt16BigEndian(content[(serialOffset + 4)..]) : (ushort)0,
        };
    }

    [DoesNotReturn]
    private static void ThrowBytesBeforeStart(ReadOnlySpan<byte> span)
    {
        var flag = span.IndexOf(Jt808Wire.Flag);
        Jt808Throw.Format(
            Jt808FormatError.BytesBeforeStart,
            flag < 0
                ? $"{span.Length} bytes without an opening 0x7E."
                : $"{flag} bytes before the opening 0x7E.",
            0);
    }

    [DoesNotReturn]
    private void ThrowTooLarge() =>
        Jt808Throw.Format(
            Jt808FormatError.FrameTooLarge,
            $"No closing 0x7E within {_maxEscapedContent + 2} bytes (cap: {_options.MaxFrameLength} unescaped bytes).");

    [DoesNotReturn]
    private static void ThrowUnescapedDelimiter(int offset) =>
        Jt808Throw.Format(
            Jt808FormatError.UnescapedDelimiter,
            $"Raw 0x7E at offset {offset} ends a frame that does not validate, and bytes other than a new frame follow it.",
            offset);
}
