using System.Text;
using System.Text.Json;
using NevHub.Cli.Decode;

namespace NevHub.Cli.Tests;

public class InputTests
{
    private static readonly string Login = Vectors.Named("login_2016_two_pack_codes").Hex;
    private static readonly string Heartbeat = Vectors.Named("heartbeat_2013_escaped_checksum").Hex;

    [Fact]
    public void Blank_lines_and_comments_are_skipped_but_counted_in_line_numbers()
    {
        var input = $"# captured 2026-05-01\n\n   \n{Login}\n\t# another comment\n{Heartbeat}  # a trailing comment\n";

        var result = Decode.Stdin(input);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal([4, 6], result.Objects.Select(o => o.GetProperty("line").GetInt32()));
        Assert.Equal(["gbt32960", "jt808"], result.Objects.Select(o => o.GetProperty("protocol").GetString()));
    }

    [Fact]
    public void Mixed_protocols_and_bad_lines_each_get_their_own_object_and_exit_code_1()
    {
        var input = string.Join('\n', Login, "hello world", Heartbeat, "0102030405", Vectors.Named("realtime_2025_bad_bcc").Hex, "");

        var result = Decode.Stdin(input);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal([null, "bad_hex", null, "unknown_protocol", "bad_bcc"], result.Objects.Select(Decode.ErrorKind));
        Assert.Equal([1, 2, 3, 4, 5], result.Objects.Select(o => o.GetProperty("line").GetInt32()));
        Assert.False(result.Objects[1].TryGetProperty("protocol", out _));
        Assert.Equal("column 1: 'h' is not a hex digit", result.Objects[1].GetProperty("error").GetProperty("detail").GetString());
        Assert.Equal("gbt32960", result.Objects[4].GetProperty("protocol").GetString());
    }

