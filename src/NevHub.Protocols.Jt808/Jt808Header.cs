namespace NevHub.Protocols.Jt808;

/// <summary>Header layout. 2011 and 2013 share a header (they differ only in some bodies).</summary>
public enum Jt808Version
{
    /// <summary>2011/2013 header: BCD[6] phone, 12 bytes (16 when subpackaged).</summary>
    V2013,

    /// <summary>2019 header: version flag (bit 14), protocol version byte, BCD[10] phone, 17 bytes (21 when subpackaged).</summary>
    V2019,
}

/// <summary>
/// A JT/T 808 message header. All wire integers are big-endian. Header length is 12 (2013), 16 (2013 subpackaged),
/// 17 (2019) or 21 (2019 subpackaged).
/// </summary>
public readonly record struct Jt808Header
{
    /// <summary>Message id (WORD).</summary>
    public ushort MessageId { get; init; }

    /// <summary>Body length from attribute bits 0-9 (0-1023).</summary>
    public int BodyLength { get; init; }

    /// <summary>Encryption, attribute bits 10-12 (0 = none, 1 = RSA).</summary>
    public int Encryption { get; init; }

    /// <summary>Attribute bit 13: the header carries package total and index.</summary>
    public bool IsSubpackaged { get; init; }

    /// <summary>Attribute bit 14 as received (the 2019 version flag).</summary>
    public bool VersionFlag { get; init; }

    /// <summary>Attribute bit 15 (reserved) as received, kept for canonical re-encoding.</summary>
    public bool ReservedBit15 { get; init; }

    /// <summary>The layout the header was read with (or is to be written with).</summary>
    public Jt808Version Version { get; init; }

    /// <summary>The 2019 protocol version byte (1 for the current revision); 0 for 2013 headers.</summary>
    public byte ProtocolVersion { get; init; }

    public Jt808Phone Phone { get; init; }

    /// <summary>Message serial (WORD, wraps after 0xFFFF).</summary>
    public ushort Serial { get; init; }

    /// <summary>Package total (subpackaged frames only).</summary>
    public ushort PackageTotal { get; init; }

    /// <summary>1-based package index (subpackaged frames only).</summary>
    public ushort PackageIndex { get; init; }

    /// <summary>True when bit 14 was set but the frame only fits a 2013 header (jt808.md §12 item 1): a warning, not an error.</summary>
    public bool VersionFlagMismatch => VersionFlag && Version == Jt808Version.V2013;

    /// <summary>Header size in bytes for this layout.</summary>
    public int Length => LengthOf(Version, IsSubpackaged);

    public static int LengthOf(Jt808Version version, bool subpackaged) =>
        (version == Jt808Version.V2019 ? 17 : 12) + (subpackaged ? 4 : 0);

    /// <summary>A 2011/2013 header for an outgoing message (body length is filled in by the encoder).</summary>
    public static Jt808Header Create2013(ushort messageId, Jt808Phone phone, ushort serial) => new()
    {
        MessageId = messageId,
        Version = Jt808Version.V2013,
        Phone = phone.ForVersion(Jt808Version.V2013),
        Serial = serial,
    };

    /// <summary>A 2019 header for an outgoing message (body length is filled in by the encoder).</summary>
    public static Jt808Header Create2019(ushort messageId, Jt808Phone phone, ushort serial, byte protocolVersion = 1) => new()
    {
        MessageId = messageId,
        Version = Jt808Version.V2019,
        VersionFlag = true,
        ProtocolVersion = protocolVersion,
        Phone = phone.ForVersion(Jt808Version.V2019),
        Serial = serial,
    };

    /// <summary>A header answering <paramref name="request"/> in the same layout (version, phone), with a new id and serial.</summary>
    public static Jt808Header ReplyTo(in Jt808Header request, ushort messageId, ushort serial) => new()
    {
        MessageId = messageId,
        Version = request.Version,
        VersionFlag = request.Version == Jt808Version.V2019,
        ProtocolVersion = request.ProtocolVersion,
        Phone = request.Phone,
        Serial = serial,
    };
}
