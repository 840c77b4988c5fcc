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

    /// <summary>
    /// The partitions this processor consumes at once, e.g. "0-7" or "0,2,4-6" (empty = all). Single active consumer makes the
    /// first consumer registered on a queue its active one, so a processor registers on the other partitions only after
    /// <see cref="StandbyDelay"/>: processors started together with disjoint preferred partitions share the work, and each stands
    /// by for the others' partitions. Default empty.
    /// </summary>
    public string PreferredPartitions { get; set; } = "";

    /// <summary>How long a processor waits before registering as standby on the partitions it does not prefer. Default 10 s.</summary>
    public TimeSpan StandbyDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The fanout exchange processors publish live-twin changes to and API nodes consume from (each through its own transient
    /// queue). Default "nevhub.live".
    /// </summary>
    public string LiveExchange { get; set; } = "nevhub.live";

    /// <summary>How often a processor publishes the vehicles its twin changed (all changes of a vehicle in between coalesce). Default 200 ms.</summary>
    public TimeSpan LiveInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Live-update messages an API node's queue holds before the broker drops the oldest (an API node that cannot keep up loses
    /// intermediate states, never the newest). Default 1,000 (of up to 500 vehicles each).
    /// </summary>
    public int LiveQueueLength { get; set; } = 1000;

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

        if (string.IsNullOrWhiteSpace(LiveExchange) || LiveExchange == Exchange)
        {
            throw new ArgumentException("The live exchange name is required and must differ from the ingest exchange.", nameof(LiveExchange));
        }

        if (LiveInterval <= TimeSpan.Zero || LiveInterval > TimeSpan.FromMinutes(1))
        {
            throw new ArgumentOutOfRangeException(nameof(LiveInterval), LiveInterval, "Must be between 0 and 1 minute.");
        }

        if (LiveQueueLength < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(LiveQueueLength), LiveQueueLength, "Must be at least 1.");
        }

        if (Partitions is < 1 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(Partitions), Partitions, "Must be between 1 and 1024.");
        }

        _ = Preferred();
        if (StandbyDelay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(StandbyDelay), StandbyDelay, "Must not be negative.");
        }

        if (Prefetch < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Prefetch), Prefetch, "Must be at least 1.");
        }
    }

    /// <summary>The partitions of <see cref="PreferredPartitions"/>, in order; all of them when it is empty.</summary>
    public IReadOnlyList<int> Preferred()
    {
        if (string.IsNullOrWhiteSpace(PreferredPartitions))
        {
            return [.. Enumerable.Range(0, Partitions)];
        }

        var chosen = new SortedSet<int>();
        foreach (var part in PreferredPartitions.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var bounds = part.Split('-', StringSplitOptions.TrimEntries);
            if (bounds.Length is < 1 or > 2
                || !int.TryParse(bounds[0], System.Globalization.CultureInfo.InvariantCulture, out var first)
                || !int.TryParse(bounds[^1], System.Globalization.CultureInfo.InvariantCulture, out var last)
                || first < 0 || last >= Partitions || first > last)
            {
                throw new ArgumentException(
                    $"PreferredPartitions must list partitions or ranges between 0 and {Partitions - 1}, e.g. \"0-7\" (was '{PreferredPartitions}').",
                    nameof(PreferredPartitions));
            }

            chosen.UnionWith(Enumerable.Range(first, last - first + 1));
        }

        return [.. chosen];
    }

    public string QueueName(int partition) => Exchange + ".p" + partition.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
