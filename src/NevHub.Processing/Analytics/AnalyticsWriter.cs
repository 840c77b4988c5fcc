using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NevHub.Domain;
using NevHub.Storage.Analytics;

namespace NevHub.Processing.Analytics;

/// <summary>
/// The analytics processors' sink: collects changes in memory, coalesced by natural key (the last change of a record
/// wins; quality increments add up), and writes them to the <see cref="IAnalyticsStore"/> in one transaction every
/// <see cref="AnalyticsOptions.FlushInterval"/>, with the vehicle's maker (tenant) filled in. New serious alarms are
/// queued as webhook deliveries in the same transaction (durable outbox). A failed write is retried at the next flush
/// (changes made since win over the failed ones). Memory is bounded by the number of distinct keys changed per interval.
/// </summary>
public sealed partial class AnalyticsWriter : BackgroundService, IAnalyticsSink
{
    private readonly IAnalyticsStore _store;
    private readonly VehicleRegistry _registry;
    private readonly AnalyticsOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<AnalyticsWriter> _logger;
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _flushLock = new(1, 1);
    private Pending _pending = new();

    // When each open record was last written (flush lock held): later versions wait for OpenRecordWriteInterval.
    private readonly Dictionary<(string, DateTimeOffset), long> _tripWrittenAt = [];
    private readonly Dictionary<(string, DateTimeOffset), long> _chargeWrittenAt = [];
    private readonly Dictionary<string, long> _alarmWrittenAt = new(StringComparer.Ordinal);
    private long _qualityWrittenAt = long.MinValue;
    private readonly IAlarmWriteListener[] _alarmListeners;
    private readonly HashSet<string> _openAlarmsWritten = new(StringComparer.Ordinal);

    public AnalyticsWriter(
        IAnalyticsStore store, VehicleRegistry registry, IOptions<AnalyticsOptions> options, TimeProvider clock, ILogger<AnalyticsWriter> logger,
        IEnumerable<IAlarmWriteListener>? alarmListeners = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _alarmListeners = [.. alarmListeners ?? []];
        _store = store;
        _registry = registry;
        _options = options.Value;
        _clock = clock;
        _logger = logger;
    }

    public void UpsertTrip(Trip trip)
    {
        ArgumentNullException.ThrowIfNull(trip);
        lock (_lock)
        {
            _pending.Trips[(trip.Vin, trip.Start)] = trip;
        }
    }

    public void DeleteTrip(string vin, DateTimeOffset start)
    {
        lock (_lock)
        {
            _pending.Trips[(vin, start)] = null;
        }
    }

    public void UpsertCharge(ChargeSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        lock (_lock)
        {
            _pending.Charges[(session.Vin, session.Start)] = session;
        }
    }

    public void DeleteCharge(string vin, DateTimeOffset start)
    {
        lock (_lock)
        {
            _pending.Charges[(vin, start)] = null;
        }
    }

    public void UpsertAlarm(AlarmEpisode episode, bool becameSerious)
    {
        ArgumentNullException.ThrowIfNull(episode);
        lock (_lock)
        {
            _pending.Alarms[episode.Id] = episode;
            if (becameSerious)
            {
                _pending.Notify.Add(episode.Id);
            }
        }
    }

    public void DeleteAlarm(string id)
    {
        lock (_lock)
        {
            _pending.Alarms[id] = null;
            _pending.Notify.Remove(id);
        }
    }

    public void RecordQuality(string vin, DateOnly day, in QualityObservation o)
    {
        lock (_lock)
        {
            if (o.SampleTicks != 0)
            {
                // Idempotent: keyed by the receipt, counted once by the store.
                _pending.Receipts[(vin, o.SampleTicks, o.ContentHash, o.ReceivedTicks)] = (day, o);
                return;
            }

            if (!_pending.Quality.TryGetValue((vin, day), out var q))
            {
                _pending.Quality[(vin, day)] = q = new QualityAccumulator();
            }

            q.Add(o);
        }
    }

    /// <summary>Writes everything pending now (tests, shutdown).</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default) => FlushAsync(deferOpenRecords: false, cancellationToken);

