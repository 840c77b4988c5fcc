using System.CommandLine;
using Microsoft.Extensions.Hosting;
using NevHub.Server.Hosting;

namespace NevHub.Cli;

/// <summary>`nevhub serve`: the whole platform in one process with the embedded SQLite store.</summary>
internal static class ServeCommand
{
    public static readonly Option<string> Data = new("--data")
    {
        Description = "Data directory (SQLite store, API keys). Same as NevHub:DataDirectory.",
        DefaultValueFactory = _ => "data",
    };

    public static readonly Option<string> Http = new("--http")
    {
        Description = "HTTP address of the API and web UI.",
        DefaultValueFactory = _ => NevHubHost.DefaultUrl,
    };

    public static readonly Option<int> GbtPort = new("--gbt32960-port")
    {
        Description = "TCP port of the GB/T 32960 gateway (0 = any free port).",
        DefaultValueFactory = _ => 32960,
    };

    public static readonly Option<bool> AutoRegister = new("--auto-register")
    {
        Description = "Register unknown VINs on their first login instead of refusing them.",
    };

    public static Command Create()
    {
        var command = new Command("serve", "Run the platform: gateways, processing, embedded store and API.")
        {
            Data, Http, GbtPort, AutoRegister,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var app = NevHubHost.Build([.. parse.UnmatchedTokens], Overrides(parse));
            if (!await HostStart.TryStartAsync(app, cancellationToken).ConfigureAwait(false))
            {
                return 1;
            }

            await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    /// <summary>The command-line options as configuration keys (the config file and environment set the same keys).</summary>
    public static Dictionary<string, string?> Overrides(ParseResult parse) => new()
    {
        ["NevHub:DataDirectory"] = parse.GetValue(Data),
        ["NevHub:HttpUrls"] = parse.GetValue(Http),
        ["NevHub:Gateways:Gbt32960:Port"] = parse.GetValue(GbtPort).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["NevHub:Registry:Policy"] = parse.GetValue(AutoRegister) ? "AutoRegister" : null,
    };
}
