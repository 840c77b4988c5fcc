using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NevHub.Processing;
using NevHub.Storage;

namespace NevHub.Server.Hosting;

/// <summary>Before any device is accepted: migrate the store and restore the live twin from it.</summary>
public sealed partial class StoreInitializer : IHostedService
{
    private readonly IVehicleStore _store;
    private readonly LiveTwin _twin;
    private readonly ILogger<StoreInitializer> _logger;

    public StoreInitializer(IVehicleStore store, LiveTwin twin, ILogger<StoreInitializer> logger)
    {
        _store = store;
        _twin = twin;
        _logger = logger;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _store.MigrateAsync(cancellationToken).ConfigureAwait(false);
        var latest = await _store.GetLatestSamplesAsync(cancellationToken).ConfigureAwait(false);
        _twin.Restore(latest);
        Log.Restored(_logger, latest.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Store ready; live twin restored with {Count} vehicles")]
        public static partial void Restored(ILogger logger, int count);
    }
}

/// <summary>Deletes samples and raw frames older than the retention period, once an hour.</summary>
public sealed partial class RetentionService : BackgroundService
{
    private readonly IVehicleStore _store;
    private readonly NevHubOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<RetentionService> _logger;

    public RetentionService(IVehicleStore store, IOptions<NevHubOptions> options, TimeProvider clock, ILogger<RetentionService> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _options = options.Value;
        _clock = clock;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.RetentionDays == 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), _clock);
        try
        {
            await RunAsync(timer, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task RunAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        do
        {
            try
            {
                var removed = await _store.PurgeAsync(_clock.GetUtcNow().AddDays(-_options.RetentionDays), stoppingToken).ConfigureAwait(false);
                Log.Purged(_logger, removed, _options.RetentionDays);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
            {
                Log.PurgeFailed(_logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "Retention: removed {Count} rows older than {Days} days")]
        public static partial void Purged(ILogger logger, long count, int days);

        [LoggerMessage(EventId = 4202, Level = LogLevel.Warning, Message = "Retention purge failed; it is retried in an hour")]
        public static partial void PurgeFailed(ILogger logger, Exception exception);
    }
}