    /// <summary>The periodic flush defers open records written recently (<see cref="AnalyticsOptions.OpenRecordWriteInterval"/>).</summary>
    internal async Task FlushAsync(bool deferOpenRecords, CancellationToken cancellationToken)
    {
        await _flushLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Pending batch;
            lock (_lock)
            {
                batch = _pending;
                _pending = new Pending();
                if (deferOpenRecords)
                {
                    DeferRecentlyWrittenOpenRecords(batch, _pending);
                }
            }

            if (batch.IsEmpty)
            {
                return;
            }

            try
            {
                var built = await BuildAsync(batch, cancellationToken).ConfigureAwait(false);
                await _store.ApplyAsync(built, cancellationToken).ConfigureAwait(false);
                NoteWritten(batch);
                await TellAlarmListenersAsync(built, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Log.WriteFailed(_logger, batch.Count, ex);
                lock (_lock)
                {
                    _pending = batch.MergeNewer(_pending);
                }

                throw;
            }
        }
        finally
        {
            _flushLock.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.FlushInterval, _clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await TryFlushAsync(stoppingToken, deferOpenRecords: true).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the final flush runs in StopAsync.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await TryFlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task TryFlushAsync(CancellationToken cancellationToken, bool deferOpenRecords = false)
    {
        try
        {
            await FlushAsync(deferOpenRecords, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not OperationCanceledException)
        {
            // Logged in FlushAsync; the changes stay pending and are retried at the next tick.
        }
    }

    /// <summary>Moves open records written less than <see cref="AnalyticsOptions.OpenRecordWriteInterval"/> ago back to pending.</summary>
    private void DeferRecentlyWrittenOpenRecords(Pending batch, Pending next)
    {
        var interval = _options.OpenRecordWriteInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        var due = _clock.GetTimestamp() - (long)(interval.TotalSeconds * _clock.TimestampFrequency);
        Defer(batch.Trips, next.Trips, _tripWrittenAt, t => t is { Complete: false });
        Defer(batch.Charges, next.Charges, _chargeWrittenAt, c => c is { Complete: false });
        Defer(batch.Alarms, next.Alarms, _alarmWrittenAt, a => a is { Open: true } && !batch.Notify.Contains(a.Id));

        // Quality counters change with every frame of every vehicle: they are added up in memory and written with the
        // same cadence (one row per vehicle and day per interval instead of per flush).
        if (_qualityWrittenAt > due)
        {
            foreach (var (key, receipt) in batch.Receipts)
            {
                next.Receipts[key] = receipt;
            }

            foreach (var (key, quality) in batch.Quality)
            {
                next.Quality[key] = quality;
            }

            batch.Receipts.Clear();
            batch.Quality.Clear();
        }

        void Defer<TKey, TRecord>(Dictionary<TKey, TRecord?> from, Dictionary<TKey, TRecord?> to, Dictionary<TKey, long> writtenAt, Func<TRecord?, bool> open)
            where TKey : notnull
            where TRecord : class
        {
            List<TKey>? deferred = null;
            foreach (var (key, record) in from)
            {
                if (open(record) && writtenAt.TryGetValue(key, out var at) && at > due)
                {
                    (deferred ??= []).Add(key);
                }
            }

            foreach (var key in deferred ?? [])
            {
                to[key] = from[key];
                from.Remove(key);
            }
        }
    }

    /// <summary>Durable alarm changes to the listeners (live feed); a listener's failure is logged, never retried.</summary>
    private async Task TellAlarmListenersAsync(AnalyticsBatch built, CancellationToken cancellationToken)
    {
        if (_alarmListeners.Length == 0)
        {
            return;
        }

        foreach (var id in built.DeletedAlarms)
        {
            _openAlarmsWritten.Remove(id);
        }

        if (built.Alarms.Count == 0)
        {
            return;
        }

        // Only open alarms are remembered (memory stays bounded by the open ones).
        var alarms = built.Alarms.Select(a => (a, a.Open ? _openAlarmsWritten.Add(a.Id) : !_openAlarmsWritten.Remove(a.Id))).ToList();
        foreach (var listener in _alarmListeners)
        {
            try
            {
                await listener.AlarmsWrittenAsync(alarms, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException and not OperationCanceledException)
            {
                Log.ListenerFailed(_logger, ex);
            }
        }
    }

    /// <summary>Remembers when open records were written; forgets ended and deleted ones.</summary>
    private void NoteWritten(Pending batch)
    {
        var now = _clock.GetTimestamp();
        if (batch.Receipts.Count > 0 || batch.Quality.Count > 0)
        {
            _qualityWrittenAt = now;
        }

        Note(batch.Trips, _tripWrittenAt, t => t is { Complete: false });
        Note(batch.Charges, _chargeWrittenAt, c => c is { Complete: false });
        Note(batch.Alarms, _alarmWrittenAt, a => a is { Open: true });

        void Note<TKey, TRecord>(Dictionary<TKey, TRecord?> written, Dictionary<TKey, long> writtenAt, Func<TRecord?, bool> open)
            where TKey : notnull
            where TRecord : class
        {
            foreach (var (key, record) in written)
            {
                if (open(record))
                {
                    writtenAt[key] = now;
                }
                else
                {
                    writtenAt.Remove(key);
                }
            }
        }
    }

    private async Task<AnalyticsBatch> BuildAsync(Pending p, CancellationToken cancellationToken)
    {
        var makers = new Dictionary<string, string>(StringComparer.Ordinal);
        async ValueTask<string> MakerOf(string vin)
        {
            if (!makers.TryGetValue(vin, out var maker))
            {
                maker = makers[vin] = (await _registry.FindAsync(vin, cancellationToken).ConfigureAwait(false))?.Maker ?? "";
            }

            return maker;
        }

        var trips = new List<Trip>();
        var deletedTrips = new List<(string, DateTimeOffset)>();
        foreach (var (key, trip) in p.Trips)
        {
            if (trip is null)
            {
                deletedTrips.Add(key);
            }
            else
            {
                trips.Add(trip with { Maker = await MakerOf(trip.Vin).ConfigureAwait(false) });
            }
        }

        var charges = new List<ChargeSession>();
        var deletedCharges = new List<(string, DateTimeOffset)>();
        foreach (var (key, charge) in p.Charges)
        {
            if (charge is null)
            {
                deletedCharges.Add(key);
            }
            else
            {
                charges.Add(charge with { Maker = await MakerOf(charge.Vin).ConfigureAwait(false) });
            }
        }

        var alarms = new List<AlarmEpisode>();
        var deletedAlarms = new List<string>();
        var webhooks = new List<WebhookDelivery>();
        var now = _clock.GetUtcNow();
        foreach (var (id, alarm) in p.Alarms)
        {
            if (alarm is null)
            {
                deletedAlarms.Add(id);
                continue;
            }

            var stored = alarm with { Maker = await MakerOf(alarm.Vin).ConfigureAwait(false) };
            alarms.Add(stored);
            if (p.Notify.Contains(id))
            {
                var payload = JsonSerializer.Serialize(new AlarmNotification("alarm.serious", now, stored), WebhookJson.Options);
                foreach (var url in _options.WebhookUrls)
                {
                    webhooks.Add(new WebhookDelivery { Url = url, Payload = payload, CreatedAt = now, NextAttemptAt = now });
                }
            }
        }

        var quality = new List<QualityDay>();
        foreach (var ((vin, day), q) in p.Quality)
        {
            quality.Add(q.ToDay(vin, await MakerOf(vin).ConfigureAwait(false), day));
        }

        var receipts = new List<QualityReceipt>(p.Receipts.Count);
        foreach (var ((vin, sampleTicks, hash, receivedTicks), (day, o)) in p.Receipts)
        {
            var maker = await MakerOf(vin).ConfigureAwait(false);
            var frame = new QualityAccumulator();
            frame.Add(o);
            var duplicate = new QualityAccumulator();
            duplicate.Add(o with { Duplicate = true });
            receipts.Add(new QualityReceipt(vin, sampleTicks, hash, receivedTicks, frame.ToDay(vin, maker, day), duplicate.ToDay(vin, maker, day)));
        }

        return new AnalyticsBatch
        {
            QualityReceipts = receipts,
            Trips = trips,
            DeletedTrips = deletedTrips,
            Charges = charges,
            DeletedCharges = deletedCharges,
            Alarms = alarms,
            DeletedAlarms = deletedAlarms,
            QualityIncrements = quality,
            Webhooks = webhooks,
        };
    }

    private sealed class Pending
    {
        public Dictionary<(string, DateTimeOffset), Trip?> Trips { get; } = [];

        public Dictionary<(string, DateTimeOffset), ChargeSession?> Charges { get; } = [];

        public Dictionary<string, AlarmEpisode?> Alarms { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Notify { get; } = new(StringComparer.Ordinal);

        public Dictionary<(string, DateOnly), QualityAccumulator> Quality { get; } = [];

        public Dictionary<(string Vin, long SampleTicks, long Hash, long ReceivedTicks), (DateOnly Day, QualityObservation Observation)> Receipts { get; } = [];

        public int Count => Trips.Count + Charges.Count + Alarms.Count + Quality.Count + Receipts.Count;

        public bool IsEmpty => Count == 0;

        /// <summary>This (failed) batch with the changes made since laid over it.</summary>
        public Pending MergeNewer(Pending newer)
        {
            foreach (var (k, v) in newer.Trips)
            {
                Trips[k] = v;
            }

            foreach (var (k, v) in newer.Charges)
            {
                Charges[k] = v;
            }

            foreach (var (k, v) in newer.Alarms)
            {
                Alarms[k] = v;
            }

            Notify.UnionWith(newer.Notify);
            foreach (var (k, v) in newer.Receipts)
            {
                Receipts[k] = v;
            }

            foreach (var (k, v) in newer.Quality)
            {
                if (Quality.TryGetValue(k, out var mine))
                {
                    mine.Add(v);
                }
                else
                {
                    Quality[k] = v;
                }
            }

            return this;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "Writing {Count} analytics changes failed; retried at the next flush")]
        public static partial void WriteFailed(ILogger logger, int count, Exception exception);

        [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "An alarm listener failed; the alarms are stored, only the notice is lost")]
        public static partial void ListenerFailed(ILogger logger, Exception exception);
    }
}

/// <summary>The webhook payload of a serious alarm.</summary>
public sealed record AlarmNotification(string Event, DateTimeOffset At, AlarmEpisode Alarm);

internal static class WebhookJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };
}

/// <summary>Mutable per (vehicle, day) quality counters between flushes.</summary>
internal sealed class QualityAccumulator
{
    private readonly long[] _latency = new long[QualityBuckets.LatencySeconds.Count];
    private readonly Dictionary<string, long> _invalid = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _abnormal = new(StringComparer.Ordinal);
    private long _frames, _realtime, _reissue, _duplicates, _driftSamples, _driftViolations, _odo, _soc, _pos;
    private double _covered, _expected, _driftSum, _driftMax;

