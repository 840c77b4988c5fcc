using System.CommandLine;
using System.CommandLine.Invocation;
using NevHub.Cli.Decode;

namespace NevHub.Cli;

/// <summary>
/// `nevhub decode`: frames as hex (arguments, or standard input one frame per line) to one JSON object per frame.
/// Exit code 0 when every frame decoded, 1 when any did not, 2 for a usage error. See docs/cli.md.
/// </summary>
internal static class DecodeCommand
{
    /// <summary>Exit code for a command line that cannot be run.</summary>
    public const int UsageError = 2;

    public static readonly Argument<string[]> Frames = new("hex")
    {
        Description = "Frames as hex, one per argument (JT/T 808: one or more frames). Without any, standard input is read one line at a time.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public static readonly Option<bool> Pretty = new("--pretty")
    {
        Description = "Indented output for people (coloured on a terminal) instead of one JSON object per line.",
    };

    public static readonly Option<string> Protocol = new("--protocol")
    {
        Description = "auto (by the first bytes: 2323/2424 GB/T 32960, 7E JT/T 808), gbt32960 or jt808.",
        DefaultValueFactory = _ => "auto",
    };

    public static readonly Option<bool> NoColor = new("--no-color")
    {
        Description = "No ANSI colours with --pretty (also when NO_COLOR is set or output is redirected).",
    };

    public static readonly Option<bool> Strict = new("--strict")
    {
        Description = "JT/T 808: reject a 2019 version flag on a 2013 header instead of parsing it as 2013 with a warning.",
    };

    private static readonly string[] ProtocolNames = ["auto", "gbt32960", "jt808"];

    public static Command Create()
    {
        var command = new Command("decode", "Decode GB/T 32960 and JT/T 808 frames given as hex to JSON (one object per frame).")
        {
            Frames, Pretty, Protocol, NoColor, Strict,
        };
        Protocol.CompletionSources.Add(ProtocolNames);
        command.Action = new DecodeAction();
        return command;
    }

    /// <summary>
    /// Runs even when the command line has parse errors (<see cref="ClearsParseErrors"/>) so that every usage error of
    /// `decode` exits with <see cref="UsageError"/>, not System.CommandLine's 1, which here means "a frame failed".
    /// </summary>
    private sealed class DecodeAction : AsynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override Task<int> InvokeAsync(ParseResult parseResult, CancellationToken cancellationToken = default) =>
            RunAsync(parseResult, Console.In, parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error, cancellationToken);
    }

    /// <summary>Runs a parsed `decode` command line; standard input is <paramref name="input"/>.</summary>
    public static async Task<int> RunAsync(
        ParseResult parse, TextReader input, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);

        if (parse.Errors.Count > 0)
        {
            foreach (var parseError in parse.Errors)
            {
                await error.WriteLineAsync($"nevhub decode: {parseError.Message}").ConfigureAwait(false);
            }

            await error.WriteLineAsync("See nevhub decode --help.").ConfigureAwait(false);
            return UsageError;
        }

        var frames = parse.GetValue(Frames) ?? [];
        if (frames.FirstOrDefault(f => f.StartsWith('-')) is { } unknown)
        {
            await error.WriteLineAsync($"nevhub decode: unknown option '{unknown}'. See nevhub decode --help.").ConfigureAwait(false);
            return UsageError;
        }

        var protocolName = parse.GetValue(Protocol) ?? "auto";
        DecodeProtocol protocol;
        switch (protocolName.ToUpperInvariant())
        {
            case "AUTO":
                protocol = DecodeProtocol.Auto;
                break;
            case "GBT32960":
                protocol = DecodeProtocol.Gbt32960;
                break;
            case "JT808":
                protocol = DecodeProtocol.Jt808;
                break;
            default:
                await error.WriteLineAsync(
                    $"nevhub decode: --protocol must be one of {string.Join(", ", ProtocolNames)}, not '{protocolName}'").ConfigureAwait(false);
                return UsageError;
        }

        var pretty = parse.GetValue(Pretty);
        var options = new FrameDecoderOptions
        {
            Protocol = protocol,
            Pretty = pretty,
            Color = pretty && !parse.GetValue(NoColor) && WritesToTerminal(output),
            Strict = parse.GetValue(Strict),
        };
        var tool = new FrameDecoderTool(output, options);
        var exitCode = frames.Length > 0
            ? tool.Run(frames)
            : await tool.RunAsync(input, cancellationToken).ConfigureAwait(false);
        if (tool.PendingSubpackagedMessages > 0)
        {
            await error.WriteLineAsync(
                $"nevhub decode: {tool.PendingSubpackagedMessages} JT/T 808 subpackaged message(s) still missing packages at the end of the input")
                .ConfigureAwait(false);
        }

        return exitCode;
    }

    /// <summary>Colour only for a person: stdout is the console, not redirected, and NO_COLOR (no-color.org) is not set.</summary>
    private static bool WritesToTerminal(TextWriter output) =>
        ReferenceEquals(output, Console.Out)
        && !Console.IsOutputRedirected
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
}
