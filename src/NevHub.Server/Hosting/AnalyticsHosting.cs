using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NevHub.Processing;
using NevHub.Processing.Analytics;
using NevHub.Storage;
using NevHub.Storage.Analytics;
using NevHub.Storage.Sqlite;
using NevHub.Storage.Sqlite.Analytics;

namespace NevHub.Server.Hosting;

/// <summary>Composition of the analytics: processors on the lanes, the coalescing writer, the store, restart priming, webhooks.</summary>
public static class AnalyticsHosting
{
    public static IServiceCollection AddNevHubAnalytics(this IServiceCollection services)
    {
        services.AddOptions<AnalyticsOptions>().BindConfiguration(AnalyticsOptions.Section).ValidateDataAnnotations()
            .Validate(o =>
            {
                o.Validate();
                return true;
            }).ValidateOnStart();
        // Its own file: SQLite has one writer per database, and the analytics writer must not queue behind ingestion (or
        // make ingestion queue behind it). Nothing in it joins the vehicle store's tables.
        services.AddSingleton<IAnalyticsStore>(sp => new SqliteAnalyticsStore(AnalyticsFile(sp.GetRequiredService<IOptions<SqliteStoreOptions>>().Value)));
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
/// At start (after the vehicle store is ready, before devices connect): migrates the analytics schema and rebuilds each
/// recently active vehicle's derivation window from the store's samples and already stored records, so late data after a
/// restart re-derives against the same state.
/// </summary>
public sealed partial class AnalyticsInitializer : IHostedService
{
    private readonly IAnalyticsStore _analytics;
    private readonly IVehicleStore _store;
    private readonly DerivationProcessor _processor;
    private readonly AnalyticsOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<AnalyticsInitializer> _logger;

    public AnalyticsInitializer(IAnalyticsStore analytics, IVehicleStore store, DerivationProcessor processor, IOptions<AnalyticsOptions> options,
        TimeProvider clock, ILogger<AnalyticsInitializer> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
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