    public void Add(in QualityObservation o)
    {
        _frames++;
        if (o.Reissue)
        {
            _reissue++;
        }
        else
        {
            _realtime++;
        }

        if (o.Duplicate)
        {
            _duplicates++;
            return;
        }

        var bucket = 0;
        while (bucket < _latency.Length - 1 && o.LatencySeconds > QualityBuckets.LatencySeconds[bucket])
        {
            bucket++;
        }

        _latency[bucket]++;
        if (o.ClockDriftSeconds is { } d)
        {
            _driftSamples++;
            _driftSum += Math.Abs(d);
            _driftMax = Math.Max(_driftMax, Math.Abs(d));
            if (o.ClockDriftViolation)
            {
                _driftViolations++;
            }
        }

        _covered += o.CoveredSeconds;
        _expected += o.ExpectedFrames;
        _odo += o.OdometerJumps;
        _soc += o.SocJumps;
        _pos += o.PositionJumps;
        Count(_invalid, o.Invalid);
        Count(_abnormal, o.Abnormal);
    }

    public void Add(QualityAccumulator other)
    {
        for (var i = 0; i < _latency.Length; i++)
        {
            _latency[i] += other._latency[i];
        }

        foreach (var (k, v) in other._invalid)
        {
            _invalid[k] = _invalid.GetValueOrDefault(k) + v;
        }

        foreach (var (k, v) in other._abnormal)
        {
            _abnormal[k] = _abnormal.GetValueOrDefault(k) + v;
        }

        _frames += other._frames;
        _realtime += other._realtime;
        _reissue += other._reissue;
        _duplicates += other._duplicates;
        _driftSamples += other._driftSamples;
        _driftViolations += other._driftViolations;
        _odo += other._odo;
        _soc += other._soc;
        _pos += other._pos;
        _covered += other._covered;
        _expected += other._expected;
        _driftSum += other._driftSum;
        _driftMax = Math.Max(_driftMax, other._driftMax);
    }

