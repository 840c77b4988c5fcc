namespace NevHub.Protocols.Jt808;

/// <summary>Message ids handled by the codec (jt808.md §6).</summary>
public static class Jt808MessageIds
{
    public const ushort TerminalGeneralResponse = 0x0001;
    public const ushort Heartbeat = 0x0002;
    public const ushort Logout = 0x0003;
    public const ushort Registration = 0x0100;
    public const ushort Authentication = 0x0102;
    public const ushort QueryParametersResponse = 0x0104;
    public const ushort LocationReport = 0x0200;
    public const ushort LocationQueryResponse = 0x0201;
    public const ushort BatchLocationUpload = 0x0704;
    public const ushort TransparentUplink = 0x0900;
    public const ushort PlatformGeneralResponse = 0x8001;
    public const ushort RegistrationReply = 0x8100;
    public const ushort SetParameters = 0x8103;
    public const ushort QueryAllParameters = 0x8104;
    public const ushort QueryParameters = 0x8106;
    public const ushort LocationQuery = 0x8201;
    public const ushort TextMessage = 0x8300;
    public const ushort TransparentDownlink = 0x8900;
}

/// <summary>Result of 0x0001 / 0x8001.</summary>
public enum Jt808ResponseResult : byte
{
    Success = 0,
    Failure = 1,
    BadMessage = 2,
    Unsupported = 3,

    /// <summary>0x8001 only.</summary>
    AlarmAcknowledged = 4,
}

/// <summary>Result of 0x8100.</summary>
public enum Jt808RegistrationResult : byte
{
    Success = 0,
    VehicleAlreadyRegistered = 1,
    VehicleNotInDatabase = 2,
    TerminalAlreadyRegistered = 3,
    TerminalNotInDatabase = 4,
}

/// <summary>0x0100 body layout (jt808.md §7): field sizes differ by revision.</summary>
public enum Jt808RegistrationLayout
{
    /// <summary>Maker BYTE[5], model BYTE[8], terminal id BYTE[7]; fixed part 25 bytes.</summary>
    V2011,

    /// <summary>Maker BYTE[5], model BYTE[20], terminal id BYTE[7]; fixed part 37 bytes.</summary>
    V2013,

    /// <summary>Maker BYTE[11], model BYTE[30], terminal id BYTE[30]; fixed part 76 bytes.</summary>
    V2019,
}

/// <summary>A decoded message: header plus typed body.</summary>
public sealed record Jt808Message(Jt808Header Header, Jt808Body Body);

/// <summary>A message body. Concrete types are the messages of jt808.md §6; anything else is a <see cref="Jt808RawBody"/>.</summary>
public abstract record Jt808Body
{
    private protected Jt808Body()
    {
    }

    /// <summary>The message id this body is sent under.</summary>
    public abstract ushort MessageId { get; }

    internal abstract void Write(Jt808BodyWriter writer, Jt808Version version);
}

/// <summary>Any body the codec does not type (unknown id, encrypted, or one package of a subpackaged message).</summary>
public sealed record Jt808RawBody(ushort Id, ReadOnlyMemory<byte> Bytes) : Jt808Body
{
    public override ushort MessageId => Id;

    internal override void Write(Jt808BodyWriter writer, Jt808Version version) => writer.WriteBytes(Bytes.Span);
}

/// <summary>0x0001 terminal general response.</summary>
public sealed record Jt808TerminalGeneralResponse(ushort ReplySerial, ushort ReplyMessageId, Jt808ResponseResult Result) : Jt808Body
{
    public override ushort MessageId => Jt808MessageIds.TerminalGeneralResponse;

    internal override void Write(Jt808BodyWriter writer, Jt808Version version)
    {
        writer.WriteUInt16(ReplySerial);
        writer.WriteUInt16(ReplyMessageId);
        writer.WriteByte((byte)Result);
    }
}

