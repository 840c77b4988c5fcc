using System.Security.Cryptography;
using System.Text.Json;

namespace NevHub.Cli.Tests;

public class VectorTests
{
    [Fact]
    public void Both_vector_sets_are_found()
    {
        Assert.Equal(30, Vectors.All.Count(v => v.Protocol == "gbt32960"));
        Assert.Equal(30, Vectors.All.Count(v => v.Protocol == "jt808"));
    }

    [Theory]
    [MemberData(nameof(Vectors.AllNames), MemberType = typeof(Vectors))]
    public void Every_vector_decodes_to_the_expected_object_or_error_kind(string name)
    {
        var vector = Vectors.Named(name);

        // --strict: the invalid JT/T 808 vectors describe a strict decoder (the default parses a stray version flag as 2013).
        var result = Decode.Args([vector.Hex], strict: true);

        var obj = Assert.Single(result.Objects);
        Assert.Equal(1, obj.GetProperty("line").GetInt32());
        Assert.Equal(vector.Protocol, obj.GetProperty("protocol").GetString());
        Assert.Equal(vector.ErrorKind, Decode.ErrorKind(obj));
        Assert.Equal(vector.Valid ? 0 : 1, result.ExitCode);
        if (vector.Valid && vector.Protocol == "gbt32960")
        {
            var expect = vector.Entry["expect"]!;
            Assert.Equal(expect["vin"]!.GetValue<string>(), obj.GetProperty("vin").GetString());
            Assert.Equal(expect["command"]!.GetValue<string>(), obj.GetProperty("command").GetString());
            Assert.Equal(expect["timestamp"]?.GetValue<string>(), obj.GetProperty("timestamp").GetString());
        }
        else if (vector.Valid)
        {
            var header = vector.Entry["expect"]!["header"]!;
            Assert.Equal(header["msg_id"]!.GetValue<string>(), obj.GetProperty("header").GetProperty("msg_id").GetString());
            Assert.Equal(header["serial"]!.GetValue<int>(), obj.GetProperty("header").GetProperty("serial").GetInt32());
        }
    }

    [Fact]
    public void All_vectors_on_stdin_give_one_object_per_frame_plus_the_reassembled_message_and_exit_code_1()
    {
        var input = string.Join('\n', Vectors.All.Select(v => v.Hex)) + "\n";
        var result = Decode.Stdin(input, strict: true);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(Vectors.All.Count + 1, result.Objects.Count);
        var frames = result.Objects.Where(o => !o.TryGetProperty("reassembled", out _)).ToList();
        for (var i = 0; i < Vectors.All.Count; i++)
        {
            Assert.Equal(i + 1, frames[i].GetProperty("line").GetInt32());
            Assert.Equal(Vectors.All[i].ErrorKind, Decode.ErrorKind(frames[i]));
        }

        Assert.Equal(Vectors.All.Count(v => !v.Valid), result.Objects.Count(o => Decode.ErrorKind(o) is not null));
    }

    [Fact]
    public void Subpackaged_vectors_are_reassembled_into_the_expected_body()
    {
        var part1 = Vectors.Named("subpackage_1205_part1_of_2");
        var part2 = Vectors.Named("subpackage_1205_part2_of_2");
        var expected = part2.Entry["expect"]!["reassembly"]!;

        var result = Decode.Stdin($"{part1.Hex}\n{part2.Hex}\n");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(3, result.Objects.Count);
        var whole = result.Objects[2];
        Assert.Equal(2, whole.GetProperty("line").GetInt32());
        Assert.Equal("jt808", whole.GetProperty("protocol").GetString());
        Assert.False(whole.TryGetProperty("frame", out _));
        var reassembled = whole.GetProperty("reassembled");
        Assert.Equal(2, reassembled.GetProperty("package_total").GetInt32());
        Assert.Equal(235, reassembled.GetProperty("original_serial").GetInt32());
        Assert.Equal(expected["body_length"]!.GetValue<int>(), reassembled.GetProperty("body_length").GetInt32());
        Assert.Equal("0x1205", whole.GetProperty("header").GetProperty("msg_id").GetString());
        Assert.False(whole.GetProperty("header").GetProperty("subpackaged").GetBoolean());
        var body = Convert.FromHexString(whole.GetProperty("body").GetProperty("hex").GetString()!);
        Assert.Equal(expected["body_sha256"]!.GetValue<string>(), Convert.ToHexStringLower(SHA256.HashData(body)));
    }

