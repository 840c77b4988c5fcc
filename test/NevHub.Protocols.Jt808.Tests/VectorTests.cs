using System.Buffers;
using System.Text.Json.Nodes;
using NevHub.Testing;

namespace NevHub.Protocols.Jt808.Tests;

public class VectorTests
{
    [Fact]
    public void Shared_vectors_are_found_and_counted()
    {
        Assert.True(Directory.Exists(SharedPaths.Vectors("jt808")));
        Assert.Equal(30, Vectors.All.Count);
        Assert.Equal(23, Vectors.Valid.Count());
    }

    [Theory]
    [MemberData(nameof(Vectors.ValidNames), MemberType = typeof(Vectors))]
    public void Valid_vector_renders_exactly_the_expected_json(string name)
    {
        var vector = Vectors.Named(name);
        var frame = Helpers.ReadOne(vector.Bytes);
        var message = Jt808Decoder.Default.Decode(frame);
        var actual = JsonNode.Parse(Jt808JsonRenderer.Render(frame, message))!.AsObject();

        var expected = vector.Expect.DeepClone().AsObject();
        var expectWarnings = expected.Remove("warnings");
        expected.Remove("reassembly");
        var bodyBytes = expected["body_hex_length_bytes"]?.GetValue<int>();
        expected.Remove("body_hex_length_bytes");
        var actualWarnings = actual["warnings"]?.AsArray();
        actual.Remove("warnings");
        if (bodyBytes is { } n)
        {
            Assert.Equal(n, frame.Body.Length);
            actual.Remove("body");
        }

        var diffs = JsonCompare.Differences(expected, actual);
        Assert.True(diffs.Count == 0, string.Join(Environment.NewLine, diffs));
        Assert.Equal(expectWarnings, actualWarnings is not null && actualWarnings.Count > 0);
    }

    [Theory]
    [MemberData(nameof(Vectors.InvalidNames), MemberType = typeof(Vectors))]
    public void Invalid_vector_is_rejected_with_the_expected_reason(string name)
    {
        var vector = Vectors.Named(name);
        var reason = vector.Expect["error"]!.GetValue<string>();
        var framer = new Jt808Framer(Helpers.Strict);

        if (reason == "incomplete")
        {
            var buffer = new ReadOnlySequence<byte>(vector.Bytes);
            Assert.False(framer.TryRead(ref buffer, out _));
            Assert.Equal(vector.Bytes.Length, buffer.Length);
            var complete = Assert.Throws<Jt808FormatException>(() => framer.ReadComplete(vector.Bytes));
            Assert.Equal(Jt808FormatError.Incomplete, complete.Reason);
            return;
        }

        var error = Helpers.ReadFails(vector.Bytes, Helpers.Strict);
        Assert.Equal(reason, error.ReasonCode);
        var whole = Assert.Throws<Jt808FormatException>(() => framer.ReadComplete(vector.Bytes));
        Assert.Equal(reason, whole.ReasonCode);

        // Every offset, length and checksum the vector states must be reported identically.
        var rendered = JsonNode.Parse(Jt808JsonRenderer.RenderError(error))!.AsObject();
        foreach (var key in new[]
                 {
                     "offset_of_0x7D", "offset_of_0x7E", "declared_body_length", "actual_body_length", "checksum_in_frame",
                     "checksum_computed", "checksum_ok",
                 })
        {
            if (vector.Expect[key] is { } expected)
            {
                Assert.True(rendered.ContainsKey(key), $"{key} missing from {rendered.ToJsonString()}");
                Assert.Empty(JsonCompare.Differences(expected, rendered[key]));
            }
        }
    }

    [Fact]
    public void Raw_0x7E_vector_passes_once_correctly_escaped()
    {
        var vector = Vectors.Named("invalid_unescaped_7e_inside");
        var wire = Convert.FromHexString(vector.Expect["correctly_escaped_hex"]!.GetValue<string>());
        var frame = Helpers.ReadOne(wire);
        var report = Assert.IsType<Jt808LocationReport>(Jt808Decoder.Default.Decode(frame).Body);
        Assert.Contains(report.Location.Items, i => i.Id == 0x87 && i.Span.SequenceEqual(new byte[] { 0x00, 0x7E }));
        Assert.Equal(wire, Jt808Encoder.Encode(frame.Header, report));
    }

    [Fact]
    public void Version_flag_on_a_2013_header_parses_as_2013_by_default_with_a_warning()
    {
        var vector = Vectors.Named("invalid_version_flag_with_2013_header");
        var lenient = vector.Expect["lenient_2013_force"]!.AsObject();
        var frame = Helpers.ReadOne(vector.Bytes);
        Assert.True(frame.Header.VersionFlagMismatch);
        Assert.Equal(Jt808Version.V2013, frame.Header.Version);

        var message = Jt808Decoder.Default.Decode(frame);
        var actual = JsonNode.Parse(Jt808JsonRenderer.Render(frame, message))!.AsObject();
        var expectedHeader = lenient["header"]!.AsObject();
        Assert.Equal(expectedHeader["header_length"]!.GetValue<int>(), actual["frame"]!["header_length"]!.GetValue<int>());
        foreach (var key in new[] { "msg_id", "phone", "serial", "body_length" })
        {
            Assert.Empty(JsonCompare.Differences(expectedHeader[key], actual["header"]![key]));
        }

        var diffs = JsonCompare.Differences(lenient["body"], actual["body"]);
        Assert.True(diffs.Count == 0, string.Join(Environment.NewLine, diffs));
        Assert.Contains(actual["warnings"]!.AsArray(), w => w!.GetValue<string>().StartsWith("version_flag_mismatch", StringComparison.Ordinal));

        // Re-encoding keeps the device's quirk (bit 14 with a 2013 header): the frame is reproduced byte for byte.
        Assert.Equal(vector.Bytes, Jt808Encoder.Encode(frame.Header, message.Body));
    }

    [Fact]
    public void Location_vector_exposes_engineering_values()
    {
        var frame = Helpers.ReadOne(Vectors.Named("location_2013_ebike_main_voltage_0x61").Bytes);
        var location = Assert.IsType<Jt808LocationReport>(Jt808Decoder.Default.Decode(frame).Body).Location;
        Assert.Equal(30.636853, location.Latitude, 6);
        Assert.Equal(104.816201, location.Longitude, 6);
        Assert.Equal(33.0, location.SpeedKmh, 6);
        Assert.Equal(314.1, location.MileageKm!.Value, 6);
        Assert.Equal((byte)21, location.SignalStrength);
        Assert.Equal(new DateTimeOffset(2021, 9, 17, 9, 11, 26, TimeSpan.Zero), location.GetTime(TimeSpan.FromHours(8)));
        var vendor = location.Find(0x61)!.Value;
        Assert.Equal(new byte[] { 0x1D, 0x74 }, vendor.Value.ToArray());
    }
}
