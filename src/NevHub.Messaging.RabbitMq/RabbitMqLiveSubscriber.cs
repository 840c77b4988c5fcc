using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NevHub.Processing;
using NevHub.Storage;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace NevHub.Messaging.RabbitMq;

/// <summary>
/// The API role's half of live updates: binds an exclusive, auto-delete, length-bounded queue of its own to the live exchange and
/// merges every received vehicle state into the node's <see cref="LiveTwin"/>, whose changes the REST API and the tenant-scoped hub
/// show. Updates sent while the node was not bound are lost, so each time it (re)binds — at start and after the broker connection
/// recovers — it refreshes the twin from the store's newest samples, which never moves a vehicle back in time.
/// </summary>
public sealed partial class RabbitMqLiveSubscriber(
    RabbitMqBusOptions options, LiveTwin twin, IVehicleStore store, ILogger<RabbitMqLiveSubscriber> logger) : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    // The consumer and a refresh may touch the same vehicle; the twin expects one writer at a time.
    private readonly Lock _twinWrite = new();
    private IConnection? _connection;
    private IChannel? _channel;

    /// <summary>Vehicle states merged since start.</summary>
    public long Received => Interlocked.Read(ref _received);

    private long _received;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The broker may be down when the API node starts: the API still serves from the store; live updates start when it is up.
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ConnectAsync(stoppingToken).ConfigureAwait(false);
                Log.Subscribed(logger, options.LiveExchange);
                break;
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
            {
                Log.ConnectFailed(logger, options.LiveExchange, ex);
                await CloseAsync().ConfigureAwait(false);
                await Task.Delay(RetryDelay, stoppingToken).ConfigureAwait(false);
            }
        }

        await RefreshAsync(stoppingToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await CloseAsync().ConfigureAwait(false);
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory
        {
            Uri = new Uri(options.Uri),
            ClientProvidedName = "nevhub-api-live-" + Environment.MachineName + "-" + Environment.ProcessId,
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true, // re-declares the server-named queue and its binding after a broker restart
            NetworkRecoveryInterval = TimeSpan.FromSeconds(1),
        };
        _connection = await factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
        _connection.RecoverySucceededAsync += (_, _) =>
        {
            // What was published while the connection was down is gone: catch up from the store.
            _ = RefreshAsync(CancellationToken.None);
            return Task.CompletedTask;
        };
        _channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await RabbitMqTopology.DeclareLiveAsync(_channel, options, cancellationToken).ConfigureAwait(false);
        var arguments = new Dictionary<string, object?> { ["x-max-length"] = options.LiveQueueLength, ["x-overflow"] = "drop-head" };
        var queue = await _channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true, arguments, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        await _channel.QueueBindAsync(queue.QueueName, options.LiveExchange, routingKey: "", cancellationToken: cancellationToken).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(_channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            Merge(delivery.Body);
            return Task.CompletedTask;
        };
        await _channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer, cancellationToken).ConfigureAwait(false);
    }

    private void Merge(ReadOnlyMemory<byte> body)
    {
        IReadOnlyList<VehicleLiveState> states;
        try
        {
            states = LiveUpdateCodec.Decode(body);
        }
        catch (InvalidDataException ex)
        {
            // A newer format from a processor upgraded first: skip it; the next refresh from the store catches up.
            Log.Undecodable(logger, ex.Message);
            return;
        }

        lock (_twinWrite)
        {
            foreach (var state in states)
            {
                twin.Merge(state);
            }
        }

        Interlocked.Add(ref _received, states.Count);
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            var latest = await store.GetLatestSamplesAsync(cancellationToken).ConfigureAwait(false);
            int changed;
            lock (_twinWrite)
            {
                changed = twin.Refresh(latest);
            }

            Log.Refreshed(logger, changed);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The store may be away too; the twin keeps what it has and live updates continue.
            Log.RefreshFailed(logger, ex);
        }
    }

    private Task CloseAsync()
    {
        var (channel, connection) = (_channel, _connection);
        (_channel, _connection) = (null, null);
        return BrokerConnection.CloseQuietlyAsync(channel, connection);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 6201, Level = LogLevel.Information, Message = "API node receiving live updates from {Exchange}")]
        public static partial void Subscribed(ILogger logger, string exchange);

        [LoggerMessage(EventId = 6202, Level = LogLevel.Warning, Message = "Cannot subscribe to live updates on {Exchange} yet; retrying")]
        public static partial void ConnectFailed(ILogger logger, string exchange, Exception exception);

        [LoggerMessage(EventId = 6203, Level = LogLevel.Warning, Message = "Live update dropped: {Reason}")]
        public static partial void Undecodable(ILogger logger, string reason);

        [LoggerMessage(EventId = 6204, Level = LogLevel.Information, Message = "Live twin refreshed from the store: {Changed} vehicles were behind")]
        public static partial void Refreshed(ILogger logger, int changed);

        [LoggerMessage(EventId = 6205, Level = LogLevel.Warning, Message = "Refreshing the live twin from the store failed")]
        public static partial void RefreshFailed(ILogger logger, Exception exception);
    }
}
