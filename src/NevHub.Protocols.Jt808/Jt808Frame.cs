namespace NevHub.Protocols.Jt808;

/// <summary>
/// One validated frame (flags removed, unescaped, checksum and length verified). The memory belongs to the
/// <see cref="Jt808Framer"/> that produced it and is only valid until its next <c>TryRead</c>; call <see cref="Clone"/>
/// (or decode it) to keep it.
/// </summary>
public readonly struct Jt808Frame
{
    public Jt808Frame(Jt808Header header, ReadOnlyMemory<byte> content, int escapedLength)
    {
        Header = header;
        Content = content;
        EscapedLength = escapedLength;
    }

    public Jt808Header Header { get; }

    /// <summary>Unescaped header + body + checksum (no flags).</summary>
    public ReadOnlyMemory<byte> Content { get; }

    /// <summary>Size on the wire including both flags and escapes.</summary>
    public int EscapedLength { get; }

    /// <summary>Unescaped size including both flags (as in the vectors' <c>unescaped_length</c>).</summary>
    public int UnescapedLength => Content.Length + 2;

    /// <summary>True when the frame contained escape sequences.</summary>
    public bool HasEscapes => EscapedLength != UnescapedLength;

    /// <summary>The message body (after the header, before the checksum).</summary>
    public ReadOnlyMemory<byte> Body => Content.Slice(Header.Length, Header.BodyLength);

    public byte Checksum => Content.Span[^1];

    /// <summary>A copy whose memory is owned by the caller.</summary>
    public Jt808Frame Clone() => new(Header, Content.ToArray(), EscapedLength);

    /// <summary>The frame as on the wire, re-escaped (canonical escaping).</summary>
    public byte[] ToWire() => Jt808Wire.EscapeFrame(Content.Span);
}
