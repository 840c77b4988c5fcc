using System.Buffers;

namespace NevHub.Protocols.Jt808.Tests;

public class BadFrameTests
{
    private static readonly Jt808Phone Phone = Jt808Phone.Parse("013912345678");

    public static TheoryData<string, string, Jt808FormatError> FramingCases => new()
    {
        { "garbage before the flag", "00 7E 00 02 00 00 01 39 12 34 56 78 00 01 ?? 7E", Jt808FormatError.BytesBeforeStart },
        { "text before the flag", "41 54 0D 0A", Jt808FormatError.BytesBeforeStart },
        { "empty frame", "7E 7E", Jt808FormatError.EmptyFrame },
        { "7D 03 escape", "7E 00 02 00 00 04 00 21 67 92 87 00 2B 7D 03 7E", Jt808FormatError.BadEscape },
        { "7D 00 escape", "7E 00 02 00 00 7D 00 21 67 92 87 00 2B 7E 7E", Jt808FormatError.BadEscape },
        { "7D just before the closing flag", "7E 00 02 00 00 04 00 21 67 92 87 00 2B 7D 7E", Jt808FormatError.BadEscape },
        { "one content byte", "7E 00 7E", Jt808FormatError.FrameTooShort },
        { "header without checksum", "7E 00 02 00 00 01 39 12 34 56 78 00 01 7E", Jt808FormatError.FrameTooShort },
        { "declared body missing", "7E 00 02 00 05 01 39 12 34 56 78 00 01 ?? 7E", Jt808FormatError.LengthMismatch },
        { "extra body byte", "7E 00 02 00 00 01 39 12 34 56 78 00 01 FF ?? 7E", Jt808FormatError.LengthMismatch },
        { "2019 flag on a frame fitting neither header", "7E 00 02 40 00 01 39 12 34 56 78 00 01 00 ?? 7E", Jt808FormatError.LengthMismatch },
        { "subpackage flag without package fields", "7E 00 02 20 00 01 39 12 34 56 78 00 01 ?? 7E", Jt808FormatError.LengthMismatch },
        { "wrong checksum", "7E 00 02 00 00 01 39 12 34 56 78 00 01 00 7E", Jt808FormatError.ChecksumMismatch },
        { "raw 7E inside then garbage", "7E 00 02 00 02 01 39 12 34 56 78 00 01 7E 41 42 7E", Jt808FormatError.UnescapedDelimiter },
    };

    [Theory]
    [MemberData(nameof(FramingCases))]
    public void Malformed_frame_is_rejected_with_its_reason(string description, string hex, Jt808FormatError reason)
    {
        Assert.NotEmpty(description);
        var bytes = WithChecksum(hex);
        var framer = new Jt808Framer();
        var buffer = new ReadOnlySequence<byte>(bytes);
        var error = Assert.Throws<Jt808FormatException>(() => framer.TryRead(ref buffer, out _));
        Assert.Equal(reason, error.Reason);
    }

    [Fact]
    public void A_frame_longer_than_the_cap_is_rejected_before_its_closing_flag_arrives()
    {
        var bytes = new byte[2 + (Jt808CodecOptions.MaxLegalFrameLength * 2)];
        bytes[0] = 0x7E;
        var framer = new Jt808Framer();
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.Equal(Jt808FormatError.FrameTooLarge, Assert.Throws<Jt808FormatException>(() => framer.TryRead(ref buffer, out _)).Reason);

        // One byte less could still be a legal (fully escaped) frame: wait.
        var shorter = new ReadOnlySequence<byte>(bytes.AsMemory(0, bytes.Length - 1));
        Assert.False(framer.TryRead(ref shorter, out _));
    }

    [Fact]
    public void A_frame_whose_unescaped_size_exceeds_the_cap_is_rejected()
    {
        var bytes = new byte[2 + Jt808CodecOptions.MaxLegalFrameLength + 1];
        bytes[0] = 0x7E;
        bytes[^1] = 0x7E;
        Assert.Equal(Jt808FormatError.FrameTooLarge, Helpers.ReadFails(bytes).Reason);
    }

    [Fact]
    public void A_smaller_configured_cap_is_enforced()
    {
        var wire = Vectors.Named("location_2019_all_standard_items").Bytes;
        var error = Helpers.ReadFails(wire, new Jt808CodecOptions { MaxFrameLength = 64 });
        Assert.Equal(Jt808FormatError.FrameTooLarge, error.Reason);
    }

    [Fact]
    public void Bytes_after_a_complete_frame_are_reported_on_the_next_read()
    {
        var wire = Vectors.Named("logout_2013").Bytes.Concat(new byte[] { 0x41, 0x42 }).ToArray();
        var framer = new Jt808Framer();
        var buffer = new ReadOnlySequence<byte>(wire);
        Assert.True(framer.TryRead(ref buffer, out _));
        Assert.Equal(Jt808FormatError.BytesBeforeStart, Assert.Throws<Jt808FormatException>(() => framer.TryRead(ref buffer, out _)).Reason);
    }

