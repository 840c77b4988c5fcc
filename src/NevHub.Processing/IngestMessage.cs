using NevHub.Domain;

namespace NevHub.Processing;

/// <summary>
/// A normalized message from a gateway: a decoded sample and/or the raw frame it came from, or a session event.
/// Keyed by VIN; all messages of one VIN travel one lane, in order of arrival.
/// </summary>
public sealed record IngestMessage
{
    public required string Vin { get; init; }

    public VehicleSample? Sample { get; init; }

    public RawFrame? Raw { get; init; }

    /// <summary>A session that started, changed or ended.</summary>
    public VehicleSession? Session { get; init; }

    /// <summary><see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> when the gateway received the frame; measures receipt-to-twin latency.</summary>
    public long ReceivedTimestamp { get; init; }

    /// <summary>Completed when the sample and raw frame are durable; set only when the gateway must acknowledge after storage.</summary>
    public TaskCompletionSource? Durable { get; init; }
}
