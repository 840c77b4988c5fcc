using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NevHub.Gateways.Gbt32960;
using NevHub.Gateways.Jt808;

namespace NevHub.Gateways;

/// <summary>The TCP endpoints the gateways listen on; after start, <see cref="Gbt32960Port"/> is the bound port (also when 0 was asked for).</summary>
public sealed class GatewayEndpoints
{
    /// <summary>The HTTP address when none is configured (NevHub:HttpUrls): loopback only, so a first start exposes nothing.</summary>
    public const string DefaultHttpUrl = "http://127.0.0.1:5080";

    internal ListenOptions? Gbt32960Listen { get; set; }

    internal ListenOptions? Jt808Listen { get; set; }

    internal List<ListenOptions> HttpListens { get; } = [];

    public int Gbt32960Port => (Gbt32960Listen?.EndPoint as IPEndPoint)?.Port ?? 0;

    /// <summary>The bound JT/T 808 port; 0 when that gateway is disabled.</summary>
    public int Jt808Port => (Jt808Listen?.EndPoint as IPEndPoint)?.Port ?? 0;

    /// <summary>The bound HTTP port (the first HTTP endpoint), also when port 0 was asked for.</summary>
    public int HttpPort => HttpListens.Select(l => (l.EndPoint as IPEndPoint)?.Port ?? 0).FirstOrDefault();
}

public static class GatewayServiceCollectionExtensions
{
    /// <summary>Registers the gateways' services and binds their options ("NevHub:Gateways:*").</summary>
    public static IServiceCollection AddNevHubGateways(this IServiceCollection services)
    {
        services.AddOptions<Gbt32960GatewayOptions>().BindConfiguration(Gbt32960GatewayOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddNevHubJt808Gateway();
        services.AddSingleton<ConnectedVehicles>();
        services.AddSingleton<GatewayMetrics>();
        services.AddSingleton<GatewayEndpoints>();
        return services;
    }

    /// <summary>Adds the raw-TCP listeners of the enabled gateways to Kestrel.</summary>
    public static IWebHostBuilder UseNevHubGateways(this IWebHostBuilder webHost)
    {
        ArgumentNullException.ThrowIfNull(webHost);
        // Bytes a connection may have unread before the socket stops reading (TCP back-pressure). The default 1 MiB times
        // 10,000 terminals would be 10 GiB; 128 KiB still holds the largest GB/T 32960 frame (65,556 bytes) twice.
        webHost.UseSockets(o => o.MaxReadBufferSize = 128 * 1024);
        return webHost.ConfigureKestrel((context, kestrel) =>
        {
            var services = kestrel.ApplicationServices;
            var endpoints = services.GetRequiredService<GatewayEndpoints>();
            var gbt = services.GetRequiredService<IOptions<Gbt32960GatewayOptions>>().Value;

            // Explicit listeners make Kestrel ignore "urls", so the HTTP endpoints are bound here too.
            var urls = context.Configuration["NevHub:HttpUrls"] ?? context.Configuration["urls"] ?? GatewayEndpoints.DefaultHttpUrl;
            foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var uri = new Uri(url.Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal).Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal));
                var address = uri.Host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(uri.Host);
                kestrel.Listen(address, uri.Port, listen =>
                {
                    if (uri.Scheme == Uri.UriSchemeHttps)
                    {
                        listen.UseHttps();
                    }

                    endpoints.HttpListens.Add(listen);
                });
            }

            if (gbt.Enabled)
            {
                kestrel.Listen(IPAddress.Parse(gbt.BindAddress), gbt.Port, listen =>
                {
                    if (!string.IsNullOrEmpty(gbt.CertificatePath))
                    {
                        listen.UseHttps(gbt.CertificatePath, gbt.CertificatePassword);
                    }

                    listen.UseConnectionHandler<Gbt32960ConnectionHandler>();
                    endpoints.Gbt32960Listen = listen;
                });
            }

            Jt808Gateway.Listen(kestrel, services, endpoints);
        });
    }
}
