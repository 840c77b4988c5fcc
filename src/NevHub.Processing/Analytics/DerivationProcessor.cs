using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using NevHub.Domain;
using NevHub.Storage;
using NevHub.Storage.Analytics;

namespace NevHub.Processing.Analytics;

/// <summary>
/// Trips, charging sessions and alarm episodes of every vehicle, derived from a bounded, time-sorted window of its
/// recent samples (exact duplicates are dropped). A sample in order (not before the newest) steps the segmenters' kept
/// states: only the open records are extended or ended, O(1) amortised. A sample out of order (late, reissued) is inserted
/// by sample time and the affected span is segmented again: from <see cref="AnalyticsOptions.Lookback"/> before the sample,
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

        var hash = SampleContentHash.Compute(sample);
        if (!w.Keys.Add((sample.SampleTime.UtcTicks, hash)))
        {
            return false;
        }

        var slim = new WindowSample(sample);
        if (w.Samples.Count == 0 || sample.SampleTime >= w.Samples[^1].SampleTime)
        {
            // In order (the normal case): the segmenters' states step over the new sample; nothing is re-segmented.
            w.Samples.Add(slim, hash);
            if (w.Live && _options.IncrementalInOrder)
            {
                Extend(w);
            }
            else
            {
                Derive(w, sample.SampleTime);
            }
        }
        else
        {
            w.Samples.Insert(UpperBound(w.Samples, sample.SampleTime), slim, hash);
            Derive(w, sample.SampleTime);
        }

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
            var hash = SampleContentHash.Compute(s);
            if (w.Keys.Add((s.SampleTime.UtcTicks, hash)))
            {
                w.Samples.Add(new WindowSample(s), hash);
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
        // Never from inside a record the sample cap froze (it would be derived again from its middle).
        var tripAnchor = Max(Anchor(w.Trips, reach, t => (t.Start, t.End, !t.Complete)), w.FrozenTripsUntil.AddTicks(1));
        var chargeAnchor = Max(Anchor(w.Charges, reach, c => (c.Start, c.End, !c.Complete)), w.FrozenChargesUntil.AddTicks(1));
        var alarmAnchor = Anchor(w.Alarms, reach, a => (a.Start, a.LastSeen, a.Open));

        var anchor = tripAnchor;
        var from = LowerBound(w.Samples, anchor);
        var tripState = new TripSegmenter.State();
        var trips = new List<Trip>();
        for (var i = from; i < w.Samples.Count; i++)
        {
            tripState.Step(w.Samples, i, _options, trips);
        }

        if (tripState.Open(w.Samples, _options, lazyRoute: true) is { } openTrip)
        {
            trips.Add(openTrip);
        }

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
        var chargeState = new ChargeSegmenter.State();
        var charges = new List<ChargeSession>();
        for (var i = from; i < w.Samples.Count; i++)
        {
            chargeState.Step(w.Samples, i, _options, charges);
        }

        if (chargeState.Open(_options) is { } openCharge)
        {
            charges.Add(openCharge);
        }

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
        var alarmState = new AlarmSegmenter.State();
        var alarms = new List<AlarmEpisode>();
        for (var i = from; i < w.Samples.Count; i++)
        {
            alarmState.Step(w.Samples[i], _options, alarms);
        }

        alarmState.AddOpen(_options, alarms);
        if (w.FrozenAlarmsUntil.Count > 0)
        {
            // The rest of an episode the sample cap froze is not a new episode.
            alarms.RemoveAll(a => w.FrozenAlarmsUntil.TryGetValue(a.Kind, out var until) && a.Start <= until);
        }

        AlarmSegmenter.Sort(alarms);
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
        alarmState.AdoptIds(alarms);
        w.TripState = tripState;
        w.ChargeState = chargeState;
        w.AlarmState = alarmState;
        w.Live = true;
    }

    /// <summary>
    /// The newest sample was appended in order: each kind's segmenter state steps over it. Only the record that was open
    /// can change (extended or ended); records it ends, reconstructs or opens are new. O(1) amortised per sample: the open
    /// trip and charge are sums extended by one sample, the open trip's route is simplified when it is read.
    /// </summary>
    private void Extend(VehicleWindow w)
    {
        var i = w.Samples.Count - 1;
        var fresh = w.Fresh;

        // Trips.
        var tripState = w.TripState!;
        DateTimeOffset? openStart = tripState.OpenStart >= 0 ? w.Samples[tripState.OpenStart].SampleTime : null;
        fresh.Trips.Clear();
        tripState.Step(w.Samples, i, _options, fresh.Trips);
        if (tripState.Open(w.Samples, _options, lazyRoute: true) is { } trip)
        {
            fresh.Trips.Add(trip);
        }

        if (openStart is { } ts)
        {
            var at = w.Trips.FindLastIndex(t => t.Start == ts);
            if (at >= 0)
            {
                w.Trips.RemoveAt(at);
                if (!fresh.Trips.Exists(t => t.Start == ts))
                {
                    _sink.DeleteTrip(w.Samples[i].Vin, ts);
                }
            }
        }

        foreach (var t in fresh.Trips)
        {
            _sink.UpsertTrip(t);
            w.Trips.Add(t);
        }

        // Charges.
        var chargeState = w.ChargeState!;
        var openCharge = chargeState.OpenStart;
        fresh.Charges.Clear();
        chargeState.Step(w.Samples, i, _options, fresh.Charges);
        if (chargeState.Open(_options) is { } charge)
        {
            fresh.Charges.Add(charge);
        }

        ChargeSession? oldCharge = null;
        if (openCharge is { } cs)
        {
            var at = w.Charges.FindLastIndex(c => c.Start == cs);
            if (at >= 0)
            {
                oldCharge = w.Charges[at];
                w.Charges.RemoveAt(at);
                if (!fresh.Charges.Exists(c => c.Start == cs))
                {
                    _sink.DeleteCharge(oldCharge.Vin, cs);
                }
            }
        }

        foreach (var c in fresh.Charges)
        {
            if (oldCharge is null || c != oldCharge)
            {
                _sink.UpsertCharge(c);
            }

            w.Charges.Add(c);
        }

        if (fresh.Charges.Count > 1)
        {
            w.Charges.Sort((x, y) => x.Start.CompareTo(y.Start));
        }

        // Alarms.
        var alarmState = w.AlarmState!;
        if (alarmState.OpenCount == 0 && w.Samples[i].AlarmFlags == 0 && w.Samples[i].FaultCodes.Count == 0)
        {
            return;
        }

        fresh.OpenIds.Clear();
        alarmState.AddOpenIds(fresh.OpenIds);
        fresh.Alarms.Clear();
        alarmState.Step(w.Samples[i], _options, fresh.Alarms);
        alarmState.AddOpen(_options, fresh.Alarms);
        var appended = false;
        foreach (var a in fresh.Alarms)
        {
            var at = w.Alarms.FindLastIndex(o => o.Id == a.Id);
            var old = at >= 0 ? w.Alarms[at] : null;
            if (old is null || !SameAlarm(old, a))
            {
                var serious = a.PeakLevel >= _options.WebhookMinLevel && (old is null || old.PeakLevel < _options.WebhookMinLevel);
                _sink.UpsertAlarm(a, serious);
            }

            if (at >= 0)
            {
                w.Alarms[at] = a;
            }
            else
            {
                w.Alarms.Add(a);
                appended = true;
            }
        }

        foreach (var id in fresh.OpenIds)
        {
            if (!fresh.Alarms.Exists(a => a.Id == id))
            {
                w.Alarms.RemoveAll(a => a.Id == id);
                _sink.DeleteAlarm(id);
            }
        }

        if (appended)
        {
            AlarmSegmenter.Sort(w.Alarms);
        }
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
        if (w.Samples[0].SampleTime >= cut && w.Samples.Count <= _options.MaxWindowSamples)
        {
            return;
        }

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
            w.Keys.Remove((w.Samples[i].SampleTime.UtcTicks, w.Samples.HashAt(i)));
        }

        w.Samples.RemoveFront(drop);
        var tripStateKept = w.TripState?.Shift(drop) ?? true;
        var first = w.Samples[0].SampleTime;
        foreach (var t in w.Trips)
        {
            if (t.Start < first)
            {
                w.FrozenTripsUntil = Max(w.FrozenTripsUntil, t.End);
            }
        }

        foreach (var c in w.Charges)
        {
            if (c.Start < first)
            {
                w.FrozenChargesUntil = Max(w.FrozenChargesUntil, c.End);
            }
        }

        foreach (var a in w.Alarms)
        {
            if (a.Start < first && a.LastSeen >= first)
            {
                w.FrozenAlarmsUntil[a.Kind] = a.LastSeen;
            }
        }

        // Records that start before the window are final now (frozen): they leave the emitted set. When that cuts an open
        // record (the sample cap), the segmenters' states no longer match the emitted set: the next sample re-derives.
        var cutOpen = w.Trips.RemoveAll(t => t.Start < first && !t.Complete) + w.Charges.RemoveAll(c => c.Start < first && !c.Complete)
            + w.Alarms.RemoveAll(a => a.Start < first && a.Open);
        if (cutOpen > 0 || !tripStateKept)
        {
            w.Live = false;
        }

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

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    /// <summary>First index whose sample time is ≥ <paramref name="time"/>.</summary>
    private static int LowerBound(SampleWindow samples, DateTimeOffset time)
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
    private static int UpperBound(SampleWindow samples, DateTimeOffset time)
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
        public SampleWindow Samples { get; } = new();

        public HashSet<(long, long)> Keys { get; } = [];

        public List<Trip> Trips { get; } = [];

        public List<ChargeSession> Charges { get; } = [];

        public List<AlarmEpisode> Alarms { get; } = [];

        /// <summary>The segmenters' states at the end of the window; valid while <see cref="Live"/>.</summary>
        public TripSegmenter.State? TripState { get; set; }

        public ChargeSegmenter.State? ChargeState { get; set; }

        public AlarmSegmenter.State? AlarmState { get; set; }

        /// <summary>True when the states match the emitted records, so an in-order sample can extend them.</summary>
        public bool Live { get; set; }

        /// <summary>End of the latest trip, charge, alarm (per kind) that left the window (by the sample cap: possibly still going on).</summary>
        public DateTimeOffset FrozenTripsUntil { get; set; } = DateTimeOffset.MinValue;

        public DateTimeOffset FrozenChargesUntil { get; set; } = DateTimeOffset.MinValue;

        public Dictionary<string, DateTimeOffset> FrozenAlarmsUntil { get; } = new(StringComparer.Ordinal);

        /// <summary>Scratch lists of <see cref="Extend"/> (reused, the lane is single-threaded per vehicle).</summary>
        public Scratch Fresh { get; } = new();
    }

    private sealed class Scratch
    {
        public List<Trip> Trips { get; } = [];

        public List<ChargeSession> Charges { get; } = [];

        public List<AlarmEpisode> Alarms { get; } = [];

        public List<string> OpenIds { get; } = [];
    }
}