/// <summary>0x8001 platform general response.</summary>
public sealed record Jt808PlatformGeneralResponse(ushort ReplySerial, ushort ReplyMessageId, Jt808ResponseResult Result) : Jt808Body
{
    public override ushort MessageId => Jt808MessageIds.PlatformGeneralResponse;

    internal override void Write(Jt808BodyWriter writer, Jt808Version version)
    {
        writer.WriteUInt16(ReplySerial);
        writer.WriteUInt16(ReplyMessageId);
        writer.WriteByte((byte)Result);
    }
}

/// <summary>0x0002 heartbeat. Normally empty; some vendors append data, kept raw in <see cref="Extra"/>.</summary>
public sealed record Jt808Heartbeat(ReadOnlyMemory<byte> Extra = default) : Jt808Body
{
    public override ushort MessageId => Jt808MessageIds.Heartbeat;

    internal override void Write(Jt808BodyWriter writer, Jt808Version version) => writer.WriteBytes(Extra.Span);
}

/// <summary>0x0003 logout (empty body).</summary>
public sealed record Jt808Logout : Jt808Body
{
    public override ushort MessageId => Jt808MessageIds.Logout;

    internal override void Write(Jt808BodyWriter writer, Jt808Version version)
    {
    }
}

/// <summary>0x8104 query all parameters (empty body).</summary>
public sealed record Jt808QueryAllParameters : Jt808Body
{
    public override ushort MessageId => Jt808MessageIds.QueryAllParameters;

    internal override void Write(Jt808BodyWriter writer, Jt808Version version)
    {
    }
}

/// <summary>0x8201 location query (empty body).</summary>
public sealed record Jt808LocationQuery : Jt808Body
{
    public override ushort MessageId => Jt808MessageIds.LocationQuery;

    internal override void Write(Jt808BodyWriter writer, Jt808Version version)
    {
    }
}

/// <summary>
/// 0x0100 registration. Text fields are kept raw (fixed-size, 0x00- or space-padded as received); the string properties are
/// GBK with NULs removed.
/// </summary>
public sealed record Jt808Registration : Jt808Body
{
    public override ushort MessageId => Jt808MessageIds.Registration;

    public Jt808RegistrationLayout Layout { get; init; }

    /// <summary>GB/T 2260 province (first two digits), 0 = default.</summary>
    public ushort ProvinceId { get; init; }

    /// <summary>GB/T 2260 city/county (last four digits), 0 = default.</summary>
    public ushort CityId { get; init; }

    public ReadOnlyMemory<byte> ManufacturerIdRaw { get; init; }

    public ReadOnlyMemory<byte> ModelRaw { get; init; }

    public ReadOnlyMemory<byte> TerminalIdRaw { get; init; }

    /// <summary>0 unplated (plate is the VIN), 1 blue, 2 yellow, 3 black, 4 white, 9 other.</summary>
    public byte PlateColor { get; init; }

    public ReadOnlyMemory<byte> PlateRaw { get; init; }

    public string ManufacturerId => Jt808Text.Decode(ManufacturerIdRaw.Span);

    public string Model => Jt808Text.Decode(ModelRaw.Span);

    public string TerminalId => Jt808Text.Decode(TerminalIdRaw.Span);

    public string Plate => Jt808Text.Decode(PlateRaw.Span);

    public static (int Manufacturer, int Model, int TerminalId) FieldSizes(Jt808RegistrationLayout layout) => layout switch
    {
        Jt808RegistrationLayout.V2011 => (5, 8, 7),
        Jt808RegistrationLayout.V2013 => (5, 20, 7),
        _ => (11, 30, 30),
    };

    /// <summary>Builds a registration from text; fields are GBK-encoded and 0x00-padded to the layout's sizes when written.</summary>
    public static Jt808Registration Create(
        Jt808RegistrationLayout layout, ushort provinceId, ushort cityId, string manufacturerId, string model, string terminalId,
        byte plateColor, string plate) => new()
        {
            Layout = layout,
            ProvinceId = provinceId,
            CityId = cityId,
            ManufacturerIdRaw = Jt808Text.Encode(manufacturerId),
            ModelRaw = Jt808Text.Encode(model),
            TerminalIdRaw = Jt808Text.Encode(terminalId),
            PlateColor = plateColor,
            PlateRaw = Jt808Text.Encode(plate),
        };