    [Theory]
    [InlineData(" ", "")]
    [InlineData(":", "")]
    [InlineData(" 0x", "0x")]
    [InlineData(", 0X", "")]
    [InlineData("-", "")]
    public void Hex_may_be_spaced_colon_separated_prefixed_and_in_any_case(string separator, string firstPrefix)
    {
        var bytes = Convert.FromHexString(Heartbeat);
        var lower = bytes.Select((b, i) => (i % 2 == 0 ? $"{b:x2}" : $"{b:X2}")).ToArray();
        var formatted = firstPrefix + string.Join(separator, lower);

        var plain = Decode.Args([Heartbeat]);
        var result = Decode.Args([formatted]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(plain.Output, result.Output);
    }

    [Theory]
    [InlineData("7E0", "odd number of hex digits (3): the last byte is missing a digit")]
    [InlineData("7E 0G", "column 5: 'G' is not a hex digit")]
    [InlineData("::", "no hex digits")]
    [InlineData("0x", "no hex digits")]
    [InlineData("7E\u00007E", "column 3: U+0000 is not a hex digit")]
    public void Text_that_is_not_hex_is_a_bad_hex_error_with_the_reason(string line, string detail)
    {
        var result = Decode.Args([line]);

        Assert.Equal(1, result.ExitCode);
        var error = Assert.Single(result.Objects).GetProperty("error");
        Assert.Equal("bad_hex", error.GetProperty("kind").GetString());
        Assert.Equal(detail, error.GetProperty("detail").GetString());
    }

    [Fact]
    public void Arguments_are_numbered_from_one()
    {
        var result = Decode.Args([Heartbeat, "zz", Login]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal([1, 2, 3], result.Objects.Select(o => o.GetProperty("line").GetInt32()));
    }

    [Fact]
    public void A_forced_protocol_skips_detection()
    {
        var asJt808 = Decode.Args([Login], protocol: DecodeProtocol.Jt808);
        var asGbt = Decode.Args([Heartbeat], protocol: DecodeProtocol.Gbt32960);

        Assert.Equal("bytes_before_start", Decode.ErrorKind(Assert.Single(asJt808.Objects)));
        Assert.Equal("jt808", asJt808.Objects[0].GetProperty("protocol").GetString());
        Assert.Equal("bad_start_symbol", Decode.ErrorKind(Assert.Single(asGbt.Objects)));
        Assert.Equal("gbt32960", asGbt.Objects[0].GetProperty("protocol").GetString());
    }

    [Theory]
    [InlineData("7E", "jt808", "incomplete")]
    [InlineData("7E7E", "jt808", "empty_frame")]
    [InlineData("7E00007E", "jt808", "frame_too_short")]
    [InlineData("2323", "gbt32960", "length_mismatch")]
    [InlineData("2424FF", "gbt32960", "length_mismatch")]
    [InlineData("23", null, "unknown_protocol")]
    [InlineData("2324", null, "unknown_protocol")]
    [InlineData("00", null, "unknown_protocol")]
    [InlineData("7", null, "bad_hex")]
    public void Tiny_and_truncated_frames_give_typed_errors(string hex, string? protocol, string kind)
    {
        var result = Decode.Args([hex]);

        Assert.Equal(1, result.ExitCode);
        var obj = Assert.Single(result.Objects);
        Assert.Equal(kind, Decode.ErrorKind(obj));
        Assert.Equal(protocol, obj.TryGetProperty("protocol", out var p) ? p.GetString() : null);
    }

    public static TheoryData<string, string> MegabyteLines => new()
    {
        { "7E" + new string('0', 1024 * 1024 - 2), "frame_too_large" },
        { "7E" + string.Concat(Enumerable.Repeat("7D", 512 * 1024 - 1)), "frame_too_large" },
        { "2323" + new string('F', 1024 * 1024 - 4), "data_length_too_large" },
        { "2424" + new string('0', 1024 * 1024 - 4), "length_mismatch" },
        { new string('A', 1024 * 1024), "unknown_protocol" },
        { new string('A', 1024 * 1024 - 1), "bad_hex" },
        { string.Concat(Enumerable.Repeat(Heartbeat, 1024 * 1024 / Heartbeat.Length)) + "7E", "incomplete" },
    };

    [Theory]
    [MemberData(nameof(MegabyteLines))]
    public void A_megabyte_line_gives_one_short_typed_error(string line, string kind)
    {
        var result = Decode.Stdin(line + "\n");

        Assert.Equal(1, result.ExitCode);
        var error = result.Objects.Last();
        Assert.Equal(kind, Decode.ErrorKind(error));
        Assert.All(result.Objects.SkipLast(1), o => Assert.Null(Decode.ErrorKind(o)));
        Assert.True(Encoding.UTF8.GetByteCount(error.GetRawText()) < 4096, "the error does not echo the input");
    }

    [Fact]
    public void Random_bytes_never_crash_and_every_line_is_one_json_object()
    {
        var random = new Random(32960);
        var lines = new List<string>();
        foreach (var vector in Vectors.All)
        {
            for (var i = 0; i < 20; i++)
            {
                var bytes = Convert.FromHexString(vector.Hex);
                var flips = random.Next(1, 4);
                for (var f = 0; f < flips; f++)
                {
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                }

                lines.Add(Convert.ToHexString(bytes.AsSpan(0, random.Next(1, bytes.Length + 1))));
            }
        }

        var result = Decode.Stdin(string.Join('\n', lines));

        Assert.Equal(1, result.ExitCode);
        Assert.True(result.Objects.Count >= lines.Count);
        Assert.All(result.Objects, o => Assert.InRange(o.GetProperty("line").GetInt32(), 1, lines.Count));
        Assert.All(result.Objects.Where(o => o.TryGetProperty("error", out _)), o => Assert.NotNull(Decode.ErrorKind(o)));
    }

    [Fact]
    public async Task Each_line_is_written_and_flushed_before_the_next_is_read()
    {
        var output = new FlushCountingWriter();
        var input = new ObservingReader([Heartbeat, "# comment", Login, "nonsense"], output);
        var tool = new FrameDecoderTool(output);

        var exit = await tool.RunAsync(input);

        Assert.Equal(1, exit);
        Assert.Equal([0, 1, 1, 2, 3], input.FlushedObjectsBeforeEachRead);
    }

    private sealed class FlushCountingWriter : StringWriter
    {
        private int _pending;

        public int FlushedObjects { get; private set; }

        public override void Write(string? value)
        {
            base.Write(value);
            _pending += value?.Count(c => c == '\n') ?? 0;
        }

        public override void Flush()
        {
            FlushedObjects += _pending;
            _pending = 0;
        }
    }

    /// <summary>Hands out lines one at a time and records how many objects had been flushed when each read came.</summary>
    private sealed class ObservingReader(IReadOnlyList<string> lines, FlushCountingWriter output) : TextReader
    {
        private int _next;

        public List<int> FlushedObjectsBeforeEachRead { get; } = [];

        public override string? ReadLine()
        {
            FlushedObjectsBeforeEachRead.Add(output.FlushedObjects);
            return _next < lines.Count ? lines[_next++] : null;
        }

        public override ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken) => new(ReadLine());
    }
}