    [Fact]
    public void Both_packages_on_one_line_are_three_objects_for_that_line()
    {
        var line = Vectors.Named("subpackage_1205_part2_of_2").Hex + Vectors.Named("subpackage_1205_part1_of_2").Hex;

        var result = Decode.Args([line]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(3, result.Objects.Count);
        Assert.All(result.Objects, o => Assert.Equal(1, o.GetProperty("line").GetInt32()));
        Assert.Equal(2, result.Objects[0].GetProperty("header").GetProperty("package_index").GetInt32());
        Assert.Equal(1, result.Objects[1].GetProperty("header").GetProperty("package_index").GetInt32());
        Assert.Equal(986, result.Objects[2].GetProperty("reassembled").GetProperty("body_length").GetInt32());
    }

    [Fact]
    public void A_lone_package_is_printed_without_a_reassembled_message()
    {
        var result = Decode.Args([Vectors.Named("subpackage_1205_part1_of_2").Hex]);

        Assert.Equal(0, result.ExitCode);
        Assert.Single(result.Objects);
    }

    [Fact]
    public void Several_jt808_frames_on_one_line_each_get_an_object()
    {
        var names = new[] { "heartbeat_2013_escaped_checksum", "logout_2013", "location_2013_sos_west" };
        var line = string.Concat(names.Select(n => Vectors.Named(n).Hex));

        var result = Decode.Args([line]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["0x0002", "0x0003", "0x0200"], result.Objects.Select(o => o.GetProperty("header").GetProperty("msg_id").GetString()));
    }

    [Fact]
    public void A_bad_frame_after_a_good_one_on_the_same_line_ends_that_line()
    {
        var line = Vectors.Named("logout_2013").Hex + Vectors.Named("invalid_bad_escape_7d03").Hex + Vectors.Named("logout_2013").Hex;

        var result = Decode.Args([line]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(2, result.Objects.Count);
        Assert.Null(Decode.ErrorKind(result.Objects[0]));
        Assert.Equal("bad_escape", Decode.ErrorKind(result.Objects[1]));
    }

    [Fact]
    public void Version_flag_on_a_2013_header_decodes_with_a_warning_by_default_and_fails_with_strict()
    {
        var hex = Vectors.Named("invalid_version_flag_with_2013_header").Hex;

        var lenient = Decode.Args([hex]);
        var strict = Decode.Args([hex], strict: true);

        Assert.Equal(0, lenient.ExitCode);
        var warning = Assert.Single(lenient.Objects).GetProperty("warnings")[0].GetString();
        Assert.StartsWith("version_flag_mismatch", warning, StringComparison.Ordinal);
        Assert.Equal(1, strict.ExitCode);
        Assert.Equal("length_mismatch", Decode.ErrorKind(Assert.Single(strict.Objects)));
    }

    [Fact]
    public void Gbt32960_values_are_engineering_units_sentinels_and_offset_times()
    {
        var allFf = Decode.Args([Vectors.Named("realtime_2016_vehicle_all_ff").Hex]).Objects[0];
        var full = Decode.Args([Vectors.Named("realtime_2016_all_blocks_custom80").Hex]).Objects[0];

        var vehicle = allFf.GetProperty("blocks").EnumerateArray().First(b => b.GetProperty("type").GetString() == "vehicle");
        Assert.Equal("invalid", vehicle.GetProperty("speed_kmh").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$", full.GetProperty("timestamp").GetString());
        var fullVehicle = full.GetProperty("blocks").EnumerateArray().First(b => b.GetProperty("type").GetString() == "vehicle");
        Assert.Equal(JsonValueKind.Number, fullVehicle.GetProperty("voltage_v").ValueKind);
    }
}