    internal override void Write(Jt808BodyWriter writer, Jt808Version version)
    {
        var (m, mo, t) = FieldSizes(Layout);
        writer.WriteUInt16(ProvinceId);
        writer.WriteUInt16(CityId);
        writer.WriteFixed(ManufacturerIdRaw.Span, m, "Manufacturer id");
        writer.WriteFixed(ModelRaw.Span, mo, "Model");
        writer.WriteFixed(TerminalIdRaw.Span, t, "Terminal id");
        writer.WriteByte(PlateColor);
        writer.WriteBytes(PlateRaw.Span);
    }
}

/// <summary>0x8100 registration reply. The auth code is present only on success.</summary>
public sealed record Jt808RegistrationReply(ushort ReplySerial, Jt808RegistrationResult Result, string? AuthCode) : Jt808Body
{
    public override ushort MessageId => Jt808MessageIds.RegistrationReply;

    internal override void Write(Jt808BodyWriter writer, Jt808Version version)
    {
        writer.WriteUInt16(ReplySerial);
        writer.WriteByte((byte)Result);
        if (AuthCode is not null)
        {
            writer.WriteBytes(Jt808Text.Encode(AuthCode));
        }
    }
}

/// <summary>
/// 0x0102 authentication. 2013: the bare auth code. 2019: code length BYTE, code, IMEI BYTE[15], software version BYTE[20].
/// The layout follows the header version.
/// </summary>
public sealed record Jt808Authentication(string AuthCode, string? Imei = null, string? SoftwareVersion = null) : Jt808Body
{
    public override ushort MessageId => Jt808MessageIds.Authentication;

    internal override void Write(Jt808BodyWriter writer, Jt808Version version)
    {
        var code = Jt808Text.Encode(AuthCode);
        if (version == Jt808Version.V2013)
        {
            writer.WriteBytes(code);
            return;
        }

        if (code.Length > 255)
        {
            throw new ArgumentException("The 2019 auth code is at most 255 bytes.");
        }

        writer.WriteByte((byte)code.Length);
        writer.WriteBytes(code);
        writer.WriteFixed(Jt808Text.Encode(Imei ?? string.Empty), 15, "IMEI");
        writer.WriteFixed(Jt808Text.Encode(SoftwareVersion ?? string.Empty), 20, "Software version");
    }
}

/// <summary>0x0200 location report.</summary>
public sealed record Jt808LocationReport(Jt808Location Location) : Jt808Body
{
    public override ushort MessageId => Jt808MessageIds.LocationReport;

    internal override void Write(Jt808BodyWriter writer, Jt808Version version) => Location.Write(writer);
}

/// <summary>0x0201 location query response: reply serial + a 0x0200 body.</summary>
public sealed record Jt808LocationQueryResponse(ushort ReplySerial, Jt808Location Location) : Jt808Body
{
    public override ushort MessageId => Jt808MessageIds.LocationQueryResponse;

    internal override void Write(Jt808BodyWriter writer, Jt808Version version)
    {
        writer.WriteUInt16(ReplySerial);
        Location.Write(writer);
    }
}

/// <summary>0x0704 batch location upload. Type 0 normal, 1 blind-area backfill (history, not the current position).</summary>
public sealed record Jt808BatchLocationUpload(byte Type, IReadOnlyList<Jt808Location> Locations) : Jt808Body
{
    public override ushort MessageId => Jt808MessageIds.BatchLocationUpload;

    public bool IsBackfill => Type == 1;

