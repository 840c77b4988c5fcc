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

    public static readonly Option<string?> Role = new("--role")
    {
        Description = "Role of this node: all (default, embedded), gateway, processor or api. Same as NevHub:Role; see docs/operations.md.",
    };

    public static readonly Option<string?> Storage = new("--storage")
    {
        Description = "Store: sqlite (default) or postgres (NevHub:Storage:Postgres:ConnectionString). Same as NevHub:Storage:Provider.",
    };

    public static readonly Option<string?> Bus = new("--bus")
    {
        Description = "Bus: inprocess (default) or rabbitmq (NevHub:Bus:RabbitMq:Uri). Same as NevHub:Bus:Provider.",
    };

    public static Command Create()
    {
        var command = new Command("serve", "Run the platform: gateways, processing, embedded store and API.")
        {
            Data, Http, GbtPort, AutoRegister, Role, Storage, Bus,
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
    public static Dictionary<string, string?> Overrides(ParseResult parse)
    {
        var overrides = new Dictionary<string, string?>
        {
            ["NevHub:DataDirectory"] = parse.GetValue(Data),
            ["NevHub:HttpUrls"] = parse.GetValue(Http),
            ["NevHub:Gateways:Gbt32960:Port"] = parse.GetValue(GbtPort).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

        // Only when given: a null here would hide the policy a config file or the environment (NevHub__Registry__Policy) sets.
        if (parse.GetValue(AutoRegister))
        {
            overrides["NevHub:Registry:Policy"] = "AutoRegister";
        }

        // Deployment choices only when given, so a config file or the environment can set them too.
        foreach (var (option, key) in new[] { (Role, "NevHub:Role"), (Storage, "NevHub:Storage:Provider"), (Bus, "NevHub:Bus:Provider") })
        {
            if (parse.GetValue(option) is { Length: > 0 } value)
            {
                overrides[key] = value;
            }
        }

        return overrides;
    }
}
