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
using NevHub.Storage;
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

        builder.Services.AddNevHub();
        builder.WebHost.UseNevHubGateways();

        var app = builder.Build();

        // Create the API-key store now, so a first start prints its admin key before any request.
        _ = app.Services.GetRequiredService<ApiKeyStore>();
        _ = app.Services.GetRequiredService<UserStore>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseNevHubSecurity();
        app.MapOpenApi().AllowAnonymous();
        app.MapStatsApi();
        app.MapVehiclesApi();
        app.MapAnalyticsApis();
        app.MapDownlinkApi();
        app.MapAuthApi();
        app.MapUsersApi();
        app.MapKeysApi();
        app.MapNevHubLive();
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
        services.AddNevHubLive();

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
        services.AddSingleton<IVehicleStore>(sp => new SqliteVehicleStore(sp.GetRequiredService<IOptions<SqliteStoreOptions>>().Value));
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

    private static void TryAddSingleton<T>(this IServiceCollection services, T instance)
        where T : class
    {
        if (!services.Any(d => d.ServiceType == typeof(T)))
        {
            services.AddSingleton(instance);
        }
    }
}
