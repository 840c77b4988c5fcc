using System.Text.Json;

namespace NevHub.Protocols.Gbt32960.Tests;

public class AcknowledgementTests
{
    private readonly Gbt32960Framer _framer = new();
    private readonly Gbt32960Decoder _decoder = new();

    [Fact]
    public void The_answer_to_a_logout_is_the_time_only_vector_byte_for_byte()
    {
        var request = _framer.ReadFrame(Vectors.Named("logout_2016").Bytes);
        var expected = Vectors.Named("logout_2016_ack_time_only").Bytes;
        Assert.Equal(expected, Gbt32960Encoder.Encode(Gbt32960Acknowledgement.For(request, Gbt32960ResponseFlag.Success)));
        Assert.Equal(expected, Gbt32960Encoder.Encode(Gbt32960Acknowledgement.For(_decoder.Decode(request), Gbt32960ResponseFlag.Success)));
        var buffer = new byte[Gbt32960Acknowledgement.MaxAnswerSize];
        var n = Gbt32960Acknowledgement.Write(request, Gbt32960ResponseFlag.Success, buffer);
        Assert.Equal(expected, buffer[..n]);
    }

    [Fact]
    public void The_answer_to_a_heartbeat_is_the_empty_vector_byte_for_byte()
    {
        var request = _framer.ReadFrame(Vectors.Named("heartbeat_2016").Bytes);
        var expected = Vectors.Named("heartbeat_2016_ack_empty").Bytes;
        Assert.Equal(expected, Gbt32960Encoder.Encode(Gbt32960Acknowledgement.For(request, Gbt32960ResponseFlag.Success)));
        var buffer = new byte[Gbt32960Acknowledgement.MaxAnswerSize];
        Assert.Equal(expected, buffer[..Gbt32960Acknowledgement.Write(request, Gbt32960ResponseFlag.Success, buffer)]);
    }

    [Fact]
    public void The_answer_to_a_time_sync_carries_the_platform_time()
    {
        var request = _framer.ReadFrame(Vectors.Named("time_sync_2016_request").Bytes);
        var now = new DateTimeOffset(2026, 11, 22, 3, 4, 5, TimeSpan.Zero);
        var answer = Gbt32960Acknowledgement.For(request, Gbt32960ResponseFlag.Success, now);
        var decoded = _decoder.DecodeFrame(Gbt32960Encoder.Encode(answer));
        Assert.Equal(Gbt32960ResponseFlag.Success, decoded.ResponseFlag);
        Assert.Equal(now, Assert.IsType<AcknowledgementBody>(decoded.Body).Time);
        Assert.Equal(TimeSpan.FromHours(8), ((AcknowledgementBody)decoded.Body).Time!.Value.Offset);
    }

    [Fact]
    public void Writing_an_answer_to_a_framed_request_allocates_nothing()
    {
        var request = _framer.ReadFrame(Vectors.Named("login_2016_two_pack_codes").Bytes);
        var buffer = new byte[Gbt32960Acknowledgement.MaxAnswerSize];
        Gbt32960Acknowledgement.Write(request, Gbt32960ResponseFlag.Success, buffer);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            Gbt32960Acknowledgement.Write(request, Gbt32960ResponseFlag.VinDuplicate, buffer);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        var answer = _decoder.DecodeFrame(buffer);
        Assert.Equal(Gbt32960ResponseFlag.VinDuplicate, answer.ResponseFlag);
        Assert.Equal(new DateTimeOffset(2018, 6, 5, 11, 44, 29, TimeSpan.FromHours(8)), answer.Body.Timestamp);
    }

    [Theory]
    [InlineData("realtime_2016_all_blocks_custom80", false)]
    [InlineData("reissue_2016_156_cells", false)]
    [InlineData("login_2016_two_pack_codes", true)]
    [InlineData("heartbeat_2016", true)]
    [InlineData("heartbeat_2016_ack_empty", false)]
    [InlineData("activation_response_2025", false)]
    [InlineData("activation_2025", true)]
    public void Only_commands_other_than_reports_need_an_answer_by_default(string name, bool expected)
    {
        var frame = _framer.ReadFrame(Vectors.Named(name).Bytes);
        Assert.Equal(expected, Gbt32960Acknowledgement.RequiresAnswer(frame));
    }

    [Fact]
    public void Echoed_body_answers_are_accepted_when_receiving()
    {
        var set = Frames.V2016(0x81, Frames.Time + "02 09 1e 0a 003c", flag: 0x01);
        var ack = Assert.IsType<AcknowledgementBody>(_decoder.DecodeFrame(set).Body);
        Assert.Equal(new DateTimeOffset(2024, 5, 14, 18, 18, 19, TimeSpan.FromHours(8)), ack.Time);
        Assert.Equal(Convert.FromHexString("02091e0a003c"), ack.Echo);
    }

    [Fact]
    public void A_query_answer_carries_the_parameter_list_with_edition_widths()
    {
        var query = Gbt32960Message.Create(
            Gbt32960Version.V2025,
            Gbt32960Command.QueryParameters,
            Frames.Vin,
            new ParameterQueryBody { Time = DateTimeOffset.Now, Ids = new byte[] { 0x02, 0x04, 0x05 } });
        var answer = Gbt32960Acknowledgement.QueryAnswer(
            query,
            new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(8)),
            Gbt32960Parameter.Numeric(0x02, 10),
            Gbt32960Parameter.Numeric(0x04, 15),
            Gbt32960Parameter.String(0x05, "nev.example.com"));
        var bytes = Gbt32960Encoder.Encode(answer);
        Assert.Equal("1A0102030405" + "03" + "020A" + "040F" + "05" + Convert.ToHexString("nev.example.com"u8), Convert.ToHexString(bytes, 24, bytes.Length - 25));
        var list = Assert.IsType<ParameterListBody>(_decoder.DecodeFrame(bytes).Body);
        Assert.Equal("nev.example.com", list.Parameters.Items[2].Text);

        using var doc = JsonDocument.Parse(Gbt32960Json.Render(_decoder.DecodeFrame(bytes)));
        var p = doc.RootElement.GetProperty("body").GetProperty("params");
        Assert.Equal("report_period_s", p[0].GetProperty("name").GetString());
        Assert.Equal("nev.example.com", p[2].GetProperty("value").GetString());
    }
}
