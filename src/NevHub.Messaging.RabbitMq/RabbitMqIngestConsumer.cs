using NevHub.Processing;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace NevHub.Messaging.RabbitMq;

/// <summary>
/// The processor side of the distributed bus: consumes every partition queue (single active consumer: the broker makes one
/// processor of the cluster active per partition, and moves the partition to another when it goes away), decodes each message and
/// hands it to <c>handle</c> in delivery order, which must pass it on the ordered path (the <see cref="IngestBus"/> lane of its
/// VIN, whose sink is the group-commit writer). The delivery is acknowledged only when the message's
/// <see cref="IngestMessage.Durable"/> completes, i.e. once it is in the store (or the disk spool); unacknowledged deliveries of a
/// processor that dies are redelivered to the next one, and the store's natural keys drop the duplicates.
/// </summary>
public sealed class RabbitMqIngestConsumer : IAsyncDisposable
{
    private readonly RabbitMqBusOptions _options;
    private readonly Func<IngestMessage, CancellationToken, ValueTask> _handle;
    private readonly CancellationTokenSource _stop = new();
    private IConnection? _connection;
    private readonly List<IChannel> _channels = [];
    private Task _standby = Task.CompletedTask;

    public RabbitMqIngestConsumer(RabbitMqBusOptions options, Func<IngestMessage, CancellationToken, ValueTask> handle)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handle);
        options.Validate();
        _options = options;
        _handle = handle;
    }

    /// <summary>Messages acknowledged (durable) since start.</summary>
    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    /// <summary>Messages that arrived marked as redelivered.</summary>
    public long Redelivered => Interlocked.Read(ref _redelivered);

    private long _acknowledged;
    private long _redelivered;

    /// <summary>
    /// Connects, declares the topology and starts consuming the preferred partitions (one channel each, so partitions flow
    /// independently); registers on the other partitions after <see cref="RabbitMqBusOptions.StandbyDelay"/>, as their standby.
    /// </summary>
    public async Task StartAsync(string consumerName, CancellationToken cancellationToken = default)
    {
        var factory = new ConnectionFactory
        {
            Uri = new Uri(_options.Uri),
            ClientProvidedName = consumerName,
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = TimeSpan.FromSeconds(1),
        };
        _connection = await factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (var declare = await _connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            await RabbitMqTopology.DeclareAsync(declare, _options, cancellationToken).ConfigureAwait(false);
        }

        var preferred = _options.Preferred();
        foreach (var p in preferred)
        {
            await ConsumeAsync(p, consumerName, cancellationToken).ConfigureAwait(false);
        }

        var others = Enumerable.Range(0, _options.Partitions).Except(preferred).ToList();
        if (others.Count > 0)
        {
            _standby = ConsumeLaterAsync(others, consumerName);
        }
    }

    private async Task ConsumeLaterAsync(List<int> partitions, string consumerName)
    {
        try
        {
            await Task.Delay(_options.StandbyDelay, _stop.Token).ConfigureAwait(false);
            while (partitions.Count > 0)
            {
                try
                {
                    await ConsumeAsync(partitions[0], consumerName, _stop.Token).ConfigureAwait(false);
                    partitions.RemoveAt(0);
                }
                catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
                {
                    // The broker is away: the connection recovers by itself; try this partition again shortly.
                    await Task.Delay(TimeSpan.FromSeconds(1), _stop.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task ConsumeAsync(int partition, string consumerName, CancellationToken cancellationToken)
    {
        var channel = await _connection!.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        lock (_channels)
        {
            _channels.Add(channel);
        }

        await channel.BasicQosAsync(0, _options.Prefetch, global: false, cancellationToken).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) => OnDeliveryAsync(channel, delivery);
        await channel.BasicConsumeAsync(_options.QueueName(partition), autoAck: false, consumerTag: consumerName + ".p" + partition, consumer, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>Stops consuming; deliveries not yet durable are not acknowledged and go to the next processor.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _standby.ConfigureAwait(false);
        IChannel[] channels;
        lock (_channels)
        {
            channels = [.. _channels];
        }

        foreach (var channel in channels)
        {
            await channel.DisposeAsync().ConfigureAwait(false);
        }

        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    /// <summary>Simulates a crash: drops the connection without a clean close of the consumers (tests).</summary>
    public async Task AbortAsync()
    {
        if (_connection is not null)
        {
            await _connection.AbortAsync().ConfigureAwait(false);
        }
    }

    private async Task OnDeliveryAsync(IChannel channel, BasicDeliverEventArgs delivery)
    {
        if (delivery.Redelivered)
        {
            Interlocked.Increment(ref _redelivered);
        }

        IngestMessage message;
        try
        {
            message = IngestMessageCodec.Decode(delivery.Body.ToArray());
        }
        catch (InvalidDataException)
        {
            // A message no version of this build understands cannot be processed anywhere: reject it (dead-letter if configured).
            await channel.BasicRejectAsync(delivery.DeliveryTag, requeue: false).ConfigureAwait(false);
            return;
        }

        var durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _handle(message with { Durable = durable, ReceivedTimestamp = GatewayReceiptTimestamp(message) }, _stop.Token).ConfigureAwait(false);
        _ = AcknowledgeWhenDurableAsync(channel, delivery.DeliveryTag, durable.Task);
    }

    /// <summary>
    /// When the gateway received the frame, as a local <see cref="System.Diagnostics.Stopwatch"/> timestamp, so that the processor's
    /// receipt-to-twin latency covers the whole path (gateway, broker, processor). Derived from the frame's receive time (wall clock
    /// of the gateway node: node clocks must be NTP-synchronised for it to mean anything); never later than now.
    /// </summary>
    private static long GatewayReceiptTimestamp(IngestMessage message)
    {
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        if ((message.Sample?.ReceivedAt ?? message.Raw?.ReceivedAt) is not { } receivedAt)
        {
            return now;
        }

        var age = DateTimeOffset.UtcNow - receivedAt;
        return age <= TimeSpan.Zero ? now : now - (long)(age.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
    }

    private async Task AcknowledgeWhenDurableAsync(IChannel channel, ulong deliveryTag, Task durable)
    {
        try
        {
            await durable.ConfigureAwait(false);
            await channel.BasicAckAsync(deliveryTag, multiple: false).ConfigureAwait(false);
            Interlocked.Increment(ref _acknowledged);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Not durable, or the channel is gone: leave it unacknowledged; the broker redelivers it (here or to the next processor).
        }
    }
}
