using System.Collections.Concurrent;
using System.Threading.Channels;
using NevHub.Processing;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace NevHub.Messaging.RabbitMq;

/// <summary>
/// The gateway side of the distributed bus: publishes each <see cref="IngestMessage"/> (routing key = VIN, persistent) with
/// publisher confirms. A message counts as published once the broker has confirmed it, i.e. it is replicated in its quorum
/// queue: in the distributed deployment that is the point at which a gateway may acknowledge the device.
/// <para>
/// Publishing is pipelined: one loop sends the messages in the order they were handed over, on one channel (so the broker keeps
/// that order in each queue), with up to <see cref="MaxUnconfirmed"/> awaiting their confirms; confirms complete each message's
/// task. Waiting for each confirm before the next publish would bound a gateway to (lanes ÷ confirm round trip) messages a second.
/// A message the broker refuses, or that is outstanding when the connection is lost, fails; the caller does not acknowledge, the
/// device resends, and the store's natural keys drop whatever turns out to be a duplicate.
/// </para>
/// </summary>
public sealed class RabbitMqIngestPublisher : IAsyncDisposable
{
    /// <summary>Messages sent but not yet confirmed, at most (bounds the gateway's memory and what a lost connection fails).</summary>
    public const int MaxUnconfirmed = 4096;

    private static readonly TimeSpan ReconnectPause = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(15);

    private readonly RabbitMqBusOptions _options;
    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(MaxUnconfirmed)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly SemaphoreSlim _window = new(MaxUnconfirmed, MaxUnconfirmed);
    private readonly BasicProperties _properties = new() { DeliveryMode = DeliveryModes.Persistent, ContentType = "application/x-nevhub-ingest; v=1" };
    private readonly Task _loop;
    private IConnection? _connection;
    private Generation? _current;
    private long _confirmed;

    public RabbitMqIngestPublisher(RabbitMqBusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _loop = Task.Run(PublishLoopAsync);
    }

    /// <summary>Messages confirmed by the broker since start.</summary>
    public long Confirmed => Interlocked.Read(ref _confirmed);

    /// <summary>
    /// Hands a message over for publishing, in order; returns once it is queued (waits while <see cref="MaxUnconfirmed"/> are queued).
    /// <paramref name="confirmed"/> (if any) completes when the broker confirmed it, or fails when it will not be.
    /// </summary>
    public ValueTask EnqueueAsync(IngestMessage message, TaskCompletionSource? confirmed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return _queue.Writer.WriteAsync(new Pending(message.Vin, IngestMessageCodec.Encode(message), confirmed), cancellationToken);
    }

    /// <summary>Publishes one message and returns once the broker confirmed it; throws when it did not.</summary>
    public async ValueTask PublishAsync(IngestMessage message, CancellationToken cancellationToken = default)
    {
        var confirmed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await EnqueueAsync(message, confirmed, cancellationToken).ConfigureAwait(false);
        await confirmed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Publishes what was handed over, waits a while for outstanding confirms, then closes (what is left fails).</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        using (var drain = new CancellationTokenSource(DrainTimeout))
        {
            try
            {
                for (var i = 0; i < MaxUnconfirmed; i++)
                {
                    await _window.WaitAsync(drain.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                // Not confirmed in time: failed below, so their devices resend.
            }
        }

        await ResetAsync(new ObjectDisposedException(nameof(RabbitMqIngestPublisher))).ConfigureAwait(false);
        _window.Dispose();
    }

    private async Task PublishLoopAsync()
    {
        await foreach (var pending in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            await _window.WaitAsync().ConfigureAwait(false);
            Generation generation;
            try
            {
                generation = await GenerationAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The broker is unreachable: this message fails at once (its device resends); the next one tries again shortly.
                Fail(pending, ex);
                await Task.Delay(ReconnectPause).ConfigureAwait(false);
                continue;
            }

            ulong sequence = 0;
            try
            {
                sequence = await generation.Channel.GetNextPublishSequenceNumberAsync().ConfigureAwait(false);
                generation.Unconfirmed[sequence] = pending; // before sending: the confirm may arrive before the call returns
                await generation.Channel.BasicPublishAsync(_options.Exchange, pending.Vin, mandatory: false, _properties, pending.Body).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                if (generation.Unconfirmed.TryRemove(sequence, out _) || sequence == 0)
                {
                    Fail(pending, ex);
                }

                await ResetAsync(ex).ConfigureAwait(false);
            }
        }
    }

    private void Fail(Pending pending, Exception reason)
    {
        pending.Confirmed?.TrySetException(reason);
        _window.Release();
    }

    private async ValueTask<Generation> GenerationAsync()
    {
        if (_current is { Channel.IsOpen: true } open)
        {
            return open;
        }

        await ResetAsync(new IOException("The broker connection was lost before the confirm.")).ConfigureAwait(false);
        var factory = new ConnectionFactory { Uri = new Uri(_options.Uri), ClientProvidedName = "nevhub-gateway" };
        _connection = await factory.CreateConnectionAsync().ConfigureAwait(false);
        var channel = await _connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: false))
            .ConfigureAwait(false);
        var generation = new Generation(channel);
        channel.BasicAcksAsync += (_, e) => Settle(generation, e.DeliveryTag, e.Multiple, failure: null);
        channel.BasicNacksAsync += (_, e) => Settle(generation, e.DeliveryTag, e.Multiple, new IOException("The broker refused the message (nack)."));
        channel.ChannelShutdownAsync += (_, e) =>
        {
            FailAll(generation, new IOException("The broker channel closed before the confirm: " + e.ReplyText));
            return Task.CompletedTask;
        };
        await RabbitMqTopology.DeclareAsync(channel, _options).ConfigureAwait(false);
        _current = generation;
        return generation;
    }

    private Task Settle(Generation generation, ulong deliveryTag, bool multiple, Exception? failure)
    {
        var tags = multiple ? generation.Unconfirmed.Keys.Where(t => t <= deliveryTag).ToList() : [deliveryTag];
        foreach (var tag in tags)
        {
            if (generation.Unconfirmed.TryRemove(tag, out var pending))
            {
                if (failure is null)
                {
                    Interlocked.Increment(ref _confirmed);
                    pending.Confirmed?.TrySetResult();
                }
                else
                {
                    pending.Confirmed?.TrySetException(failure);
                }

                _window.Release();
            }
        }

        return Task.CompletedTask;
    }

    private void FailAll(Generation generation, Exception reason)
    {
        foreach (var tag in generation.Unconfirmed.Keys)
        {
            if (generation.Unconfirmed.TryRemove(tag, out var pending))
            {
                Fail(pending, reason);
            }
        }
    }

    private async Task ResetAsync(Exception reason)
    {
        var (generation, connection) = (_current, _connection);
        (_current, _connection) = (null, null);
        if (generation is not null)
        {
            FailAll(generation, reason);
        }

        await BrokerConnection.CloseQuietlyAsync(generation?.Channel, connection).ConfigureAwait(false);
    }

    private sealed record Pending(string Vin, byte[] Body, TaskCompletionSource? Confirmed);

    /// <summary>One channel and the messages sent on it awaiting confirms (delivery tags are per channel).</summary>
    private sealed record Generation(IChannel Channel)
    {
        public ConcurrentDictionary<ulong, Pending> Unconfirmed { get; } = new();
    }
}
