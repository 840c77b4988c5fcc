using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NevHub.Messaging.RabbitMq;
using NevHub.Processing;
using NevHub.Processing.Analytics;
using NevHub.Storage;
using NevHub.Storage.Analytics;
using NevHub.Storage.Postgres;
using NevHub.Storage.Postgres.Analytics;
using NevHub.Storage.Sqlite;
using NevHub.Storage.Sqlite.Analytics;

namespace NevHub.Server.Hosting;

/// <summary>Composition of the analytics: processors on the lanes, the coalescing writer, the store, restart priming, webhooks.</summary>
public static class AnalyticsHosting
{
    /// <summary>Which store holds the analytics: sqlite | postgres; default the vehicle store's (<see cref="StorageProviderKey"/>).</summary>
    public const string StoreKey = "NevHub:Analytics:Store";

    /// <summary>Overrides of the vehicle store's PostgreSQL settings for the analytics store (ConnectionString, Schema, ...).</summary>
    public const string PostgresSection = "NevHub:Analytics:Postgres";

    public const string StorageProviderKey = "NevHub:Storage:Provider";

    public static IServiceCollection AddNevHubAnalytics(this IServiceCollection services)
    {
        services.AddOptions<AnalyticsOptions>().BindConfiguration(AnalyticsOptions.Section).ValidateDataAnnotations()
            .Validate(o =>
            {
                o.Validate();
                return true;
            }).ValidateOnStart();
        services.AddSingleton(CreateStore);
        services.AddSingleton<AnalyticsWriter>();
        services.AddSingleton<IAnalyticsSink>(sp => sp.GetRequiredService<AnalyticsWriter>());
        services.AddSingleton<DerivationProcessor>();
        services.AddSingleton<QualityProcessor>();
        services.AddSingleton<IVehicleProcessor>(sp => sp.GetRequiredService<DerivationProcessor>());
        services.AddSingleton<IVehicleProcessor>(sp => sp.GetRequiredService<QualityProcessor>());
        services.AddHostedService<AnalyticsInitializer>();
        services.AddHostedService(sp => sp.GetRequiredService<AnalyticsWriter>());
        services.AddHttpClient(WebhookDispatcher.HttpClientName);
        services.AddHostedService<WebhookDispatcher>();
        return services;
    }

    /// <summary>
    /// The analytics store of <see cref="StoreKey"/>: "sqlite" (the file <c>analytics.db</c> beside the vehicle store) or "postgres"
    /// (shared by every node of a cluster: processors write it, API nodes read it). Default: the vehicle store's provider.
    /// </summary>
    public static IAnalyticsStore CreateStore(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var configuration = services.GetRequiredService<IConfiguration>();
        var provider = (configuration[StoreKey] ?? configuration[StorageProviderKey] ?? "sqlite").Trim().ToLowerInvariant();
        return provider switch
        {
            // Its own file: SQLite has one writer per database, and the analytics writer must not queue behind ingestion (or
            // make ingestion queue behind it). Nothing in it joins the vehicle store's tables.
            "sqlite" => new SqliteAnalyticsStore(AnalyticsFile(services.GetRequiredService<IOptions<SqliteStoreOptions>>().Value)),
            "postgres" => new PostgresAnalyticsStore(AnalyticsDatabase(services.GetRequiredService<IOptions<PostgresStoreOptions>>().Value, configuration)),
            _ => throw new InvalidOperationException($"{StoreKey} must be sqlite or postgres (was '{configuration[StoreKey]}')."),
        };
    }

    /// <summary>
    /// The vehicle store's PostgreSQL settings (same database and schema: the analytics tables have their own names and migration
    /// track), overridden by what is set under <see cref="PostgresSection"/> (e.g. another connection string or schema).
    /// </summary>
    public static PostgresStoreOptions AnalyticsDatabase(PostgresStoreOptions store, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new PostgresStoreOptions
        {
            ConnectionString = store.ConnectionString,
            Schema = store.Schema,
            MaxPageSize = store.MaxPageSize,
            CommandTimeoutSeconds = store.CommandTimeoutSeconds,
        };
        configuration.GetSection(PostgresSection).Bind(options);
        return options;
    }

