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
            _sink.RecordQuality(s.Vin, day, new QualityObservation(true, s.Kind == ReportKind.Reissue, latency, null, false, 0, 0, false, false, false,
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
        double covered = 0, expected = 0;
        bool odoJump = false, socJump = false, posJump = false;
        if (v.Last is { } p && s.SampleTime > p.SampleTime)
        {
            var dt = s.SampleTime - p.SampleTime;
            var capped = dt < _options.CoverageGap ? dt : _options.CoverageGap;
            covered = capped.TotalSeconds;
            expected = capped / _options.ReportPeriod;
            var hours = dt.TotalHours;
            if (s.OdometerKm is { } o2 && p.OdometerKm is { } o1)
            {
                var delta = o2 - o1;
                odoJump = delta < 0 || delta > (_options.MaxPlausibleSpeedKmh * hours) + 1;
            }

            if (s.SocPercent is { } c2 && p.SocPercent is { } c1 && dt <= TimeSpan.FromMinutes(1))
            {
                socJump = Math.Abs(c2 - c1) > _options.SocJumpPercent;
            }

            if (s.PositionValid && p.PositionValid && s.Latitude is { } la2 && s.Longitude is { } lo2 && p.Latitude is { } la1 && p.Longitude is { } lo1)
            {
                var km = Geo.DistanceM(la1, lo1, la2, lo2) / 1000;
                posJump = km > 1 && km > _options.MaxPlausibleSpeedKmh * hours;
            }
        }

        if (v.Last is null || s.SampleTime > v.Last.SampleTime)
        {
            v.Last = s.Detail is null ? s : s with { Detail = null };
        }

        _sink.RecordQuality(s.Vin, day, new QualityObservation(false, s.Kind == ReportKind.Reissue, latency, drift, driftViolation, covered, expected,
            odoJump, socJump, posJump, s.InvalidFields, s.AbnormalFields, key.UtcTicks, key.Item2, s.ReceivedAt.UtcTicks));
    }

    private sealed class VehicleQualityState
    {
        public HashSet<(long, long)> Keys { get; } = [];

        public Queue<(long, long)> Order { get; } = new();

        public VehicleSample? Last { get; set; }
    }
}
