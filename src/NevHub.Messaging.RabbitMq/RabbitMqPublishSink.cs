using NevHub.Processing;

namespace NevHub.Messaging.RabbitMq;

/// <summary>
/// The <see cref="IIngestSink"/> of a gateway node: instead of the group-commit writer, a lane hands each message to RabbitMQ and
/// completes its <see cref="IngestMessage.Durable"/> when the broker has confirmed it (so the gateway acknowledges the device only
/// then). A lane awaits each confirm before its next message, which keeps the messages of one VIN in order on the bus.
/// Session events travel too (processors store them).
/// </summary>
public sealed class RabbitMqPublishSink(RabbitMqIngestPublisher publisher) : IIngestSink
{
    public async ValueTask EnqueueAsync(IngestMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            await publisher.PublishAsync(message, cancellationToken).ConfigureAwait(false);
            message.Durable?.TrySetResult();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Not confirmed: the device is not acknowledged and resends (to this or another gateway).
            message.Durable?.TrySetException(ex);
        }
    }
}
