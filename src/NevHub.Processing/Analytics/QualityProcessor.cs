using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using NevHub.Domain;
using NevHub.Storage;

namespace NevHub.Processing.Analytics;

/// <summary>
/// Data-quality counters per vehicle and UTC day (of the sample time): frames, realtime/reissue, duplicates (same sample
/// time and content seen recently), latency (receipt − sample time), clock drift of realtime frames, covered time and
/// expected frames at the report period, invalid/abnormal fields, and implausible jumps of odometer, SOC and position
/// against the previous sample in time. Each observation carries its receipt (sample time, content hash, receive time), so the
/// store counts a frame once however often it is replayed. Runs on the vehicle's lane.
/// </summary>
public sealed class QualityProcessor : IVehicleProcessor
{
    private const int RecentKeys = 2048;

    /// <summary>Recent samples kept per vehicle to place late ones: 256 at 10 s is ~40 min (~10 KB a vehicle).</summary>
    private const int MaxPoints = 256;
    private readonly AnalyticsOptions _options;
    private readonly IAnalyticsSink _sink;
    private readonly ConcurrentDictionary<string, VehicleQualityState> _vehicles = new(StringComparer.Ordinal);

    public QualityProcessor(IOptions<AnalyticsOptions> options, IAnalyticsSink sink)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _sink = sink;
    }

    public void Process(IngestMessage message, VehicleLiveState state)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Sample is { } sample)
        {
            Observe(sample);
        }
    }

    public void Observe(VehicleSample s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var v = _vehicles.GetOrAdd(s.Vin, static _ => new VehicleQualityState());
        var day = DateOnly.FromDateTime(s.SampleTime.UtcDateTime);
        var latency = (s.ReceivedAt - s.SampleTime).TotalSeconds;
        (long UtcTicks, long) key = (s.SampleTime.UtcTicks, SampleContentHash.Compute(s));
        if (!v.Keys.Add(key))
        {
            _sink.RecordQuality(s.Vin, day, new QualityObservation(true, s.Kind == ReportKind.Reissue, latency, null, false, 0, 0, 0, 0, 0,
                SampleField.None, SampleField.None, key.UtcTicks, key.Item2, s.ReceivedAt.UtcTicks));
            return;
        }

        v.Order.Enqueue(key);
        if (v.Order.Count > RecentKeys)
        {
            v.Keys.Remove(v.Order.Dequeue());
        }

        double? drift = s.Kind == ReportKind.Realtime ? latency : null;
        var driftViolation = drift is { } d && Math.Abs(d) > _options.ClockDriftLimit.TotalSeconds;
        var change = Place(v, new QualityPoint(s));
        _sink.RecordQuality(s.Vin, day, new QualityObservation(false, s.Kind == ReportKind.Reissue, latency, drift, driftViolation,
            change.CoveredSeconds, change.ExpectedFrames, change.OdometerJumps, change.SocJumps, change.PositionJumps,
            s.InvalidFields, s.AbnormalFields, key.UtcTicks, key.Item2, s.ReceivedAt.UtcTicks));
    }

    /// <summary>
    /// Inserts the sample among the vehicle's recent points by sample time and returns what that changes: the step from
    /// its predecessor, and for a late sample also the step to its successor minus the step between the two that it now
    /// splits. So coverage, expected frames and jumps come out the same whatever the arrival order (within the kept points).
    /// </summary>
    private Step Place(VehicleQualityState v, in QualityPoint s)
    {
        var points = v.Points;
        var lo = 0;
        var hi = points.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (points[mid].Ticks <= s.Ticks)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        QualityPoint? previous = lo > 0 ? points[lo - 1] : null;
        QualityPoint? next = lo < points.Count ? points[lo] : null;
        var change = default(Step);
        if (previous is { } p)
        {
            change += StepBetween(p, s);
        }

        if (next is { } n && (previous is not null || !v.Evicted))
        {
            // Older than everything kept after points were evicted: its predecessor is unknown, leave it out.
            change += StepBetween(s, n);
            if (previous is { } before)
            {
                change -= StepBetween(before, n);
            }
        }

        points.Insert(lo, s);
        if (points.Count > MaxPoints)
        {
            points.RemoveAt(0);
            v.Evicted = true;
        }

        return change;
    }

    private Step StepBetween(in QualityPoint a, in QualityPoint b)
    {
        var dt = TimeSpan.FromTicks(b.Ticks - a.Ticks);
        if (dt <= TimeSpan.Zero)
        {
            return default;
        }

        var capped = dt < _options.CoverageGap ? dt : _options.CoverageGap;
        var hours = dt.TotalHours;
        var odoJump = !double.IsNaN(a.Odometer) && !double.IsNaN(b.Odometer)
            && (b.Odometer - a.Odometer < 0 || b.Odometer - a.Odometer > (_options.MaxPlausibleSpeedKmh * hours) + 1);
        var socJump = !double.IsNaN(a.Soc) && !double.IsNaN(b.Soc) && dt <= TimeSpan.FromMinutes(1)
            && Math.Abs(b.Soc - a.Soc) > _options.SocJumpPercent;
        var posJump = false;
        if (a.HasFix && b.HasFix)
        {
            var km = Geo.DistanceM(a.Latitude, a.Longitude, b.Latitude, b.Longitude) / 1000;
            posJump = km > 1 && km > _options.MaxPlausibleSpeedKmh * hours;
        }

        return new Step(capped.TotalSeconds, capped / _options.ReportPeriod, odoJump ? 1 : 0, socJump ? 1 : 0, posJump ? 1 : 0);
    }

    private readonly record struct Step(double CoveredSeconds, double ExpectedFrames, int OdometerJumps, int SocJumps, int PositionJumps)
    {
        public static Step operator +(Step a, Step b) => new(a.CoveredSeconds + b.CoveredSeconds, a.ExpectedFrames + b.ExpectedFrames,
            a.OdometerJumps + b.OdometerJumps, a.SocJumps + b.SocJumps, a.PositionJumps + b.PositionJumps);

        public static Step operator -(Step a, Step b) => new(a.CoveredSeconds - b.CoveredSeconds, a.ExpectedFrames - b.ExpectedFrames,
            a.OdometerJumps - b.OdometerJumps, a.SocJumps - b.SocJumps, a.PositionJumps - b.PositionJumps);
    }

    /// <summary>What quality needs of a sample: its time, odometer, SOC and fix (absent numbers NaN).</summary>
    private readonly struct QualityPoint(VehicleSample s)
    {
        public long Ticks { get; } = s.SampleTime.UtcTicks;

        public double Odometer { get; } = s.OdometerKm ?? double.NaN;

        public double Soc { get; } = s.SocPercent ?? double.NaN;

        // Only a valid fix counts for position jumps.
        public double Latitude { get; } = s.PositionValid ? s.Latitude ?? double.NaN : double.NaN;

        public double Longitude { get; } = s.PositionValid ? s.Longitude ?? double.NaN : double.NaN;

        public bool HasFix => !double.IsNaN(Latitude) && !double.IsNaN(Longitude);
    }

    private sealed class VehicleQualityState
    {
        public HashSet<(long, long)> Keys { get; } = [];

        public Queue<(long, long)> Order { get; } = new();

        /// <summary>Recent samples by sample time (at most <see cref="MaxPoints"/>).</summary>
        public List<QualityPoint> Points { get; } = [];

        /// <summary>True once points were dropped at the front: a sample older than all kept points has no known predecessor.</summary>
        public bool Evicted { get; set; }
    }
}
