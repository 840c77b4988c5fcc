using System.CommandLine;

namespace NevHub.Cli.Tests;

public class CommandTests
{
    private static (int ExitCode, string Output, string Error) Invoke(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var root = new RootCommand { DecodeCommand.Create() };
        var exit = root.Parse(["decode", .. args]).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public void Hex_arguments_decode_through_the_command_line()
    {
        var (exit, output, error) = Invoke(Vectors.Named("logout_2013").Hex, "--protocol", "jt808");

        Assert.Equal(0, exit);
        Assert.Empty(error);
        Assert.StartsWith("{\"line\":1,\"protocol\":\"jt808\",\"frame\":", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_frame_exits_with_1_after_printing_every_object()
    {
        var (exit, output, _) = Invoke("zz", Vectors.Named("logout_2016").Hex);

        Assert.Equal(1, exit);
        Assert.Equal(2, Decode.JsonLines(output).Count);
    }

    [Theory]
    [InlineData("--protocol", "xml", "7E")]
    [InlineData("--protocol")]
    [InlineData("--bogus", "7E")]
    [InlineData("-x")]
    public void Usage_errors_exit_with_2_and_print_nothing_on_stdout(params string[] args)
    {
        var (exit, output, error) = Invoke(args);

        Assert.Equal(2, exit);
        Assert.Empty(output);
        Assert.StartsWith("nevhub decode: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Pretty_without_a_terminal_has_no_colours()
    {
        var (exit, output, _) = Invoke("--pretty", Vectors.Named("heartbeat_2016").Hex);

        Assert.Equal(0, exit);
        Assert.DoesNotContain('\u001b', output);
        Assert.StartsWith("{\n  \"line\": 1,\n  \"protocol\": \"gbt32960\",\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Standard_input_is_read_when_there_are_no_arguments_and_unfinished_messages_are_reported_on_stderr()
    {
        var root = new RootCommand { DecodeCommand.Create() };
        var parse = root.Parse(["decode"]);
        var output = new StringWriter();
        var error = new StringWriter();
        var input = new StringReader(Vectors.Named("subpackage_1205_part1_of_2").Hex + "\n");

        var exit = await DecodeCommand.RunAsync(parse, input, output, error, CancellationToken.None);

        Assert.Equal(0, exit);
        Assert.Single(Decode.JsonLines(output.ToString()));
        Assert.Contains("1 JT/T 808 subpackaged message(s) still missing packages", error.ToString(), StringComparison.Ordinal);
    }
}