    internal override void Write(Jt808BodyWriter writer, Jt808Version version)
    {
        if (Locations.Count > ushort.MaxValue)
        {
            throw new ArgumentException("Too many locations for one batch.");
        }

        writer.WriteUInt16((ushort)Locations.Count);
        writer.WriteByte(Type);
        foreach (var location in Locations)
        {
            var length = location.EncodedLength();
            if (length > ushort.MaxValue)
            {
                throw new ArgumentException("A batch record is too long.");
            }

            writer.WriteUInt16((ushort)length);
            location.Write(writer);
        }
    }
}

/// <summary>0x0900 uplink / 0x8900 downlink transparent data: type BYTE + opaque payload (tagged by type, kept raw).</summary>
public sealed record Jt808TransparentData(byte Type, ReadOnlyMemory<byte> Payload, bool Downlink = false) : Jt808Body
{
    public override ushort MessageId => Downlink ? Jt808MessageIds.TransparentDownlink : Jt808MessageIds.TransparentUplink;

    internal override void Write(Jt808BodyWriter writer, Jt808Version version)
    {
        writer.WriteByte(Type);
        writer.WriteBytes(Payload.Span);
    }
}

/// <summary>0x8103 set parameters: count BYTE + items.</summary>
public sealed record Jt808SetParameters(IReadOnlyList<Jt808Parameter> Parameters) : Jt808Body
{
    public override ushort MessageId => Jt808MessageIds.SetParameters;

    internal override void Write(Jt808BodyWriter writer, Jt808Version version) => Jt808Parameters.WriteList(writer, Parameters);
}

/// <summary>0x8106 query given parameters: count BYTE + DWORD ids.</summary>
public sealed record Jt808QueryParameters(IReadOnlyList<uint> Ids) : Jt808Body
{
    public override ushort MessageId => Jt808MessageIds.QueryParameters;

    internal override void Write(Jt808BodyWriter writer, Jt808Version version)
    {
        if (Ids.Count > 255)
        {
            throw new ArgumentException("At most 255 ids fit one 0x8106 (count is a BYTE).");
        }

        writer.WriteByte((byte)Ids.Count);
        foreach (var id in Ids)
        {
            writer.WriteUInt32(id);
        }
    }
}

/// <summary>0x0104 query parameters response: reply serial WORD, count BYTE, items.</summary>
public sealed record Jt808QueryParametersResponse(ushort ReplySerial, IReadOnlyList<Jt808Parameter> Parameters) : Jt808Body
{
    public override ushort MessageId => Jt808MessageIds.QueryParametersResponse;

    internal override void Write(Jt808BodyWriter writer, Jt808Version version)
    {
        writer.WriteUInt16(ReplySerial);
        Jt808Parameters.WriteList(writer, Parameters);
    }
}

/// <summary>
/// 0x8300 text message. 2013: flag BYTE + GBK text. 2019: flag BYTE + type BYTE (1 notice, 2 service) + GBK text.
/// The layout follows the header version; <see cref="TextType"/> is ignored for 2013 headers.
/// </summary>
public sealed record Jt808TextMessage(byte Flags, ReadOnlyMemory<byte> TextBytes, byte TextType = 1) : Jt808Body
{
    /// <summary>Display + TTS read-out: a plain notice.</summary>
    public const byte NoticeFlags = 0x0C;

    public override ushort MessageId => Jt808MessageIds.TextMessage;

    public string Text => Jt808Text.Decode(TextBytes.Span);

    public static Jt808TextMessage Create(string text, byte flags = NoticeFlags, byte textType = 1)
    {
        var bytes = Jt808Text.Encode(text);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bytes.Length, 1024, nameof(text));
        return new Jt808TextMessage(flags, bytes, textType);
    }

    internal override void Write(Jt808BodyWriter writer, Jt808Version version)
    {
        writer.WriteByte(Flags);
        if (version == Jt808Version.V2019)
        {
            writer.WriteByte(TextType);
        }

        writer.WriteBytes(TextBytes.Span);
    }
}
