using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;

namespace NevHub.Protocols.Jt808;

/// <summary>
/// Writes decoded frames and format errors as JSON in the schema of the shared test vectors' <c>expect</c> objects
/// (docs/protocols/jt808-json.md): <c>{frame, header, body, warnings?}</c> or <c>{error, detail, …}</c>.
/// </summary>
public static class Jt808JsonRenderer
{
    /// <summary>Writes one decoded frame as a JSON object.</summary>
    public static void Write(Utf8JsonWriter writer, in Jt808Frame frame, Jt808Message message, Jt808CodecOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(message);
        var offset = (options ?? Jt808CodecOptions.Default).DeviceTimeOffset;
        var warnings = new List<string>();
        writer.WriteStartObject();
        WriteFrameInfo(writer, frame);
        WriteHeader(writer, message.Header);
        writer.WritePropertyName("body");
        WriteBody(writer, message.Header, message.Body, offset, warnings);
        if (message.Header.VersionFlagMismatch)
        {
            warnings.Insert(0, "version_flag_mismatch: bit 14 is set but the frame only fits a 2013 header; parsed as 2013");
        }

        if (warnings.Count > 0)
        {
            writer.WriteStartArray("warnings");
            foreach (var w in warnings)
            {
                writer.WriteStringValue(w);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    /// <summary>Writes a rejected frame as <c>{"error": reason, "detail": message, …}</c> with the reason's offsets and lengths.</summary>
    public static void WriteError(Utf8JsonWriter writer, Jt808FormatException error)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(error);
        writer.WriteStartObject();
        WriteErrorFields(writer, error);
        writer.WriteEndObject();
    }

    /// <summary>
    /// Writes a frame whose framing was valid but whose body was rejected (<see cref="Jt808FormatError.InvalidBody"/>):
    /// <c>{"frame", "header", "error", "detail", "body_hex"}</c>, so the header (for the 0x8001 result 2 reply) is not lost.
    /// </summary>
    public static void WriteError(Utf8JsonWriter writer, Jt808FormatException error, in Jt808Frame frame)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(error);
        writer.WriteStartObject();
        WriteFrameInfo(writer, frame);
        WriteHeader(writer, frame.Header);
        WriteErrorFields(writer, error);
        writer.WriteString("body_hex", Convert.ToHexStringLower(frame.Body.Span));
        writer.WriteEndObject();
    }

    private static void WriteErrorFields(Utf8JsonWriter writer, Jt808FormatException error)
    {
        writer.WriteString("error", error.ReasonCode);
        writer.WriteString("detail", error.Message);
        if (error.Offset >= 0)
        {
            writer.WriteNumber(
                error.Reason switch
                {
                    Jt808FormatError.BadEscape => "offset_of_0x7D",
                    Jt808FormatError.UnescapedDelimiter => "offset_of_0x7E",
                    _ => "offset",
                },
                error.Offset);
        }

        if (error.DeclaredBodyLength is { } declared)
        {
            writer.WriteNumber("declared_body_length", declared);
        }

        if (error.ActualBodyLength is { } actual)
        {
            writer.WriteNumber("actual_body_length", actual);
        }

        if (error.ChecksumInFrame is { } inFrame && error.ChecksumComputed is { } computed)
        {
            writer.WriteString("checksum_in_frame", Hex8(inFrame));
            writer.WriteString("checksum_computed", Hex8(computed));
            writer.WriteBoolean("checksum_ok", inFrame == computed);
        }
    }

    /// <summary>The JSON of one decoded frame as a string (one line).</summary>
    public static string Render(in Jt808Frame frame, Jt808Message message, Jt808CodecOptions? options = null)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, frame, message, options);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The JSON of one error as a string (one line).</summary>
    public static string RenderError(Jt808FormatException error)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteError(writer, error);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteFrameInfo(Utf8JsonWriter writer, in Jt808Frame frame)
    {
        writer.WriteStartObject("frame");
        writer.WriteNumber("escaped_length", frame.EscapedLength);
        writer.WriteNumber("unescaped_length", frame.UnescapedLength);
        writer.WriteNumber("header_length", frame.Header.Length);
        writer.WriteString("checksum", Hex8(frame.Checksum));
        if (frame.HasEscapes)
        {
            writer.WriteString("unescaped_hex", "7E" + Convert.ToHexString(frame.Content.Span) + "7E");
        }

        writer.WriteEndObject();
    }

