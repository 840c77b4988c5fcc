using System.Text.Json.Nodes;

namespace NevHub.Protocols.Jt808.Tests;

public class JsonRendererTests
{
    private static readonly Jt808Phone Phone = Jt808Phone.Parse("013800000000");

    private static JsonObject Render(Jt808Header header, Jt808Body body)
    {
        var frame = Helpers.ReadOne(Jt808Encoder.Encode(header, body));
        return JsonNode.Parse(Jt808JsonRenderer.Render(frame, Jt808Decoder.Default.Decode(frame)))!.AsObject();
    }

    [Fact]
    public void Transparent_uplink_keeps_its_payload_as_hex_tagged_by_type()
    {
        var json = Render(Jt808Header.Create2013(0, Phone, 3), new Jt808TransparentData(0x41, new byte[] { 0x01, 0x7E, 0xFF }));
        Assert.Equal("0x0900", json["header"]!["msg_id"]!.GetValue<string>());
        Assert.Equal(0x41, json["body"]!["type"]!.GetValue<int>());
        Assert.Equal("serial_port_1", json["body"]!["type_name"]!.GetValue<string>());
        Assert.Equal("017eff", json["body"]!["payload_hex"]!.GetValue<string>());
        Assert.NotNull(json["frame"]!["unescaped_hex"]);
    }

    [Fact]
    public void Query_parameters_lists_its_ids()
    {
        var json = Render(Jt808Header.Create2019(0, Phone, 3), new Jt808QueryParameters([0x0001, 0x0013, 0xF0000001]));
        Assert.Equal(3, json["body"]!["count"]!.GetValue<int>());
        Assert.Equal(["0x0001", "0x0013", "0xF0000001"], json["body"]!["ids"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(1, json["header"]!["protocol_version"]!.GetValue<int>());
    }

    [Fact]
    public void A_2019_text_message_shows_its_type_and_gbk_text()
    {
        var json = Render(Jt808Header.Create2019(0, Phone, 3), Jt808TextMessage.Create("前方拥堵", textType: 2));
        Assert.Equal(12, json["body"]!["flags"]!.GetValue<int>());
        Assert.Equal(2, json["body"]!["text_type"]!.GetValue<int>());
        Assert.Equal("前方拥堵", json["body"]!["text"]!.GetValue<string>());
    }

    [Fact]
    public void Location_query_response_puts_the_reply_serial_before_the_location()
    {
        var location = Jt808Location.Create(-29.56, -106.55, new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.FromHours(8)));
        var json = Render(Jt808Header.Create2013(0, Phone, 3), new Jt808LocationQueryResponse(99, location));
        var body = json["body"]!.AsObject();
        Assert.Equal("reply_serial", body.First().Key);
        Assert.Equal(-29.56, body["latitude"]!.GetValue<double>(), 6);
        Assert.Equal(-106.55, body["longitude"]!.GetValue<double>(), 6);
        Assert.Equal("2026-03-01T08:00:00+08:00", body["time"]!.GetValue<string>());
        Assert.Equal("2026-03-01T00:00:00Z", body["time_utc"]!.GetValue<string>());
    }

    [Fact]
    public void Alarm_bits_are_named_by_header_version()
    {
        var location = Jt808Location.Create(1, 1, new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.FromHours(8)), alarm: 0xE0038000);
        string[] Names(Jt808Header header) =>
            Render(header, new Jt808LocationReport(location))["body"]!["alarm"]!["bits"]!.AsArray().Select(b => b!["name"]!.GetValue<string>()).ToArray();

        Assert.Equal(
            ["reserved_bit15", "reserved_bit16", "reserved_bit17", "collision_warning", "rollover_warning", "illegal_door_open"],
            Names(Jt808Header.Create2013(0, Phone, 1)));
        Assert.Equal(
            ["illegal_driving_period", "tire_pressure_warning", "right_turn_blind_zone_alarm", "collision_alarm", "rollover_alarm", "reserved_bit31"],
            Names(Jt808Header.Create2019(0, Phone, 1)));
    }

    [Fact]
    public void A_configured_device_offset_changes_the_local_time_not_the_bcd()
    {
        var location = Jt808Location.Create(1, 1, new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.FromHours(8)));
        var frame = Helpers.ReadOne(Jt808Encoder.Encode(Jt808Header.Create2013(0, Phone, 1), new Jt808LocationReport(location)));
        var utc = new Jt808CodecOptions { DeviceTimeOffset = TimeSpan.Zero };
        var json = JsonNode.Parse(Jt808JsonRenderer.Render(frame, Jt808Decoder.Default.Decode(frame), utc))!;
        Assert.Equal("2026-03-01T08:00:00+00:00", json["body"]!["time"]!.GetValue<string>());
        Assert.Equal("2026-03-01T08:00:00Z", json["body"]!["time_utc"]!.GetValue<string>());
    }

    [Fact]
    public void An_error_renders_its_reason_and_offset()
    {
        var error = Helpers.ReadFails(Vectors.Named("invalid_bad_escape_7d03").Bytes);
        var json = JsonNode.Parse(Jt808JsonRenderer.RenderError(error))!;
        Assert.Equal("bad_escape", json["error"]!.GetValue<string>());
        Assert.Equal(13, json["offset_of_0x7D"]!.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(json["detail"]!.GetValue<string>()));
    }

    [Fact]
    public void A_body_error_keeps_the_frame_and_header_in_the_json()
    {
        var frame = Helpers.ReadOne(Jt808Encoder.EncodeFrame(Jt808Header.Create2013(0x0001, Phone, 5), new byte[] { 0x00, 0x01 }));
        var error = Assert.Throws<Jt808FormatException>(() => Jt808Decoder.Default.Decode(frame));
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            Jt808JsonRenderer.WriteError(writer, error, frame);
        }

        var json = JsonNode.Parse(buffer.WrittenSpan)!;
        Assert.Equal("invalid_body", json["error"]!.GetValue<string>());
        Assert.Equal("0x0001", json["header"]!["msg_id"]!.GetValue<string>());
        Assert.Equal(5, json["header"]!["serial"]!.GetValue<int>());
        Assert.Equal("0001", json["body_hex"]!.GetValue<string>());
    }
}
