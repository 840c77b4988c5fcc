using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace NevHub.Gateways.Jt808;

/// <summary>Service registration and the Kestrel listener of the JT/T 808 gateway.</summary>
public static class Jt808Gateway
{
    public static IServiceCollection AddNevHubJt808Gateway(this IServiceCollection services)
    {
        services.AddOptions<Jt808GatewayOptions>()
            .BindConfiguration(Jt808GatewayOptions.Section)
            .Configure<IConfiguration>((o, configuration) => o.DataDirectory ??= configuration["NevHub:DataDirectory"] ?? "data")
            .ValidateDataAnnotations()
            .Validate(o => o.BatteryProfiles.Values.All(Valid), "A JT/T 808 battery profile has an item id outside 0x00-0xFF, a negative offset or a zero scale.")
            .ValidateOnStart();
        services.AddSingleton<Jt808AuthCodes>();
        services.AddSingleton<Jt808TerminalDirectory>();
        services.AddSingleton<Jt808CommandTracker>();
        services.AddSingleton(sp => new Jt808BatteryProfiles(sp.GetRequiredService<IOptions<Jt808GatewayOptions>>().Value.BatteryProfiles));
        return services;
    }

    internal static void Listen(KestrelServerOptions kestrel, IServiceProvider services, GatewayEndpoints endpoints)
    {
        var options = services.GetRequiredService<IOptions<Jt808GatewayOptions>>().Value;
        if (!options.Enabled)
        {
            return;
        }

        // Create the secret now, so a first start writes it before any terminal connects (and a bad file fails the start).
        _ = services.GetRequiredService<Jt808AuthCodes>();
        kestrel.Listen(IPAddress.Parse(options.BindAddress), options.Port, listen =>
        {
            listen.UseConnectionHandler<Jt808ConnectionHandler>();
            endpoints.Jt808Listen = listen;
        });
    }

    private static bool Valid(Jt808BatteryProfile profile)
    {
        var all = new[] { profile.Items, profile.Transparent }.SelectMany(f =>
            f.Soc.Concat(f.PackVoltage).Concat(f.PackCurrent).Concat(f.Temperature).Concat(f.Charging).Concat(f.BatteryCode));
        return profile.TransparentType is >= -1 and <= 255
            && profile.Items.Soc.Concat(profile.Items.PackVoltage).Concat(profile.Items.PackCurrent).Concat(profile.Items.Temperature)
                .Concat(profile.Items.Charging).Concat(profile.Items.BatteryCode).All(s => s.Item is >= 0 and <= 255)
            && all.All(s => s.Offset >= 0 && s.Length >= 0 && s.Scale != 0 && double.IsFinite(s.Scale) && double.IsFinite(s.Add));
    }
}
