using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NevHub.Processing;
using RabbitMQ.Client;

namespace NevHub.Messaging.RabbitMq;

/// <summary>
/// The processor role's half of live updates: every <see cref="RabbitMqBusOptions.LiveInterval"/> it takes the vehicles its twin
/// changed (its own change feed, so the node's hub still sees them too) and publishes their whole current state to the live
/// fanout exchange, at most <see cref="MaxStatesPerMessage"/> per message. Messages are transient and unconfirmed: live updates are
/// best effort (the store is the record); while the broker is unreachable the changed vehicles are kept and sent on reconnect.
/// </summary>
public sealed partial class RabbitMqLivePublisher : BackgroundService
{
    public const int MaxStatesPerMessage = 500;

    private readonly RabbitMqBusOptions _options;
    private readonly LiveTwin _twin;
    private readonly Func<IReadOnlyList<string>> _changes;
    private readonly ILogger<RabbitMqLivePublisher> _logger;
    private readonly HashSet<string> _pending = new(StringComparer.Ordinal);
    private IConnection? _connection;
    private IChannel? _channel;

    public RabbitMqLivePublisher(RabbitMqBusOptions options, LiveTwin twin, ILogger<RabbitMqLivePublisher> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(twin);
        _options = options;
        _twin = twin;
        _logger = logger;
        _changes = twin.CreateChangeFeed(); // from construction on, so nothing applied before the first tick is missed
    }

    /// <summary>Vehicle states published since start.</summary>
    public long Published => Interlocked.Read(ref _published);

    private long _published;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.LiveInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                _pending.UnionWith(_changes());
                if (_pending.Count == 0)
                {
                    continue;
                }

                try
                {
                    await PublishPendingAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
                {
                    // Keep what was not sent for the next tick; reconnect then.
                    Log.PublishFailed(_logger, _pending.Count, ex);
                    await ResetAsync().ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await ResetAsync().ConfigureAwait(false);
    }

    private async Task PublishPendingAsync(CancellationToken cancellationToken)
    {
        var channel = await ChannelAsync(cancellationToken).ConfigureAwait(false);
        var properties = new BasicProperties { DeliveryMode = DeliveryModes.Transient, ContentType = "application/x-nevhub-live; v=1" };
        foreach (var chunk in _pending.ToArray().Chunk(MaxStatesPerMessage))
        {
            var states = chunk.Select(_twin.Get).OfType<VehicleLiveState>().ToList();
            if (states.Count > 0)
            {
                await channel.BasicPublishAsync(_options.LiveExchange, "", mandatory: false, properties, LiveUpdateCodec.Encode(states), cancellationToken)
                    .ConfigureAwait(false);
                Interlocked.Add(ref _published, states.Count);
            }

            _pending.ExceptWith(chunk);
        }
    }

    private async ValueTask<IChannel> ChannelAsync(CancellationToken cancellationToken)
    {
        if (_channel is { IsOpen: true } open)
        {
            return open;
        }

        await ResetAsync().ConfigureAwait(false);
        var factory = new ConnectionFactory { Uri = new Uri(_options.Uri), ClientProvidedName = "nevhub-live-publisher" };
        _connection = await factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
        _channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await RabbitMqTopology.DeclareLiveAsync(_channel, _options, cancellationToken).ConfigureAwait(false);
        return _channel;
    }

    private Task ResetAsync()
    {
        var (channel, connection) = (_channel, _connection);
        (_channel, _connection) = (null, null);
        return BrokerConnection.CloseQuietlyAsync(channel, connection);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 6101, Level = LogLevel.Warning, Message = "Live updates of {Count} vehicles not published yet; retrying")]
        public static partial void PublishFailed(ILogger logger, int count, Exception exception);
    }
}
