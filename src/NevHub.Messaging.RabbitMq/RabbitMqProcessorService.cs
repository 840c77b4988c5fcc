using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NevHub.Processing;

namespace NevHub.Messaging.RabbitMq;

/// <summary>
/// The processor role: consumes the partition queues and publishes each message on the node's <see cref="IngestBus"/> (twin,
/// processors, then the group-commit sink), acknowledging deliveries once durable. Started after the bus, stopped before it.
/// </summary>
public sealed partial class RabbitMqProcessorService(
    RabbitMqBusOptions options, IngestBus bus, ILogger<RabbitMqProcessorService> logger) : IHostedService, IAsyncDisposable
{
    private RabbitMqIngestConsumer? _consumer;

    public long Acknowledged => _consumer?.Acknowledged ?? 0;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _consumer = new RabbitMqIngestConsumer(options, (message, ct) => bus.PublishAsync(message, ct));
        await _consumer.StartAsync("nevhub-processor-" + Environment.MachineName + "-" + Environment.ProcessId, cancellationToken).ConfigureAwait(false);
        Log.Consuming(logger, options.Partitions, options.Exchange);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_consumer is not null)
        {
            await _consumer.DisposeAsync().ConfigureAwait(false);
            _consumer = null;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    private static partial class Log
    {
        [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Processor consuming {Partitions} partitions of {Exchange}")]
        public static partial void Consuming(ILogger logger, int partitions, string exchange);
    }
}
