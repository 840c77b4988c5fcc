using NevHub.Processing;
using RabbitMQ.Client;

namespace NevHub.Messaging.RabbitMq;

/// <summary>
/// The gateway side of the distributed bus: publishes each <see cref="IngestMessage"/> (routing key = VIN, persistent) with
/// publisher confirms. <see cref="PublishAsync"/> returns once the broker has confirmed the message, i.e. it is replicated in its
/// quorum queue: in the distributed deployment that is the point at which a gateway may acknowledge the device.
/// A connection lost while publishing throws; the caller does not acknowledge, the device resends, and the store's natural keys
/// drop whatever turns out to be a duplicate.
/// </summary>
public sealed class RabbitMqIngestPublisher : IAsyncDisposable
{
    private readonly RabbitMqBusOptions _options;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private IConnection? _connection;
    private IChannel? _channel;

    public RabbitMqIngestPublisher(RabbitMqBusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    /// <summary>Messages confirmed by the broker since start.</summary>
    public long Confirmed => Interlocked.Read(ref _confirmed);

    private long _confirmed;

    public async ValueTask PublishAsync(IngestMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var body = IngestMessageCodec.Encode(message);
        var channel = await ChannelAsync(cancellationToken).ConfigureAwait(false);
        var properties = new BasicProperties { DeliveryMode = DeliveryModes.Persistent, ContentType = "application/x-nevhub-ingest; v=1" };
        try
        {
            // With confirmation tracking on, this completes when the broker confirms (and throws when it refuses).
            await channel.BasicPublishAsync(_options.Exchange, message.Vin, mandatory: false, properties, body, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await ResetAsync().ConfigureAwait(false);
            throw;
        }

        Interlocked.Increment(ref _confirmed);
    }

    public async ValueTask DisposeAsync()
    {
        await ResetAsync().ConfigureAwait(false);
        _connectLock.Dispose();
    }

    private async ValueTask<IChannel> ChannelAsync(CancellationToken cancellationToken)
    {
        if (_channel is { IsOpen: true } open)
        {
            return open;
        }

        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_channel is { IsOpen: true } again)
            {
                return again;
            }

            await ResetCoreAsync().ConfigureAwait(false);
            var factory = new ConnectionFactory { Uri = new Uri(_options.Uri), ClientProvidedName = "nevhub-gateway" };
            _connection = await factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
            _channel = await _connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
                cancellationToken).ConfigureAwait(false);
            await RabbitMqTopology.DeclareAsync(_channel, _options, cancellationToken).ConfigureAwait(false);
            return _channel;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private async Task ResetAsync()
    {
        await _connectLock.WaitAsync().ConfigureAwait(false);
        try
        {
            await ResetCoreAsync().ConfigureAwait(false);
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private async Task ResetCoreAsync()
    {
        var channel = _channel;
        var connection = _connection;
        _channel = null;
        _connection = null;
        if (channel is not null)
        {
            await channel.DisposeAsync().ConfigureAwait(false);
        }

        if (connection is not null)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
