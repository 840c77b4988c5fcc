using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NevHub.Domain;
using NevHub.Processing.Analytics;
using NevHub.Storage.Analytics;
using NevHub.Storage.Sqlite;
using NevHub.Storage.Sqlite.Analytics;

namespace NevHub.Processing.Tests;

/// <summary>
/// The writer's periodic flush rewrites an open record at most every OpenRecordWriteInterval, but its first version,
/// its end and an explicit flush go out at once.
/// </summary>
public sealed class OpenRecordWriteTests : IAsyncLifetime
{
    private const string Vin = "LOPENREC000000001";
    private static readonly DateTimeOffset T0 = new(2026, 5, 4, 2, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "analytics-open-" + Guid.NewGuid().ToString("N"));
    private readonly ManualClock _clock = new(T0);
    private SqliteVehicleStore _vehicles = null!;
    private SqliteAnalyticsStore _store = null!;
    private AnalyticsWriter _writer = null!;

    public async Task InitializeAsync()
    {
        _vehicles = await SqliteVehicleStore.OpenAsync(new SqliteStoreOptions { DataDirectory = _directory });
        await _vehicles.UpsertVehicleAsync(new Vehicle { Vin = Vin, Maker = "changan" });
        _store = new SqliteAnalyticsStore(new SqliteStoreOptions { DataDirectory = _directory, FileName = "analytics.db" });
        await _store.MigrateAsync();
        var registry = new VehicleRegistry(_vehicles, Options.Create(new RegistryOptions()), _clock);
        _writer = new AnalyticsWriter(_store, registry, Options.Create(new AnalyticsOptions { OpenRecordWriteInterval = TimeSpan.FromSeconds(10) }),
            _clock, NullLogger<AnalyticsWriter>.Instance);
    }

    public async Task DisposeAsync()
    {
        _writer.Dispose();
        await _store.DisposeAsync();
        await _vehicles.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private static Trip Trip(int minutes, bool complete) => new()
    {
        Vin = Vin, Start = T0, End = T0.AddMinutes(minutes), DistanceOdometerKm = minutes, Complete = complete,
    };

    private async Task<DateTimeOffset?> StoredEndAsync() => (await _store.GetTripAsync(Vin, T0))?.End;

    [Fact]
    public async Task An_open_trip_is_rewritten_at_most_every_interval_and_its_end_at_once()
    {
        _writer.UpsertTrip(Trip(1, complete: false));
        await _writer.FlushAsync(deferOpenRecords: true, CancellationToken.None);
        Assert.Equal(T0.AddMinutes(1), await StoredEndAsync()); // the first version goes out at once

        _clock.Advance(TimeSpan.FromSeconds(5));
        _writer.UpsertTrip(Trip(2, complete: false));
        await _writer.FlushAsync(deferOpenRecords: true, CancellationToken.None);
        Assert.Equal(T0.AddMinutes(1), await StoredEndAsync()); // written 5 s ago: waits

        _clock.Advance(TimeSpan.FromSeconds(6));
        await _writer.FlushAsync(deferOpenRecords: true, CancellationToken.None);
        Assert.Equal(T0.AddMinutes(2), await StoredEndAsync()); // 11 s since the last write: the kept version goes out

        _clock.Advance(TimeSpan.FromSeconds(1));
        _writer.UpsertTrip(Trip(3, complete: true));
        await _writer.FlushAsync(deferOpenRecords: true, CancellationToken.None);
        Assert.Equal(T0.AddMinutes(3), await StoredEndAsync()); // the end is never deferred
    }

    [Fact]
    public async Task An_explicit_flush_writes_deferred_versions()
    {
        _writer.UpsertTrip(Trip(1, complete: false));
        await _writer.FlushAsync(deferOpenRecords: true, CancellationToken.None);
        _writer.UpsertTrip(Trip(2, complete: false));
        await _writer.FlushAsync(deferOpenRecords: true, CancellationToken.None);
        Assert.Equal(T0.AddMinutes(1), await StoredEndAsync());

        await _writer.FlushAsync();
        Assert.Equal(T0.AddMinutes(2), await StoredEndAsync());
    }

    [Fact]
    public async Task A_delete_is_never_deferred()
    {
        _writer.UpsertTrip(Trip(1, complete: false));
        await _writer.FlushAsync(deferOpenRecords: true, CancellationToken.None);
        _writer.DeleteTrip(Vin, T0);
        await _writer.FlushAsync(deferOpenRecords: true, CancellationToken.None);
        Assert.Null(await StoredEndAsync());
    }

    [Fact]
    public async Task Quality_counters_are_written_at_most_every_interval_and_never_lost()
    {
        var day = DateOnly.FromDateTime(T0.UtcDateTime);
        var frame = new QualityObservation(false, false, 1, null, false, 10, 1, 0, 0, 0, SampleField.None, SampleField.None);
        async Task<long> StoredFramesAsync() =>
            (await _store.GetQualityDaysAsync(new DailyQuery { Vin = Vin })).SingleOrDefault()?.Frames ?? 0;

        _writer.RecordQuality(Vin, day, frame);
        await _writer.FlushAsync(deferOpenRecords: true, CancellationToken.None);
        Assert.Equal(1, await StoredFramesAsync());

        _clock.Advance(TimeSpan.FromSeconds(5));
        _writer.RecordQuality(Vin, day, frame);
        _writer.RecordQuality(Vin, day, frame);
        await _writer.FlushAsync(deferOpenRecords: true, CancellationToken.None);
        Assert.Equal(1, await StoredFramesAsync()); // added up in memory

        _clock.Advance(TimeSpan.FromSeconds(6));
        await _writer.FlushAsync(deferOpenRecords: true, CancellationToken.None);
        Assert.Equal(3, await StoredFramesAsync());
    }

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private long _ticks;

        public override DateTimeOffset GetUtcNow() => start.AddTicks(Interlocked.Read(ref _ticks));

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }
}
