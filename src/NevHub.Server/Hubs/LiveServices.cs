using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NevHub.Processing;

namespace NevHub.Server.Hubs;

public static class LiveServices
{
    public static IServiceCollection AddNevHubLive(this IServiceCollection services)
    {
        services.AddOptions<LiveFeedOptions>().BindConfiguration(LiveFeedOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSignalR().AddJsonProtocol(o =>
        {
            o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter());
            o.PayloadSerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        });
        services.AddSingleton<ILiveAlarmSink, LiveAlarmPublisher>();
        services.AddSingleton<NevHub.Processing.Analytics.IAlarmWriteListener, LiveAlarmForwarder>();
        services.AddHostedService<LiveFeedBroadcaster>();
        return services;
    }

    public static IEndpointRouteBuilder MapNevHubLive(this IEndpointRouteBuilder routes)
    {
        routes.MapHub<LiveHub>(LiveHub.Path);
        return routes;
    }
}

/// <summary>
/// Every <see cref="LiveFeedOptions.Interval"/>: takes the VINs the twin changed (<see cref="LiveTwin.DrainChanged"/>)
/// and sends their compact state in one "changes" message to the "all" group and one per maker group.
/// </summary>
internal sealed partial class LiveFeedBroadcaster(
    LiveTwin twin, VehicleRegistry registry, IHubContext<LiveHub> hub, IOptions<LiveFeedOptions> options, ILogger<LiveFeedBroadcaster> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Changes from before the first tick (restore at start) are in every client's snapshot anyway.
        twin.DrainChanged();
        using var timer = new PeriodicTimer(options.Value.Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await TickAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A failed send loses only this tick's deltas for live viewers; the store is untouched.
                    Log.TickFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        var vins = twin.DrainChanged();
        if (vins.Count == 0)
        {
            return;
        }

        var all = new List<LiveVehicle>(vins.Count);
        foreach (var vin in vins)
        {
            if (twin.Get(vin) is { } state)
            {
                all.Add(LiveVehicle.Of(state, await registry.FindAsync(vin, cancellationToken).ConfigureAwait(false)));
            }
        }

        await SendAsync(LiveHub.AllGroup, all, cancellationToken).ConfigureAwait(false);
        foreach (var group in all.Where(v => v.Maker is not null).GroupBy(v => v.Maker!, StringComparer.Ordinal))
        {
            await SendAsync(LiveHub.MakerGroup(group.Key), [.. group], cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task SendAsync(string group, List<LiveVehicle> vehicles, CancellationToken cancellationToken)
    {
        foreach (var chunk in vehicles.Chunk(options.Value.MaxBatch))
        {
            await hub.Clients.Group(group).SendAsync("changes", chunk, cancellationToken).ConfigureAwait(false);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Live feed tick failed")]
        public static partial void TickFailed(ILogger logger, Exception exception);
    }
}

/// <summary>Sends alarm events to the "all" group and to the vehicle's maker group only.</summary>
internal sealed class LiveAlarmPublisher(IHubContext<LiveHub> hub, VehicleRegistry registry) : ILiveAlarmSink
{
    public async ValueTask PublishAsync(LiveAlarm alarm, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alarm);
        var maker = alarm.Maker ?? (await registry.FindAsync(alarm.Vin, cancellationToken).ConfigureAwait(false))?.Maker;
        alarm = alarm with { Maker = maker };
        await hub.Clients.Group(LiveHub.AllGroup).SendAsync("alarm", alarm, cancellationToken).ConfigureAwait(false);
        if (maker is not null)
        {
            await hub.Clients.Group(LiveHub.MakerGroup(maker)).SendAsync("alarm", alarm, cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>Durable alarm episodes from the analytics writer to the live feed ("open", "update", "cleared").</summary>
internal sealed class LiveAlarmForwarder(ILiveAlarmSink sink) : NevHub.Processing.Analytics.IAlarmWriteListener
{
    public async ValueTask AlarmsWrittenAsync(
        IReadOnlyList<(NevHub.Storage.Analytics.AlarmEpisode Alarm, bool IsNew)> alarms, CancellationToken cancellationToken)
    {
        foreach (var (a, isNew) in alarms)
        {
            var state = !a.Open ? "cleared" : isNew ? "open" : "update";
            await sink.PublishAsync(new LiveAlarm(a.Id, a.Vin, a.Maker, a.PeakLevel, a.Kind, state, a.End ?? a.LastSeen), cancellationToken)
                .ConfigureAwait(false);
        }
    }
}
