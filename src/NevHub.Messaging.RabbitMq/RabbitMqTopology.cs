using RabbitMQ.Client;

namespace NevHub.Messaging.RabbitMq;

/// <summary>
/// Declares the bus (idempotent; every node does it at start): a durable <c>x-consistent-hash</c> exchange (plugin
/// <c>rabbitmq_consistent_hash_exchange</c>) and N durable quorum queues with single active consumer, each bound with weight 1.
/// The exchange hashes the routing key (the VIN), so a vehicle always lands in the same partition, and single active consumer
/// makes one processor at a time consume a partition, in order; when it dies the broker hands the partition to another.
/// </summary>
public static class RabbitMqTopology
{
    public static async Task DeclareAsync(IChannel channel, RabbitMqBusOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(options);
        await channel.ExchangeDeclareAsync(options.Exchange, "x-consistent-hash", durable: true, autoDelete: false, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        var arguments = new Dictionary<string, object?>
        {
            ["x-queue-type"] = "quorum",
            ["x-single-active-consumer"] = true,
        };
        for (var p = 0; p < options.Partitions; p++)
        {
            var queue = options.QueueName(p);
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            await channel.QueueBindAsync(queue, options.Exchange, routingKey: "1", cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The live-update exchange: fanout, durable (so publishers never hit a missing exchange after a broker restart) but carrying
    /// only transient messages; each API node binds its own exclusive, auto-delete queue to it.
    /// </summary>
    public static async Task DeclareLiveAsync(IChannel channel, RabbitMqBusOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(options);
        await channel.ExchangeDeclareAsync(options.LiveExchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
    }
}
