using NevHub.Storage.Analytics;

namespace NevHub.Processing.Analytics;

/// <summary>
/// Where analytics processors hand their results. Every call returns at once (the lane never waits for I/O); the
/// implementation coalesces changes by natural key and writes them in the background (<see cref="AnalyticsWriter"/>).
/// </summary>
public interface IAnalyticsSink
{
    void UpsertTrip(Trip trip);

    void DeleteTrip(string vin, DateTimeOffset start);

    void UpsertCharge(ChargeSession session);

    void DeleteCharge(string vin, DateTimeOffset start);

    /// <param name="episode">The episode.</param>
    /// <param name="becameSerious">True the first time this episode reaches the webhook level (notify once).</param>
    void UpsertAlarm(AlarmEpisode episode, bool becameSerious);

    void DeleteAlarm(string id);

    void RecordQuality(string vin, DateOnly day, in QualityObservation observation);
}

/// <summary>
/// What one received sample says about data quality. With a receipt (<paramref name="SampleTicks"/> ≠ 0: sample time, content
/// hash, receive time) the store counts it once however often it is recorded (replays); without one it is a plain increment.
/// Coverage, expected frames and jumps are changes: a late sample that fills a gap between two earlier ones replaces that
/// gap's contribution by its two halves', so they can be negative.
/// </summary>
public readonly record struct QualityObservation(
    bool Duplicate,
    bool Reissue,
    double LatencySeconds,
    double? ClockDriftSeconds,
    bool ClockDriftViolation,
    double CoveredSeconds,
    double ExpectedFrames,
    int OdometerJumps,
    int SocJumps,
    int PositionJumps,
    NevHub.Domain.SampleField Invalid,
    NevHub.Domain.SampleField Abnormal,
    long SampleTicks = 0,
    long ContentHash = 0,
    long ReceivedTicks = 0);

/// <summary>
/// Told about alarm episodes once they are durable (e.g. the live feed). Called after each write with the episodes the
/// write stored; <c>isNew</c> is true for an episode written for the first time. Must not block: the writer waits for it.
/// </summary>
public interface IAlarmWriteListener
{
    ValueTask AlarmsWrittenAsync(IReadOnlyList<(AlarmEpisode Alarm, bool IsNew)> alarms, CancellationToken cancellationToken);
}
