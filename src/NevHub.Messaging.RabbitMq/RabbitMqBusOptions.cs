namespace NevHub.Messaging.RabbitMq;

/// <summary>Settings of the RabbitMQ bus. Section "NevHub:Bus:RabbitMq".</summary>
public sealed class RabbitMqBusOptions
{
    public const string Section = "NevHub:Bus:RabbitMq";

    /// <summary>AMQP URI of the broker (or a cluster node), e.g. <c>amqp://nevhub:secret@mq1:5672/</c>. Required.</summary>
    public string Uri { get; set; } = "";

    /// <summary>The consistent-hash exchange gateways publish to. Default "nevhub.ingest".</summary>
    public string Exchange { get; set; } = "nevhub.ingest";

    /// <summary>
    /// Number of partition queues (<c>{Exchange}.p0</c> ... ). Every node of a cluster must use the same number; it bounds how many
    /// processors can share the work (one active consumer per partition). Default 16.
    /// </summary>
    public int Partitions { get; set; } = 16;

    /// <summary>Unacknowledged messages one processor holds per partition (bounds memory and the redelivery after a crash). Default 512.</summary>
    public ushort Prefetch { get; set; } = 512;

    public void Validate()
    {
        if (!System.Uri.TryCreate(Uri, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps"))
        {
            throw new ArgumentException("An amqp:// or amqps:// URI is required (NevHub:Bus:RabbitMq:Uri).", nameof(Uri));
        }

        if (string.IsNullOrWhiteSpace(Exchange))
        {
            throw new ArgumentException("The exchange name is required.", nameof(Exchange));
        }

        if (Partitions is < 1 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(Partitions), Partitions, "Must be between 1 and 1024.");
        }

        if (Prefetch < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Prefetch), Prefetch, "Must be at least 1.");
        }
    }

    public string QueueName(int partition) => Exchange + ".p" + partition.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