    private static void WriteHeader(Utf8JsonWriter writer, in Jt808Header header)
    {
        writer.WriteStartObject("header");
        writer.WriteString("msg_id", Hex16(header.MessageId));
        writer.WriteNumber("body_length", header.BodyLength);
        writer.WriteNumber("encryption", header.Encryption);
        writer.WriteBoolean("subpackaged", header.IsSubpackaged);
        writer.WriteBoolean("version_flag", header.VersionFlag);
        if (header.Version == Jt808Version.V2019)
        {
            writer.WriteNumber("protocol_version", header.ProtocolVersion);
        }
        else
        {
            writer.WriteNull("protocol_version");
        }

        writer.WriteString("phone", header.Phone.ToString());
        writer.WriteNumber("serial", header.Serial);
        if (header.IsSubpackaged)
        {
            writer.WriteNumber("package_total", header.PackageTotal);
            writer.WriteNumber("package_index", header.PackageIndex);
        }

        writer.WriteEndObject();
    }

    /// <summary>Writes only the body object of a message (used for reassembled messages too).</summary>
    public static void WriteBody(Utf8JsonWriter writer, in Jt808Header header, Jt808Body body, TimeSpan deviceOffset, List<string>? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        warnings ??= [];
        writer.WriteStartObject();
        switch (body)
        {
            case Jt808TerminalGeneralResponse r:
                WriteResponse(writer, r.ReplySerial, r.ReplyMessageId, r.Result);
                break;
            case Jt808PlatformGeneralResponse r:
                WriteResponse(writer, r.ReplySerial, r.ReplyMessageId, r.Result);
                break;
            case Jt808Heartbeat h:
                if (!h.Extra.IsEmpty)
                {
                    writer.WriteString("extra_hex", Convert.ToHexStringLower(h.Extra.Span));
                }

                break;
            case Jt808Logout or Jt808QueryAllParameters or Jt808LocationQuery:
                break;
            case Jt808Registration r:
                writer.WriteNumber("province_id", r.ProvinceId);
                writer.WriteNumber("city_id", r.CityId);
                writer.WriteString("layout", r.Layout switch
                {
                    Jt808RegistrationLayout.V2011 => "2011",
                    Jt808RegistrationLayout.V2013 => "2013",
                    _ => "2019",
                });
                writer.WriteString("manufacturer_id", r.ManufacturerId);
                writer.WriteString("model", r.Model);
                writer.WriteString("terminal_id", r.TerminalId);
                writer.WriteString("manufacturer_id_hex", Convert.ToHexStringLower(r.ManufacturerIdRaw.Span));
                writer.WriteString("model_hex", Convert.ToHexStringLower(r.ModelRaw.Span));
                writer.WriteString("terminal_id_hex", Convert.ToHexStringLower(r.TerminalIdRaw.Span));
                writer.WriteNumber("plate_color", r.PlateColor);
                writer.WriteString("plate", r.Plate);
                writer.WriteString("plate_hex", Convert.ToHexStringLower(r.PlateRaw.Span));
                break;
            case Jt808RegistrationReply r:
                writer.WriteNumber("reply_serial", r.ReplySerial);
                writer.WriteNumber("result", (byte)r.Result);
                writer.WriteString("result_name", RegistrationResultName(r.Result));
                writer.WriteString("auth_code", r.AuthCode);
                break;
            case Jt808Authentication a:
                if (header.Version == Jt808Version.V2019)
                {
                    writer.WriteNumber("auth_code_length", Jt808Text.Gbk.GetByteCount(a.AuthCode));
                }

                writer.WriteString("auth_code", a.AuthCode);
                if (header.Version == Jt808Version.V2019)
                {
                    writer.WriteString("imei", a.Imei);
                    writer.WriteString("software_version", a.SoftwareVersion);
                    // The field as it travels: GBK, 0x00-padded to 20 bytes (the decoder strips the padding).
                    var raw = new byte[20];
                    var encoded = Jt808Text.Encode(a.SoftwareVersion ?? string.Empty);
                    encoded.AsSpan(0, Math.Min(20, encoded.Length)).CopyTo(raw);
                    writer.WriteString("software_version_hex", Convert.ToHexStringLower(raw));
                }

                break;
            case Jt808LocationReport l:
                WriteLocationFields(writer, l.Location, header.Version, deviceOffset, warnings, string.Empty);
                break;
            case Jt808LocationQueryResponse l:
                writer.WriteNumber("reply_serial", l.ReplySerial);
                WriteLocationFields(writer, l.Location, header.Version, deviceOffset, warnings, string.Empty);
                break;
            case Jt808BatchLocationUpload b:
                writer.WriteNumber("count", b.Locations.Count);
                writer.WriteNumber("type", b.Type);
                writer.WriteString("type_name", b.Type switch
                {
                    0 => "normal_batch",
                    1 => "blind_area_backfill",
                    _ => "unknown",
                });
                writer.WriteStartArray("locations");
                for (var i = 0; i < b.Locations.Count; i++)
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("record_length", b.Locations[i].EncodedLength());
                    WriteLocationFields(writer, b.Locations[i], header.Version, deviceOffset, warnings, $"locations[{i}]: ");
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                break;
            case Jt808TransparentData t:
                writer.WriteNumber("type", t.Type);
                writer.WriteString("type_name", t.Type switch
                {
                    0x00 => "gnss_detail",
                    0x0B => "ic_card",
                    0x41 => "serial_port_1",
                    0x42 => "serial_port_2",
                    >= 0xF0 => "user_defined",
                    _ => "unknown",
                });
                writer.WriteString("payload_hex", Convert.ToHexStringLower(t.Payload.Span));
                break;
            case Jt808SetParameters p:
                WriteParameters(writer, p.Parameters);
                break;
            case Jt808QueryParametersResponse p:
                writer.WriteNumber("reply_serial", p.ReplySerial);
                WriteParameters(writer, p.Parameters);
                break;
            case Jt808QueryParameters q:
                writer.WriteNumber("count", q.Ids.Count);
                writer.WriteStartArray("ids");
                foreach (var id in q.Ids)
                {
                    writer.WriteStringValue(Hex32Short(id));
                }

                writer.WriteEndArray();
                break;
            case Jt808TextMessage t:
                writer.WriteNumber("flags", t.Flags);
                if (header.Version == Jt808Version.V2019)
                {
                    writer.WriteNumber("text_type", t.TextType);
                }

                writer.WriteString("text", t.Text);
                writer.WriteString("text_hex", Convert.ToHexStringLower(t.TextBytes.Span));
                break;
            case Jt808RawBody r:
                writer.WriteString("hex", Convert.ToHexStringLower(r.Bytes.Span));
                break;
        }

        writer.WriteEndObject();
    }

