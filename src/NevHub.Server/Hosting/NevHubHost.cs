using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NevHub.Gateways;
using NevHub.Processing;
using NevHub.Server.Api;
using NevHub.Server.Hubs;
using NevHub.Server.Security;
using NevHub.Messaging.RabbitMq;
using NevHub.Storage;
using NevHub.Storage.Postgres;
using NevHub.Storage.Spool;
using NevHub.Storage.Sqlite;

namespace NevHub.Server.Hosting;

/// <summary>Builds the NevHub platform host: gateways, bus, processors, store and API in one process.</summary>
public static class NevHubHost
{
    public const string DefaultUrl = GatewayEndpoints.DefaultHttpUrl;

    public static WebApplication Build(string[] args, IDictionary<string, string?>? overrides = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // The web UI is built into wwwroot beside the assemblies, so it is found whatever the working directory.
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        // Framework chatter at Information drowns what operators need; NevHub's own categories stay at Information.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel", LogLevel.Error);

        // Distributed roles (docs/operations.md): processor and API nodes do not listen to devices.
        if (DistributedRoles.Role(builder.Configuration) is "processor" or "api" && builder.Configuration["NevHub:Gateways:Gbt32960:Enabled"] is null)
        {
            builder.Configuration["NevHub:Gateways:Gbt32960:Enabled"] = "false";
        }

        builder.Services.AddNevHub();
        builder.Services.AddNevHubBus(builder.Configuration);
        builder.WebHost.UseNevHubGateways();

        var app = builder.Build();

        // Create the API-key store now, so a first start prints its admin key before any request.
        _ = app.Services.GetRequiredService<ApiKeyStore>();
        _ = app.Services.GetRequiredService<UserStore>();
        _ = app.Services.GetRequiredService<PrometheusMetrics>(); // listen from the start, not from the first scrape
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseNevHubSecurity();
        app.MapOpenApi().AllowAnonymous();
        app.MapStatsApi();
        app.MapVehiclesApi();
        app.MapAnalyticsApis();
        app.MapSharesApi();
        app.MapCellsApi();
        app.MapDownlinkApi();
        app.MapAuthApi();
        app.MapUsersApi();
        app.MapKeysApi();
        app.MapNevHubLive();
        app.MapNevHubMetrics();
        return app;
    }

    public static IServiceCollection AddNevHub(this IServiceCollection services)
    {
        services.AddOptions<NevHubOptions>().BindConfiguration(NevHubOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);

        services.AddNevHubStorage();
        services.AddNevHubProcessing();
        services.AddNevHubGateways();
        services.AddNevHubSecurity();
        services.AddNevHubAnalytics();
        services.AddNevHubShares();
        services.AddNevHubLive();

        services.AddSingleton<PrometheusMetrics>();
        services.AddProblemDetails();
        services.AddOpenApi();
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        });
        return services;
    }

    public static IServiceCollection AddNevHubStorage(this IServiceCollection services)
    {
        services.AddOptions<SqliteStoreOptions>()
            .BindConfiguration("NevHub:Storage:Sqlite")
            .Configure<IOptions<NevHubOptions>>((sqlite, hub) =>
            {
                // The store lives in the platform's data directory unless configured on its own.
                if (sqlite.DataDirectory == new SqliteStoreOptions().DataDirectory)
                {
                    sqlite.DataDirectory = hub.Value.DataDirectory;
                }
            });
        services.AddOptions<GroupCommitOptions>().BindConfiguration("NevHub:Storage:GroupCommit");
        services.AddOptions<PostgresStoreOptions>().BindConfiguration(PostgresStoreOptions.Section);
        services.AddOptions<SpoolOptions>().BindConfiguration(SpoolOptions.Section)
            .Configure<IOptions<NevHubOptions>>((spool, hub) => spool.Directory = spool.Directory is "" ? Path.Combine(hub.Value.DataDirectory, "spool") : spool.Directory);
        services.AddSingleton<IVehicleStore>(sp => CreateStore(sp));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<GroupCommitOptions>>().Value);
        services.AddSingleton(sp => new GroupCommitWriter(
            sp.GetRequiredService<IVehicleStore>(),
            sp.GetRequiredService<GroupCommitOptions>(),
            sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton<IIngestSink, GroupCommitSink>();
        services.AddHostedService<StoreInitializer>();
        services.AddHostedService<RetentionService>();
        return services;
    }

    public static IServiceCollection AddNevHubProcessing(this IServiceCollection services)
    {
        services.AddOptions<ProcessingOptions>().BindConfiguration(ProcessingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RegistryOptions>().BindConfiguration(RegistryOptions.Section);
        services.AddSingleton<LiveTwin>();
        services.AddSingleton<VehicleRegistry>();
        services.AddSingleton<IngestBus>();
        services.AddHostedService(sp => sp.GetRequiredService<IngestBus>());
        return services;
    }

    /// <summary>
    /// The store of <c>NevHub:Storage:Provider</c>: "sqlite" (default, the embedded file) or "postgres" (PostgreSQL behind the disk
    /// spool, so an outage of the database does not stop ingestion).
    /// </summary>
    private static IVehicleStore CreateStore(IServiceProvider services)
    {
        var provider = (services.GetRequiredService<IConfiguration>()["NevHub:Storage:Provider"] ?? "sqlite").Trim().ToLowerInvariant();
        return provider switch
        {
            "sqlite" => new SqliteVehicleStore(services.GetRequiredService<IOptions<SqliteStoreOptions>>().Value),
            "postgres" => new SpoolingVehicleStore(
                new PostgresVehicleStore(services.GetRequiredService<IOptions<PostgresStoreOptions>>().Value),
                services.GetRequiredService<IOptions<SpoolOptions>>().Value,
                services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()),
            _ => throw new InvalidOperationException($"NevHub:Storage:Provider must be sqlite or postgres (was '{provider}')."),
        };
    }

    private static void TryAddSingleton<T>(this IServiceCollection services, T instance)
        where T : class
    {
        if (!services.Any(d => d.ServiceType == typeof(T)))
        {
            services.AddSingleton(instance);
        }
    }
}