    /// <summary>
    /// True where the analytics processors run and write (roles all and processor): there the derivation windows are primed and
    /// webhooks are delivered. Gateway nodes hand samples on; API nodes only read the store.
    /// </summary>
    public static bool Derives(IConfiguration configuration) => DistributedRoles.Role(configuration) is "all" or "processor";

    /// <summary>The vehicle store's SQLite settings, for the file <c>analytics.db</c> beside it.</summary>
    public static SqliteStoreOptions AnalyticsFile(SqliteStoreOptions store)
    {
        ArgumentNullException.ThrowIfNull(store);
        return new SqliteStoreOptions
        {
            DataDirectory = store.DataDirectory,
            FileName = "analytics.db",
            Synchronous = store.Synchronous,
            CacheSizeKib = store.CacheSizeKib,
            ReaderCacheSizeKib = store.ReaderCacheSizeKib,
            PageSize = store.PageSize,
            BusyTimeout = store.BusyTimeout,
            ReaderConnections = store.ReaderConnections,
            WalAutoCheckpointPages = store.WalAutoCheckpointPages,
            MmapSizeBytes = store.MmapSizeBytes,
            PurgeChunkSize = store.PurgeChunkSize,
            MaxPageSize = store.MaxPageSize,
            VinCacheSize = store.VinCacheSize,
        };
    }
}

/// <summary>
/// At start (after the vehicle store is ready, before devices connect): migrates the analytics schema and, where the analytics
/// processors run (roles all and processor), rebuilds each recently active vehicle's derivation window from the store's samples
/// and already stored records, so late data after a restart re-derives against the same state. Gateway and API nodes derive
/// nothing, so they only migrate.
/// </summary>
public sealed partial class AnalyticsInitializer : IHostedService
{
    private readonly IAnalyticsStore _analytics;
    private readonly IVehicleStore _store;
    private readonly DerivationProcessor _processor;
    private readonly AnalyticsOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<AnalyticsInitializer> _logger;

    private readonly bool _derives;

    public AnalyticsInitializer(IAnalyticsStore analytics, IVehicleStore store, DerivationProcessor processor, IOptions<AnalyticsOptions> options,
        TimeProvider clock, IConfiguration configuration, ILogger<AnalyticsInitializer> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _derives = AnalyticsHosting.Derives(configuration);
        _analytics = analytics;
        _store = store;
        _processor = processor;
        _options = options.Value;
        _clock = clock;
        _logger = logger;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _store.MigrateAsync(cancellationToken).ConfigureAwait(false);
        await _analytics.MigrateAsync(cancellationToken).ConfigureAwait(false);
        if (!_derives)
        {
            return;
        }

        var primed = 0;
        var now = _clock.GetUtcNow();
        foreach (var latest in await _store.GetLatestSamplesAsync(cancellationToken).ConfigureAwait(false))
        {
            if (latest.ReceivedAt < now - _options.Window)
            {
                continue;
            }

            var since = latest.SampleTime - _options.Window;
            var stored = await _analytics.GetDerivedSinceAsync(latest.Vin, since, cancellationToken).ConfigureAwait(false);
            foreach (var start in stored.Trips.Select(t => t.Start).Concat(stored.Charges.Select(c => c.Start)).Concat(stored.Alarms.Select(a => a.Start)))
            {
                since = start < since ? start : since;
            }

            string? cursor = null;
            var list = new List<Domain.VehicleSample>();
            do
            {
                var page = await _store.GetSamplesAsync(new SampleQuery { Vin = latest.Vin, From = since, Limit = 5000, Cursor = cursor }, cancellationToken)
                    .ConfigureAwait(false);
                list.AddRange(page.Items);
                cursor = page.NextCursor;
            }
            while (cursor is not null && list.Count < _options.MaxWindowSamples * 2);

            _processor.Prime(latest.Vin, list.TakeLast(_options.MaxWindowSamples), stored);
            primed++;
        }

        Log.Primed(_logger, primed);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(EventId = 5201, Level = LogLevel.Information, Message = "Analytics ready; derivation windows rebuilt for {Count} vehicles")]
        public static partial void Primed(ILogger logger, int count);
    }
}