    private static void WriteResponse(Utf8JsonWriter writer, ushort serial, ushort id, Jt808ResponseResult result)
    {
        writer.WriteNumber("reply_serial", serial);
        writer.WriteString("reply_msg_id", Hex16(id));
        writer.WriteNumber("result", (byte)result);
        writer.WriteString("result_name", result switch
        {
            Jt808ResponseResult.Success => "success",
            Jt808ResponseResult.Failure => "failure",
            Jt808ResponseResult.BadMessage => "bad_message",
            Jt808ResponseResult.Unsupported => "unsupported",
            Jt808ResponseResult.AlarmAcknowledged => "alarm_acknowledged",
            _ => "unknown",
        });
    }

    private static string RegistrationResultName(Jt808RegistrationResult result) => result switch
    {
        Jt808RegistrationResult.Success => "success",
        Jt808RegistrationResult.VehicleAlreadyRegistered => "vehicle_already_registered",
        Jt808RegistrationResult.VehicleNotInDatabase => "vehicle_not_in_database",
        Jt808RegistrationResult.TerminalAlreadyRegistered => "terminal_already_registered",
        Jt808RegistrationResult.TerminalNotInDatabase => "terminal_not_in_database",
        _ => "unknown",
    };

    private static void WriteParameters(Utf8JsonWriter writer, IReadOnlyList<Jt808Parameter> parameters)
    {
        writer.WriteNumber("count", parameters.Count);
        writer.WriteStartArray("parameters");
        foreach (var p in parameters)
        {
            writer.WriteStartObject();
            writer.WriteString("id", Hex32Short(p.Id));
            writer.WriteNumber("length", p.Length);
            writer.WriteString("hex", Convert.ToHexStringLower(p.Value.Span));
            writer.WriteString("name", Jt808Parameters.NameOf(p.Id));
            writer.WriteString("type", p.Type.ToString().ToLowerInvariant());
            if (p.Number is { } n)
            {
                writer.WriteNumber("value", n);
            }
            else if (p.Text is { } text)
            {
                writer.WriteString("value", text);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteLocationFields(
        Utf8JsonWriter writer, Jt808Location l, Jt808Version version, TimeSpan deviceOffset, List<string> warnings, string where)
    {
        writer.WriteStartObject("alarm");
        writer.WriteString("raw", Hex32(l.AlarmFlags));
        WriteBits(writer, l.AlarmFlags, 32, bit => Jt808BitNames.Alarm(bit, version));
        writer.WriteEndObject();

        writer.WriteStartObject("status");
        writer.WriteString("raw", Hex32(l.StatusFlags));
        WriteBits(writer, l.StatusFlags, 32, bit => Jt808BitNames.Status(bit, version));
        writer.WriteBoolean("acc_on", l.AccOn);
        writer.WriteBoolean("positioned", l.Positioned);
        writer.WriteString("load_state", Jt808BitNames.LoadState(l.LoadState));
        writer.WriteEndObject();

        writer.WriteNumber("latitude", l.Latitude);
        writer.WriteNumber("longitude", l.Longitude);
        writer.WriteNumber("altitude_m", l.AltitudeM);
        writer.WriteNumber("speed_kmh", l.SpeedKmh);
        writer.WriteNumber("direction_deg", l.Direction);
        if (l.Time.TryGetTime(deviceOffset, out var time))
        {
            writer.WriteString("time", time.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture));
            writer.WriteString("time_utc", time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        }
        else
        {
            writer.WriteNull("time");
            writer.WriteNull("time_utc");
            warnings.Add($"{where}invalid_time: BCD time {l.Time} is not a valid date; use the receive time");
        }

        if (l.LatitudeRaw > 90_000_000)
        {
            warnings.Add($"{where}latitude {l.LatitudeRaw / 1e6:0.######} is outside [-90, 90]");
        }

        if (l.LongitudeRaw > 180_000_000)
        {
            warnings.Add($"{where}longitude {l.LongitudeRaw / 1e6:0.######} is outside [-180, 180]");
        }

        writer.WriteStartArray("additional");
        foreach (var item in l.Items)
        {
            WriteItem(writer, item, version, warnings, where);
        }

        writer.WriteEndArray();
        if (l.HasItemOverrun)
        {
            writer.WriteString("trailing_hex", Convert.ToHexStringLower(l.TrailingBytes.Span));
            warnings.Add($"{where}item_overrun: {l.TrailingBytes.Length} bytes after the last whole additional item");
        }
    }

    private static void WriteItem(Utf8JsonWriter writer, in Jt808AdditionalItem item, Jt808Version version, List<string> warnings, string where)
    {
        writer.WriteStartObject();
        writer.WriteString("id", Hex8(item.Id));
        writer.WriteNumber("length", item.Length);
        writer.WriteString("hex", Convert.ToHexStringLower(item.Span));
        var name = Jt808Items.NameOf(item.Id, version);
        if (name is null)
        {
            writer.WriteString("name", "unknown");
            if (version == Jt808Version.V2013 && item.Id is >= 0x05 and <= 0x10)
            {
                writer.WriteString(
                    "note",
                    "0x05-0x10 are reserved in 2013 (0x05 tire pressure / 0x06 compartment temperature only exist in 2019)");
            }

            writer.WriteEndObject();
            return;
        }

        writer.WriteString("name", name);
        if (!Jt808Items.IsStandard(item, version))
        {
            writer.WriteString("note", $"length {item.Length} is not the standard length of this item; kept as hex");
            writer.WriteEndObject();
            return;
        }

        var span = item.Span;
        switch (item.Id)
        {
            case Jt808Items.Mileage:
                writer.WriteNumber("value", BinaryPrimitives.ReadUInt32BigEndian(span) / 10.0);
                writer.WriteString("unit", "km");
                break;
            case Jt808Items.Fuel:
                writer.WriteNumber("value", BinaryPrimitives.ReadUInt16BigEndian(span) / 10.0);
                writer.WriteString("unit", "L");
                break;
            case Jt808Items.TachographSpeed:
                writer.WriteNumber("value", BinaryPrimitives.ReadUInt16BigEndian(span) / 10.0);
                writer.WriteString("unit", "km/h");
                break;
            case Jt808Items.AlarmEventId:
                writer.WriteNumber("value", BinaryPrimitives.ReadUInt16BigEndian(span));
                break;
            case Jt808Items.TirePressure:
                writer.WriteStartArray("value");
                foreach (var b in span)
                {
                    writer.WriteNumberValue(b);
                }

                writer.WriteEndArray();
                break;
            case Jt808Items.CompartmentTemperature:
                writer.WriteNumber("value", Jt808Items.ReadSignMagnitude16(item)!.Value);
                writer.WriteString("unit", "degC");
                break;
            case Jt808Items.OverspeedInfo:
                {
                    var (type, id) = Jt808Items.ReadOverspeed(item)!.Value;
                    writer.WriteStartObject("value");
                    writer.WriteNumber("location_type", type);
                    if (id is { } areaId)
                    {
                        writer.WriteNumber("area_or_route_id", areaId);
                    }

                    writer.WriteEndObject();
                    CheckLocationType(type, item.Id, warnings, where);
                    break;
                }

            case Jt808Items.AreaRouteInOutInfo:
                {
                    var (type, id, direction) = Jt808Items.ReadAreaRouteInOut(item)!.Value;
                    writer.WriteStartObject("value");
                    writer.WriteNumber("location_type", type);
                    writer.WriteNumber("area_or_route_id", id);
                    writer.WriteNumber("direction", direction);
                    writer.WriteEndObject();
                    CheckLocationType(type, item.Id, warnings, where);
                    break;
                }

            case Jt808Items.RouteTimeInfo:
                {
                    var (route, seconds, result) = Jt808Items.ReadRouteTime(item)!.Value;
                    writer.WriteStartObject("value");
                    writer.WriteNumber("route_id", route);
                    writer.WriteNumber("drive_time_s", seconds);
                    writer.WriteNumber("result", result);
                    writer.WriteEndObject();
                    break;
                }

            case Jt808Items.ExtendedVehicleSignals:
                {
                    var raw = BinaryPrimitives.ReadUInt32BigEndian(span);
                    writer.WriteStartObject("value");
                    writer.WriteString("raw", Hex32(raw));
                    WriteBits(writer, raw, 32, Jt808BitNames.ExtendedSignal);
                    writer.WriteEndObject();
                    break;
                }

            case Jt808Items.IoStatus:
                {
                    var raw = BinaryPrimitives.ReadUInt16BigEndian(span);
                    writer.WriteStartObject("value");
                    writer.WriteString("raw", Hex16(raw));
                    WriteBits(writer, raw, 16, Jt808BitNames.IoStatus);
                    writer.WriteEndObject();
                    break;
                }

            case Jt808Items.Analog:
                {
                    var raw = BinaryPrimitives.ReadUInt32BigEndian(span);
                    writer.WriteStartObject("value");
                    writer.WriteNumber("ad0", raw & 0xFFFF);
                    writer.WriteNumber("ad1", raw >> 16);
                    writer.WriteEndObject();
                    break;
                }

            case Jt808Items.SignalStrength:
            case Jt808Items.GnssSatellites:
                writer.WriteNumber("value", span[0]);
                break;
        }

        writer.WriteEndObject();
    }

    private static void CheckLocationType(byte type, byte id, List<string> warnings, string where)
    {
        if (type > 4)
        {
            warnings.Add($"{where}item {Hex8(id)} location_type {type} is outside the defined 0..4 range");
        }
    }

    private static void WriteBits(Utf8JsonWriter writer, uint value, int width, Func<int, string> name)
    {
        writer.WriteStartArray("bits");
        for (var bit = 0; bit < width; bit++)
        {
            if ((value & (1u << bit)) != 0)
            {
                writer.WriteStartObject();
                writer.WriteNumber("bit", bit);
                writer.WriteString("name", name(bit));
                writer.WriteEndObject();
            }
        }

        writer.WriteEndArray();
    }

    private static string Hex8(byte value) => "0x" + value.ToString("X2", CultureInfo.InvariantCulture);

    private static string Hex16(uint value) => "0x" + value.ToString("X4", CultureInfo.InvariantCulture);

    private static string Hex32(uint value) => "0x" + value.ToString("X8", CultureInfo.InvariantCulture);

    private static string Hex32Short(uint value) => "0x" + value.ToString(value > 0xFFFF ? "X8" : "X4", CultureInfo.InvariantCulture);
}
