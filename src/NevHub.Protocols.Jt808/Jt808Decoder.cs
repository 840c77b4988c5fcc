namespace NevHub.Protocols.Jt808;

/// <summary>
/// Turns frames into typed messages. The body is copied once into memory the message owns, so a message outlives the frame.
/// Malformed bodies throw <see cref="Jt808FormatException"/> with <see cref="Jt808FormatError.InvalidBody"/>.
/// </summary>
public sealed class Jt808Decoder
{
    public Jt808Decoder(Jt808CodecOptions? options = null) => Options = options ?? Jt808CodecOptions.Default;

    public static Jt808Decoder Default { get; } = new();

    public Jt808CodecOptions Options { get; }

    /// <summary>Decodes a validated frame. Subpackaged and encrypted frames decode to <see cref="Jt808RawBody"/>.</summary>
    public Jt808Message Decode(in Jt808Frame frame) => Decode(frame.Header, frame.Body.Span);

    /// <summary>Decodes a body under its header (e.g. a reassembled body).</summary>
    public Jt808Message Decode(in Jt808Header header, ReadOnlySpan<byte> body)
    {
        var owned = body.ToArray();
        return new Jt808Message(header, DecodeBody(header, owned));
    }

    /// <summary>Decodes a message put together by <see cref="Jt808Reassembler"/> as one typed body (the header keeps package 1's fields).</summary>
    public Jt808Message Decode(in Jt808ReassembledMessage message)
    {
        var whole = message.Header with { IsSubpackaged = false, PackageTotal = 0, PackageIndex = 0 };
        return new Jt808Message(message.Header, DecodeBody(whole, message.Body));
    }

    /// <summary>Decodes <paramref name="body"/> without copying it (the body keeps slices of it).</summary>
    public static Jt808Body DecodeBody(in Jt808Header header, ReadOnlyMemory<byte> body)
    {
        if ((header.IsSubpackaged && header.PackageTotal > 1) || header.Encryption != 0)
        {
            return new Jt808RawBody(header.MessageId, body);
        }

        var reader = new Jt808BodyReader(body.Span, $"Message 0x{header.MessageId:X4}");
        switch (header.MessageId)
        {
            case Jt808MessageIds.TerminalGeneralResponse:
                return End(ref reader, new Jt808TerminalGeneralResponse(reader.ReadUInt16(), reader.ReadUInt16(), (Jt808ResponseResult)reader.ReadByte()));
            case Jt808MessageIds.PlatformGeneralResponse:
                return End(ref reader, new Jt808PlatformGeneralResponse(reader.ReadUInt16(), reader.ReadUInt16(), (Jt808ResponseResult)reader.ReadByte()));
            case Jt808MessageIds.Heartbeat:
                return new Jt808Heartbeat(body);
            case Jt808MessageIds.Logout:
                return End(ref reader, new Jt808Logout());
            case Jt808MessageIds.QueryAllParameters:
                return End(ref reader, new Jt808QueryAllParameters());
            case Jt808MessageIds.LocationQuery:
                return End(ref reader, new Jt808LocationQuery());
            case Jt808MessageIds.Registration:
                return ReadRegistration(header, body);
            case Jt808MessageIds.RegistrationReply:
                {
                    var serial = reader.ReadUInt16();
                    var result = (Jt808RegistrationResult)reader.ReadByte();
                    var code = reader.Remaining > 0 ? Jt808Text.Decode(reader.TakeRest()) : null;
                    return new Jt808RegistrationReply(serial, result, code);
                }

            case Jt808MessageIds.Authentication:
                if (header.Version == Jt808Version.V2013)
                {
                    return new Jt808Authentication(Jt808Text.Decode(reader.TakeRest()));
                }
                else
                {
                    var length = reader.ReadByte();
                    var code = Jt808Text.Decode(reader.Take(length));
                    var imei = Jt808Text.Decode(reader.Take(15));
                    var version = Jt808Text.Decode(reader.Take(20));
                    return End(ref reader, new Jt808Authentication(code, imei, version));
                }

            case Jt808MessageIds.LocationReport:
                return new Jt808LocationReport(Jt808Location.Read(body));
            case Jt808MessageIds.LocationQueryResponse:
                {
                    var serial = reader.ReadUInt16();
                    return new Jt808LocationQueryResponse(serial, Jt808Location.Read(body[2..]));
                }

            case Jt808MessageIds.BatchLocationUpload:
                return ReadBatch(ref reader, body);
            case Jt808MessageIds.TransparentUplink:
            case Jt808MessageIds.TransparentDownlink:
                {
                    var type = reader.ReadByte();
                    return new Jt808TransparentData(type, body[1..], header.MessageId == Jt808MessageIds.TransparentDownlink);
                }

            case Jt808MessageIds.SetParameters:
                {
                    var count = reader.ReadByte();
                    return new Jt808SetParameters(Jt808Parameters.ReadList(ref reader, body, count));
                }

            case Jt808MessageIds.QueryParametersResponse:
                {
                    var serial = reader.ReadUInt16();
                    var count = reader.ReadByte();
                    return new Jt808QueryParametersResponse(serial, Jt808Parameters.ReadList(ref reader, body, count));
                }

            case Jt808MessageIds.QueryParameters:
                {
                    var count = reader.ReadByte();
                    var ids = new uint[count];
                    for (var i = 0; i < count; i++)
                    {
                        ids[i] = reader.ReadUInt32();
                    }

                    return End(ref reader, new Jt808QueryParameters(ids));
                }

            case Jt808MessageIds.TextMessage:
                {
                    var flags = reader.ReadByte();
                    byte type = 1;
                    if (header.Version == Jt808Version.V2019)
                    {
                        type = reader.ReadByte();
                    }

                    return new Jt808TextMessage(flags, body[reader.Position..], type);
                }

            default:
                return new Jt808RawBody(header.MessageId, body);
        }
    }