    public QualityDay ToDay(string vin, string maker, DateOnly day) => new()
    {
        Vin = vin,
        Maker = maker,
        Day = day,
        Frames = _frames,
        Realtime = _realtime,
        Reissue = _reissue,
        Duplicates = _duplicates,
        CoveredSeconds = _covered,
        ExpectedFrames = _expected,
        Latency = [.. _latency],
        ClockDriftSumSeconds = _driftSum,
        ClockDriftMaxSeconds = _driftMax,
        ClockDriftSamples = _driftSamples,
        ClockDriftViolations = _driftViolations,
        OdometerJumps = _odo,
        SocJumps = _soc,
        PositionJumps = _pos,
        InvalidFields = new Dictionary<string, long>(_invalid, StringComparer.Ordinal),
        AbnormalFields = new Dictionary<string, long>(_abnormal, StringComparer.Ordinal),
    };

    private static void Count(Dictionary<string, long> counts, SampleField fields)
    {
        if (fields == SampleField.None)
        {
            return;
        }

        for (var bit = 0; bit < 63; bit++)
        {
            var f = (SampleField)(1L << bit);
            if ((fields & f) != 0)
            {
                var name = f.ToString();
                counts[name] = counts.GetValueOrDefault(name) + 1;
            }
        }
    }
}
