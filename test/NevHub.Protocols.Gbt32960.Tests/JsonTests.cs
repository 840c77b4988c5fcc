using System.Text.Json;

namespace NevHub.Protocols.Gbt32960.Tests;

public class JsonTests
{
    [Fact]
    public void The_indented_option_renders_the_same_object_on_several_lines()
    {
        var v = Vectors.Named("realtime_2025_full_signed");
        var frame = new Gbt32960Framer().ReadFrame(v.Bytes);
        var message = new Gbt32960Decoder().Decode(frame);
        var compact = Gbt32960Json.Render(frame, message);
        var indented = Gbt32960Json.Render(frame, message, indented: true);
        Assert.DoesNotContain('\n', compact);
        Assert.Contains('\n', indented);
        Assert.Contains("+08:00", compact, StringComparison.Ordinal);
        using var a = JsonDocument.Parse(compact);
        using var b = JsonDocument.Parse(indented);
        JsonAssert.Contains(a.RootElement, b.RootElement);
    }

    [Fact]
    public void Full_cell_and_probe_lists_are_rendered_beyond_the_summary()
    {
        var v = Vectors.Named("realtime_2016_split_cells_extremes_over_250");
        using var doc = JsonDocument.Parse(Gbt32960Json.Render(new Gbt32960Decoder().DecodeFrame(v.Bytes)));
        var blocks = doc.RootElement.GetProperty("blocks");
        var cells = blocks[5].GetProperty("packs")[0].GetProperty("cells_v");
        Assert.Equal(184, cells.GetArrayLength());
        Assert.Equal(3.335, cells[183].GetDouble(), 6);
        Assert.Equal(72, blocks[6].GetProperty("packs")[0].GetProperty("probes_c").GetArrayLength());
    }

    [Fact]
    public void Garbage_is_rendered_as_an_error_object_without_a_header()
    {
        var bytes = Convert.FromHexString("41424344");
        var error = new Gbt32960FormatException(Gbt32960ErrorReason.GarbageBeforeStart, "4 bytes", 0, 4);
        using var doc = JsonDocument.Parse(Gbt32960Json.RenderError(bytes, error));
        Assert.Equal("garbage_before_start", doc.RootElement.GetProperty("error").GetProperty("kind").GetString());
        Assert.Equal(4, doc.RootElement.GetProperty("error").GetProperty("garbage_length").GetInt32());
        Assert.False(doc.RootElement.TryGetProperty("command", out _));
    }

    [Fact]
    public void Every_reason_has_a_distinct_snake_case_kind()
    {
        var kinds = Enum.GetValues<Gbt32960ErrorReason>().Select(Gbt32960FormatException.KindOf).ToList();
        Assert.Equal(kinds.Count, kinds.Distinct().Count());
        Assert.All(kinds, k => Assert.Matches("^[a-z_]+$", k));
        Assert.DoesNotContain("unknown", kinds);
    }
}
