using System.Threading.Channels;
using NevHub.Processing;

namespace NevHub.Messaging.RabbitMq;

/// <summary>
/// The <see cref="IIngestSink"/> of a gateway node: instead of the group-commit writer, a lane hands each message to RabbitMQ and
/// its <see cref="IngestMessage.Durable"/> completes when the broker has confirmed it (so the gateway acknowledges the device only
/// then). Like the group-commit sink it returns once the message is accepted, so a lane goes on while earlier messages await their
/// confirms; the publisher sends in hand-over order on one channel, which keeps the messages of one VIN in order on the bus.
/// Session events travel too (processors store them).
/// </summary>
public sealed class RabbitMqPublishSink(RabbitMqIngestPublisher publisher) : IIngestSink
{
    public async ValueTask EnqueueAsync(IngestMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            await publisher.EnqueueAsync(message, message.Durable, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException ex)
        {
            // The node is shutting down: not published, so not acknowledged; the device resends (to this or another gateway).
            message.Durable?.TrySetException(ex);
        }
    }
}