    private static T End<T>(ref Jt808BodyReader reader, T body)
        where T : Jt808Body
    {
        if (reader.Remaining != 0)
        {
            Jt808Throw.Body($"{reader.Remaining} unexpected bytes after the body of 0x{body.MessageId:X4}.");
        }

        return body;
    }

    private static Jt808Registration ReadRegistration(in Jt808Header header, ReadOnlyMemory<byte> body)
    {
        // jt808.md §12 item 2: a 2019 header means the 2019 layout; otherwise 2013 when the body is at least 37 bytes, else 2011.
        var layout = header.Version == Jt808Version.V2019
            ? Jt808RegistrationLayout.V2019
            : body.Length >= 37 ? Jt808RegistrationLayout.V2013 : Jt808RegistrationLayout.V2011;
        var (m, mo, t) = Jt808Registration.FieldSizes(layout);
        var reader = new Jt808BodyReader(body.Span, "Registration 0x0100");
        var province = reader.ReadUInt16();
        var city = reader.ReadUInt16();
        var offset = 4;
        reader.Take(m + mo + t + 1);
        var registration = new Jt808Registration
        {
            Layout = layout,
            ProvinceId = province,
            CityId = city,
            ManufacturerIdRaw = body.Slice(offset, m),
            ModelRaw = body.Slice(offset + m, mo),
            TerminalIdRaw = body.Slice(offset + m + mo, t),
            PlateColor = body.Span[offset + m + mo + t],
            PlateRaw = body[(offset + m + mo + t + 1)..],
        };
        return registration;
    }

    private static Jt808BatchLocationUpload ReadBatch(ref Jt808BodyReader reader, ReadOnlyMemory<byte> body)
    {
        var count = reader.ReadUInt16();
        var type = reader.ReadByte();

        // Each record needs at least 2 + 28 bytes: cap the count before allocating.
        if (count > reader.Remaining / (2 + Jt808Location.BasicLength))
        {
            Jt808Throw.Body($"Batch count {count} does not fit the {reader.Remaining} remaining bytes.");
        }

        var locations = new List<Jt808Location>(count);
        for (var i = 0; i < count; i++)
        {
            var length = reader.ReadUInt16();
            var start = reader.Position;
            reader.Take(length);
            locations.Add(Jt808Location.Read(body.Slice(start, length)));
        }

        if (reader.Remaining != 0)
        {
            Jt808Throw.Body($"{reader.Remaining} bytes follow the {count} batch records.");
        }

        return new Jt808BatchLocationUpload(type, locations);
    }
}
