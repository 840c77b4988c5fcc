using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using NevHub.Domain;
using NevHub.Storage;
using NevHub.Storage.Analytics;

namespace NevHub.Processing.Analytics;

/// <summary>
/// Trips, charging sessions and alarm episodes of every vehicle, re-derived from a bounded, time-sorted window of its
/// recent samples. Each new sample (live, reissued, late, out of order) is inserted by sample time (exact duplicates
/// are dropped) and the affected span is segmented again: from <see cref="AnalyticsOptions.Lookback"/> before the sample,
/// widened to the start of any record still open or ending within that look-back, to the end of the window. The new
/// records are compared with those emitted before for that span; the differences go to the sink as upserts and deletes
/// by natural key. Deterministic: the same set of samples gives the same records whatever the arrival order (within
/// the window). Runs on the vehicle's lane; never blocks on I/O.
/// </summary>
public sealed class DerivationProcessor : IVehicleProcessor
{
    private readonly AnalyticsOptions _options;
    private readonly IAnalyticsSink _sink;
    private readonly ConcurrentDictionary<string, VehicleWindow> _vehicles = new(StringComparer.Ordinal);
    private long _tooLate;
    private long _futureSkewed;

    public DerivationProcessor(IOptions<AnalyticsOptions> options, IAnalyticsSink sink)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _options.Validate();
        _sink = sink;
    }

    /// <summary>Samples older than a vehicle's window, left out of derivation.</summary>
    public long TooLate => Interlocked.Read(ref _tooLate);

    /// <summary>Samples dated too far ahead of their receipt (a wrong clock), left out of derivation.</summary>
    public long FutureSkewed => Interlocked.Read(ref _futureSkewed);

    public void Process(IngestMessage message, VehicleLiveState state)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Sample is { } sample)
        {
            Add(sample);
        }
    }

    /// <summary>Adds one sample and re-derives what it touches. Returns false when it was a duplicate or left out.</summary>
    public bool Add(VehicleSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        if (sample.SampleTime - sample.ReceivedAt > _options.MaxFutureSkew)
        {
            Interlocked.Increment(ref _futureSkewed);
            return false;
        }

        var w = _vehicles.GetOrAdd(sample.Vin, static _ => new VehicleWindow());
        if (w.Samples.Count > 0 && sample.SampleTime < w.Samples[^1].SampleTime - _options.Window
            || w.Samples.Count > 0 && sample.SampleTime < w.Samples[0].SampleTime && w.Samples.Count >= _options.MaxWindowSamples)
        {
            Interlocked.Increment(ref _tooLate);
            return false;
        }

        var key = (sample.SampleTime.UtcTicks, SampleContentHash.Compute(sample));
        if (!w.Keys.Add(key))
        {
            return false;
        }

        var slim = sample.Detail is null ? sample : sample with { Detail = null };
        w.Samples.Insert(UpperBound(w.Samples, sample.SampleTime), slim);
        w.Hashes.Insert(UpperBound(w.Samples, sample.SampleTime) - 1, key.Item2);
        Derive(w, sample.SampleTime);
        Prune(w);
        return true;
    }

    /// <summary>
    /// Restores a vehicle's window after a restart: its recent samples (from the store) and the records already stored
    /// for that span. Nothing is written; later samples re-derive against this state. Call before the vehicle's lane runs.
    /// </summary>
    public void Prime(string vin, IEnumerable<VehicleSample> samples, DerivedRecords stored)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(stored);
        var w = new VehicleWindow();
        foreach (var s in samples.OrderBy(s => s.SampleTime))
        {
            var key = (s.SampleTime.UtcTicks, SampleContentHash.Compute(s));
            if (w.Keys.Add(key))
            {
                w.Samples.Add(s.Detail is null ? s : s with { Detail = null });
                w.Hashes.Add(key.Item2);
            }
        }

        w.Trips.AddRange(stored.Trips.OrderBy(t => t.Start));
        w.Charges.AddRange(stored.Charges.OrderBy(c => c.Start));
        w.Alarms.AddRange(stored.Alarms.OrderBy(a => a.Start));
        _vehicles[vin] = w;
    }

    /// <summary>Trips currently derived for a vehicle's window (tests, diagnostics).</summary>
    public IReadOnlyList<Trip> CurrentTrips(string vin) => _vehicles.TryGetValue(vin, out var w) ? [.. w.Trips] : [];

    public IReadOnlyList<ChargeSession> CurrentCharges(string vin) => _vehicles.TryGetValue(vin, out var w) ? [.. w.Charges] : [];

    public IReadOnlyList<AlarmEpisode> CurrentAlarms(string vin) => _vehicles.TryGetValue(vin, out var w) ? [.. w.Alarms] : [];

    public int WindowCount(string vin) => _vehicles.TryGetValue(vin, out var w) ? w.Samples.Count : 0;

    private void Derive(VehicleWindow w, DateTimeOffset changed)
    {
        // Each kind of record is re-derived from its own anchor: the look-back before the change, moved back to the start
        // of every record of that kind that is open or reaches the anchor (to a fixed point), so no record is cut.
        var reach = changed - _options.Lookback;
        var tripAnchor = Anchor(w.Trips, reach, t => (t.Start, t.End, !t.Complete));
        var chargeAnchor = Anchor(w.Charges, reach, c => (c.Start, c.End, !c.Complete));
        var alarmAnchor = Anchor(w.Alarms, reach, a => (a.Start, a.LastSeen, a.Open));

        var anchor = tripAnchor;
        var from = LowerBound(w.Samples, anchor);
        var trips = TripSegmenter.Segment(w.Samples, from, _options);
        var oldTrips = Split(w.Trips, t => t.Start >= anchor);
        foreach (var old in oldTrips)
        {
            if (!trips.Exists(t => t.Start == old.Start))
            {
                _sink.DeleteTrip(old.Vin, old.Start);
            }
        }

        foreach (var t in trips)
        {
            var old = oldTrips.Find(o => o.Start == t.Start);
            if (old is null || !SameTrip(old, t))
            {
                _sink.UpsertTrip(t);
            }
        }

        w.Trips.AddRange(trips);

        anchor = chargeAnchor;
        from = LowerBound(w.Samples, anchor);
        var contextTime = from > 0 ? w.Samples[from - 1].SampleTime : anchor;
        var charges = ChargeSegmenter.Segment(w.Samples, from, _options);
        var oldCharges = Split(w.Charges, c => c.Start >= anchor || (c.Reconstructed && c.Start >= contextTime));
        foreach (var old in oldCharges)
        {
            if (!charges.Exists(c => c.Start == old.Start))
            {
                _sink.DeleteCharge(old.Vin, old.Start);
            }
        }

        foreach (var c in charges)
        {
            if (oldCharges.Find(o => o.Start == c.Start) != c)
            {
                _sink.UpsertCharge(c);
            }
        }

        w.Charges.AddRange(charges);
        w.Charges.Sort((x, y) => x.Start.CompareTo(y.Start));

        anchor = alarmAnchor;
        from = LowerBound(w.Samples, anchor);
        var alarms = AlarmSegmenter.Segment(w.Samples, from, _options);
        var oldAlarms = Split(w.Alarms, a => a.Start >= anchor);
        var used = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < alarms.Count; i++)
        {
            var a = alarms[i];
            // Keep the identity (and so the operators' handling) of the episode this one overlaps.
            var match = oldAlarms.Find(o => o.Kind == a.Kind && !used.Contains(o.Id) && o.Start <= a.LastSeen && a.Start <= o.LastSeen);
            if (match is not null)
            {
                alarms[i] = a = a with { Id = match.Id };
                used.Add(match.Id);
            }
        }

        foreach (var old in oldAlarms)
        {
            if (!used.Contains(old.Id) && !alarms.Exists(a => a.Id == old.Id))
            {
                _sink.DeleteAlarm(old.Id);
            }
        }

        foreach (var a in alarms)
        {
            var old = oldAlarms.Find(o => o.Id == a.Id);
            if (old is null || !SameAlarm(old, a))
            {
                var serious = a.PeakLevel >= _options.WebhookMinLevel && (old is null || old.PeakLevel < _options.WebhookMinLevel);
                _sink.UpsertAlarm(a, serious);
            }
        }

        w.Alarms.AddRange(alarms);
    }

    private static DateTimeOffset Anchor<T>(List<T> records, DateTimeOffset reach, Func<T, (DateTimeOffset Start, DateTimeOffset End, bool Open)> span)
    {
        var anchor = reach;
        bool moved;
        do
        {
            moved = false;
            foreach (var r in records)
            {
                var (start, end, open) = span(r);
                if ((open || end >= anchor) && start < anchor)
                {
                    anchor = start;
                    moved = true;
                }
            }
        }
        while (moved);
        return anchor;
    }

    private void Prune(VehicleWindow w)
    {
        var cut = w.Samples[^1].SampleTime - _options.Window;
        var keepFrom = Min(Anchor(w.Trips, cut, t => (t.Start, t.End, !t.Complete)), Anchor(w.Charges, cut, c => (c.Start, c.End, !c.Complete)));
        keepFrom = Min(keepFrom, Anchor(w.Alarms, cut, a => (a.Start, a.LastSeen, a.Open)));
        var drop = LowerBound(w.Samples, keepFrom);
        drop = Math.Max(drop, w.Samples.Count - _options.MaxWindowSamples);
        if (drop <= 0)
        {
            return;
        }

        for (var i = 0; i < drop; i++)
        {
            w.Keys.Remove((w.Samples[i].SampleTime.UtcTicks, w.Hashes[i]));
        }

        w.Samples.RemoveRange(0, drop);
        w.Hashes.RemoveRange(0, drop);
        var first = w.Samples[0].SampleTime;
        // Records that start before the window are final now (frozen): they leave the emitted set.
        w.Trips.RemoveAll(t => t.Start < first);
        w.Charges.RemoveAll(c => c.Start < first);
        w.Alarms.RemoveAll(a => a.Start < first);
    }

    private static List<T> Split<T>(List<T> records, Predicate<T> affected)
    {
        var taken = records.FindAll(affected);
        records.RemoveAll(affected);
        return taken;
    }

    private static bool SameTrip(Trip a, Trip b) =>
        a with { Route = [] } == b with { Route = [] } && a.Route.SequenceEqual(b.Route);

    private static bool SameAlarm(AlarmEpisode a, AlarmEpisode b) =>
        a with { Levels = [] } == b with { Levels = [] } && a.Levels.SequenceEqual(b.Levels);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    /// <summary>First index whose sample time is ≥ <paramref name="time"/>.</summary>
    private static int LowerBound(List<VehicleSample> samples, DateTimeOffset time)
    {
        int lo = 0, hi = samples.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (samples[mid].SampleTime < time)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>First index whose sample time is &gt; <paramref name="time"/> (equal times keep arrival order).</summary>
    private static int UpperBound(List<VehicleSample> samples, DateTimeOffset time)
    {
        int lo = 0, hi = samples.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (samples[mid].SampleTime <= time)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private sealed class VehicleWindow
    {
        public List<VehicleSample> Samples { get; } = [];

        public List<long> Hashes { get; } = [];

        public HashSet<(long, long)> Keys { get; } = [];

        public List<Trip> Trips { get; } = [];

        public List<ChargeSession> Charges { get; } = [];

        public List<AlarmEpisode> Alarms { get; } = [];
    }
}
