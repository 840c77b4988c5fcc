using System.Text.Json;
using System.Text.RegularExpressions;
using NevHub.Cli.Decode;

namespace NevHub.Cli.Tests;

/// <summary>Runs the decoder in-process and parses what it printed.</summary>
internal static partial class Decode
{
    public sealed record Result(int ExitCode, string Output, IReadOnlyList<JsonElement> Objects);

    public static Result Args(IReadOnlyList<string> frames, bool strict = false, DecodeProtocol protocol = DecodeProtocol.Auto)
    {
        var output = new StringWriter();
        var tool = new FrameDecoderTool(output, new FrameDecoderOptions { Strict = strict, Protocol = protocol });
        var exit = tool.Run(frames);
        return new Result(exit, output.ToString(), JsonLines(output.ToString()));
    }

    public static Result Stdin(string input, bool strict = false)
    {
        var output = new StringWriter();
        var tool = new FrameDecoderTool(output, new FrameDecoderOptions { Strict = strict });
        var exit = tool.RunAsync(new StringReader(input)).GetAwaiter().GetResult();
        return new Result(exit, output.ToString(), JsonLines(output.ToString()));
    }

    /// <summary>Every line must be one complete JSON object; parsing throws otherwise.</summary>
    public static List<JsonElement> JsonLines(string output)
    {
        Assert.EndsWith("\n", output.Length == 0 ? "\n" : output);
        var list = new List<JsonElement>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var document = JsonDocument.Parse(line);
            Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
            list.Add(document.RootElement.Clone());
        }

        return list;
    }

    /// <summary>The reason of an error object: <c>error.kind</c> (GB/T 32960 and CLI errors) or <c>error</c> (JT/T 808 schema).</summary>
    public static string? ErrorKind(JsonElement obj)
    {
        if (!obj.TryGetProperty("error", out var error))
        {
            return null;
        }

        return error.ValueKind == JsonValueKind.String ? error.GetString() : error.GetProperty("kind").GetString();
    }

    public static string StripAnsi(string text) => Ansi().Replace(text, string.Empty);

    [GeneratedRegex("\u001b\\[[0-9;]*m")]
    private static partial Regex Ansi();
}
