using System.Text.Json;
using NevHub.Cli.Decode;

namespace NevHub.Cli.Tests;

public class OutputTests
{
    private static string Pretty(string input, bool color)
    {
        var output = new StringWriter();
        var tool = new FrameDecoderTool(output, new FrameDecoderOptions { Pretty = true, Color = color });
        tool.RunAsync(new StringReader(input)).GetAwaiter().GetResult();
        return output.ToString();
    }

    /// <summary>Splits pretty output into objects: each ends with a "}" line at column 0; each must parse on its own.</summary>
    private static List<JsonElement> ParseConcatenated(string text)
    {
        var list = new List<JsonElement>();
        var current = new System.Text.StringBuilder();
        foreach (var line in text.Split('\n'))
        {
            current.Append(line).Append('\n');
            if (line == "}")
            {
                using var document = JsonDocument.Parse(current.ToString());
                list.Add(document.RootElement.Clone());
                current.Clear();
            }
        }

        Assert.True(string.IsNullOrWhiteSpace(current.ToString()), "nothing follows the last object");
        return list;
    }

    [Fact]
    public void Pretty_output_is_valid_indented_json_with_the_same_content_as_json_lines()
    {
        var input = string.Join('\n', Vectors.All.Select(v => v.Hex)) + "\nnot hex\n";

        var compact = Decode.Stdin(input).Objects;
        var pretty = Pretty(input, color: false);
        var parsed = ParseConcatenated(pretty);

        Assert.DoesNotContain('\u001b', pretty);
        Assert.Contains("\n  \"line\": 1,\n", pretty, StringComparison.Ordinal);
        Assert.Equal(compact.Count, parsed.Count);
        for (var i = 0; i < compact.Count; i++)
        {
            Assert.True(JsonElement.DeepEquals(compact[i], parsed[i]), $"object {i} differs");
        }
    }

    [Fact]
    public void Pretty_packs_long_number_lists_into_rows_that_fit_120_columns()
    {
        var pretty = Pretty(Vectors.Named("reissue_2016_156_cells").Hex, color: false);

        Assert.All(pretty.Split('\n'), line => Assert.True(line.Length <= 120, line));
        Assert.True(pretty.Split('\n').Length < 156, "cell voltages are not one per line");
        Assert.Single(ParseConcatenated(pretty));
    }

    [Fact]
    public void Colours_mark_keys_strings_numbers_sentinels_and_errors_and_strip_to_the_plain_output()
    {
        var input = Vectors.Named("realtime_2016_vehicle_all_ff").Hex + "\n" + Vectors.Named("realtime_2025_bad_bcc").Hex + "\n";

        var plain = Pretty(input, color: false);
        var colored = Pretty(input, color: true);

        Assert.Equal(plain, Decode.StripAnsi(colored));
        Assert.Contains("\u001b[36m\"vin\"\u001b[0m", colored, StringComparison.Ordinal);
        Assert.Contains("\u001b[32m\"realtime_report\"\u001b[0m", colored, StringComparison.Ordinal);
        Assert.Contains("\u001b[33m2016\u001b[0m", colored, StringComparison.Ordinal);
        Assert.Contains("\u001b[1;35m\"invalid\"\u001b[0m", colored, StringComparison.Ordinal);
        Assert.Contains("\u001b[1;31m\"error\"\u001b[0m", colored, StringComparison.Ordinal);
        Assert.Contains("\u001b[1;31m\"bad_bcc\"\u001b[0m", colored, StringComparison.Ordinal);
    }

    [Fact]
    public void Times_and_chinese_text_are_not_escaped()
    {
        var output = Decode.Args([Vectors.Named("location_2013_sos_west").Hex, Vectors.Named("register_2013_hb_r03gbd").Hex]).Output;

        Assert.Contains("+08:00\"", output, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u002B", output, StringComparison.Ordinal);
        var plate = JsonDocument.Parse(output.Split('\n')[1]).RootElement.GetProperty("body").GetProperty("plate").GetString()!;
        Assert.Contains(plate, output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_envelope_keys_come_first_and_the_codec_keys_follow_unchanged()
    {
        var obj = Decode.Args([Vectors.Named("logout_2016").Hex]).Objects[0];

        Assert.Equal(["line", "protocol", "version", "command"], obj.EnumerateObject().Take(4).Select(p => p.Name));
    }
}
