using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NevHub.Domain;
using NevHub.Processing.Analytics;
using NevHub.Storage.Analytics;
using NevHub.Storage.Sqlite;
using NevHub.Storage.Sqlite.Analytics;

namespace NevHub.Processing.Tests;

/// <summary>Quality counters through the real writer into SQLite: a replay of the same frames (after a restart) is not counted twice.</summary>
public sealed class QualityReplayTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 4, 2, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "analytics2-quality-" + Guid.NewGuid().ToString("N"));
    private SqliteVehicleStore _vehicles = null!;

    public async Task InitializeAsync()
    {
        _vehicles = await SqliteVehicleStore.OpenAsync(new SqliteStoreOptions { DataDirectory = _directory });
        await _vehicles.UpsertVehicleAsync(new Vehicle { Vin = "LQUALITY000000001", Maker = "changan" });
    }

    public async Task DisposeAsync()
    {
        await _vehicles.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private static VehicleSample Frame(int second, int receivedAfter = 1) => new()
    {
        Vin = "LQUALITY000000001",
        SampleTime = T0.AddSeconds(second),
        ReceivedAt = T0.AddSeconds(second + receivedAfter),
        Protocol = TelemetryProtocol.Gbt32960V2016,
        Kind = ReportKind.Realtime,
        SpeedKmh = 30,
        SocPercent = 60,
        OdometerKm = 100 + (second / 120.0),
    };

    /// <summary>A processor and writer as after a (re)start: fresh memory, the same database.</summary>
    private async Task<QualityDay> RunAsync(IEnumerable<VehicleSample> frames)
    {
        var options = Options.Create(new AnalyticsOptions());
        await using var store = new SqliteAnalyticsStore(new SqliteStoreOptions { DataDirectory = _directory, FileName = "analytics.db" });
        await store.MigrateAsync();
        var registry = new VehicleRegistry(_vehicles, Options.Create(new RegistryOptions()), TimeProvider.System);
        using var writer = new AnalyticsWriter(store, registry, options, TimeProvider.System, NullLogger<AnalyticsWriter>.Instance);
        var quality = new QualityProcessor(options, writer);
        foreach (var f in frames)
        {
            quality.Observe(f);
        }

        await writer.FlushAsync();
        return Assert.Single(await store.GetQualityDaysAsync(new DailyQuery { Vin = "LQUALITY000000001" }));
    }

    [Fact]
    public async Task Replayed_frames_are_counted_once_and_resent_frames_as_duplicates()
    {
        var frames = Enumerable.Range(0, 30).Select(i => Frame(i * 10)).ToList();
        var first = await RunAsync(frames);
        Assert.Equal(30, first.Frames);
        Assert.Equal(0, first.Duplicates);

        // After a crash the same frames are processed again (same receipts): nothing changes.
        var replayed = await RunAsync(frames);
        Assert.Equal(
            (first.Frames, first.Realtime, first.Duplicates, first.CoveredSeconds, first.ExpectedFrames, first.ClockDriftSamples, first.ClockDriftSumSeconds),
            (replayed.Frames, replayed.Realtime, replayed.Duplicates, replayed.CoveredSeconds, replayed.ExpectedFrames, replayed.ClockDriftSamples,
                replayed.ClockDriftSumSeconds));
        Assert.Equal(first.Latency, replayed.Latency);

        // The terminal resends five of them later (new receipts): five duplicates, the rest of the counters unchanged.
        var resent = await RunAsync(frames.Take(5).Select(f => f with { ReceivedAt = f.ReceivedAt.AddMinutes(10), Kind = ReportKind.Reissue }));
        Assert.Equal(35, resent.Frames);
        Assert.Equal(5, resent.Duplicates);
        Assert.Equal(first.CoveredSeconds, resent.CoveredSeconds);
        Assert.Equal(first.Latency, resent.Latency);
    }
}
