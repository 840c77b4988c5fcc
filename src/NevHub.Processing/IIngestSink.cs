namespace NevHub.Processing;

/// <summary>
/// Where a lane hands messages for durable storage (the group-commit writer). <see cref="EnqueueAsync"/> returns once
/// the message is accepted (it may wait when the writer is full); the message's <see cref="IngestMessage.Durable"/>
/// completes when it is on disk.
/// </summary>
public interface IIngestSink
{
    ValueTask EnqueueAsync(IngestMessage message, CancellationToken cancellationToken);
}