    public static TheoryData<string, ushort, string, Jt808Version> BodyCases => new()
    {
        { "0x0001 one byte short", 0x0001, "0001 0002 ", Jt808Version.V2013 },
        { "0x8001 one byte long", 0x8001, "0001 0002 00 00", Jt808Version.V2013 },
        { "0x0003 with a body", 0x0003, "00", Jt808Version.V2013 },
        { "0x0100 shorter than the 2011 layout", 0x0100, "0000 0000 3730313131", Jt808Version.V2013 },
        { "0x0100 2019 layout cut short", 0x0100, "0000 0000 " + new string('0', 100), Jt808Version.V2019 },
        { "0x8100 without result", 0x8100, "0001", Jt808Version.V2013 },
        { "0x0102 2019 code length past the body", 0x0102, "20 414243", Jt808Version.V2019 },
        { "0x0102 2019 without IMEI", 0x0102, "03 414243", Jt808Version.V2019 },
        { "0x0200 basic block cut short", 0x0200, new string('0', 54), Jt808Version.V2013 },
        { "0x0201 without location", 0x0201, "0001", Jt808Version.V2013 },
        { "0x0704 count larger than the records", 0x0704, "0005 00 001C " + new string('0', 56), Jt808Version.V2013 },
        { "0x0704 record length past the body", 0x0704, "0001 00 0040 " + new string('0', 56), Jt808Version.V2013 },
        { "0x0704 bytes after the records", 0x0704, "0001 00 001C " + new string('0', 56) + "FF", Jt808Version.V2013 },
        { "0x0704 record too short for a location", 0x0704, "0001 00 0002 0000", Jt808Version.V2013 },
        { "0x0900 without type", 0x0900, "", Jt808Version.V2013 },
        { "0x8103 count 2 with one item", 0x8103, "02 00000001 04 0000003C", Jt808Version.V2013 },
        { "0x8103 item length past the body", 0x8103, "01 00000001 08 0000003C", Jt808Version.V2013 },
        { "0x0104 without count", 0x0104, "0001", Jt808Version.V2013 },
        { "0x8106 count larger than the ids", 0x8106, "03 00000001", Jt808Version.V2013 },
        { "0x8300 2019 without type", 0x8300, "0C", Jt808Version.V2019 },
        { "0x8300 without flag", 0x8300, "", Jt808Version.V2013 },
    };

    [Theory]
    [MemberData(nameof(BodyCases))]
    public void Malformed_body_is_rejected_as_invalid_body(string description, ushort id, string bodyHex, Jt808Version version)
    {
        Assert.NotEmpty(description);
        var header = version == Jt808Version.V2019 ? Jt808Header.Create2019(id, Phone, 1) : Jt808Header.Create2013(id, Phone, 1);
        var wire = Jt808Encoder.EncodeFrame(header, Helpers.Hex(bodyHex));
        var frame = Helpers.ReadOne(wire);
        var error = Assert.Throws<Jt808FormatException>(() => Jt808Decoder.Default.Decode(frame));
        Assert.Equal(Jt808FormatError.InvalidBody, error.Reason);
    }

    [Fact]
    public void An_item_running_past_the_body_keeps_the_basic_block_and_earlier_items()
    {
        var location = Jt808Location.Create(29.56, 106.55, new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.FromHours(8)),
            items: [Jt808Items.Byte(Jt808Items.SignalStrength, 20)]);
        var body = Jt808Encoder.EncodeBody(new Jt808LocationReport(location), Jt808Version.V2013).Concat(new byte[] { 0xE1, 0x09, 0x01 }).ToArray();
        var wire = Jt808Encoder.EncodeFrame(Jt808Header.Create2013(0x0200, Phone, 7), body);
        var frame = Helpers.ReadOne(wire);
        var message = Jt808Decoder.Default.Decode(frame);
        var decoded = Assert.IsType<Jt808LocationReport>(message.Body).Location;
        Assert.True(decoded.HasItemOverrun);
        Assert.Equal((byte)20, decoded.SignalStrength);
        Assert.Equal(new byte[] { 0xE1, 0x09, 0x01 }, decoded.TrailingBytes.ToArray());
        Assert.Contains("item_overrun", Jt808JsonRenderer.Render(frame, message), StringComparison.Ordinal);
        Assert.Equal(wire, Jt808Encoder.Encode(frame.Header, message.Body));
    }

    [Theory]
    [InlineData("000000000000")]
    [InlineData("2613010000FF")]
    [InlineData("26A301000000")]
    [InlineData("260230120000")]
    [InlineData("260101246000")]
    public void An_invalid_bcd_time_gives_a_null_time_and_a_warning(string bcd)
    {
        var location = new Jt808Location { LatitudeRaw = 1, LongitudeRaw = 1, Time = Jt808BcdTime.Read(Helpers.Hex(bcd)) };
        var wire = Jt808Encoder.Encode(Jt808Header.Create2013(0, Phone, 1), new Jt808LocationReport(location));
        var frame = Helpers.ReadOne(wire);
        var message = Jt808Decoder.Default.Decode(frame);
        Assert.Null(Assert.IsType<Jt808LocationReport>(message.Body).Location.GetTime(TimeSpan.FromHours(8)));
        var json = Jt808JsonRenderer.Render(frame, message);
        Assert.Contains("\"time\":null", json, StringComparison.Ordinal);
        Assert.Contains("invalid_time", json, StringComparison.Ordinal);
        Assert.Equal(wire, Jt808Encoder.Encode(frame.Header, message.Body));
    }

    /// <summary>Replaces a "??" placeholder with the XOR of the bytes between the opening flag and it.</summary>
    private static byte[] WithChecksum(string hex)
    {
        var tokens = hex.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var at = Array.IndexOf(tokens, "??");
        if (at < 0)
        {
            return Helpers.Hex(hex);
        }

        var start = Array.IndexOf(tokens, "7E") + 1;
        byte sum = 0;
        for (var i = start; i < at; i++)
        {
            sum ^= Convert.ToByte(tokens[i], 16);
        }

        tokens[at] = sum.ToString("X2");
        return Helpers.Hex(string.Concat(tokens));
    }
}
