using System.Collections.Concurrent;
using System.Diagnostics;
using NevHub.Domain;
using NevHub.Storage;
using NevHub.Storage.Postgres;
using NevHub.Storage.Spool;
using Npgsql;
using Xunit.Abstractions;

namespace NevHub.Distributed.Tests;

/// <summary>
/// PostgreSQL unavailable for a while under load: the group-commit path spools to disk, acknowledges, and replays in order when
/// the database is back. Every acknowledged record ends up in the store exactly once.
/// </summary>
public sealed class StoreOutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _schema = "nevhub_f_" + Guid.NewGuid().ToString("N")[..16];
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "nevhub-fault-tests", Guid.NewGuid().ToString("N"));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (Services.Postgres is { } cs)
        {
            await using var connection = new NpgsqlConnection(cs);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [PostgresFact]
    public async Task A_database_outage_under_load_loses_nothing_and_duplicates_nothing()
    {
        var target = new NpgsqlConnectionStringBuilder(Services.Postgres);
        await using var proxy = new TcpProxy(target.Host!, target.Port);
        var viaProxy = new NpgsqlConnectionStringBuilder(Services.Postgres) { Host = "127.0.0.1", Port = proxy.Port, Timeout = 15, CommandTimeout = 15 };
        var storeOptions = new PostgresStoreOptions { ConnectionString = viaProxy.ConnectionString, Schema = _schema };
        var spoolOptions = new SpoolOptions
        {
            Directory = Path.Combine(_directory, "spool"),
            StoreWriteTimeout = TimeSpan.FromSeconds(3),
            ReplayMaxDelay = TimeSpan.FromSeconds(1),
        };
        var spooling = new SpoolingVehicleStore(await PostgresVehicleStore.OpenAsync(storeOptions), spoolOptions);
        var writer = new GroupCommitWriter(spooling, new GroupCommitOptions { MaxBatchSize = 512 });

        const int Vehicles = 24;
        var acked = new ConcurrentDictionary<int, int>();
        var outage = TimeSpan.FromSeconds(Services.OutageSeconds);
        var before = TimeSpan.FromSeconds(2);
        var after = TimeSpan.FromSeconds(3);
        using var stopLoad = new CancellationTokenSource(before + outage + after);
        var clock = Stopwatch.StartNew();
        var producers = Enumerable.Range(0, Vehicles).Select(v => Task.Run(async () =>
        {
            var seq = 0;
            while (!stopLoad.IsCancellationRequested)
            {
                var sample = Load.Sample(Load.Vin(v), seq);
                await writer.EnqueueAsync(sample, Load.Frame(sample, seq));
                acked[v] = ++seq;
                await Task.Delay(2); // about 500 records/s per vehicle: load, not a flood
            }
        })).ToArray();

        await Task.Delay(before);
        var ackedBeforeOutage = acked.Values.Sum();
        proxy.Down();
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: database down ({ackedBeforeOutage} acknowledged so far)");
        await Task.Delay(outage);
        var ackedDuringOutage = acked.Values.Sum() - ackedBeforeOutage;
        proxy.Up();
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: database up; {ackedDuringOutage} acknowledged while it was down, {spooling.SpooledBatches} batches spooled");
        await Task.WhenAll(producers);
        await writer.DisposeAsync();
        using (var drain = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            await spooling.WaitUntilDrainedAsync(drain.Token);
        }

        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: spool drained ({spooling.ReplayedBatches} batches replayed); {acked.Values.Sum()} records acknowledged");
        Assert.True(ackedDuringOutage > 0, "Ingestion must keep acknowledging (from the spool) while the database is down.");
        Assert.True(spooling.SpooledBatches > 0);
        Assert.Equal(spooling.SpooledBatches, spooling.ReplayedBatches);
        await spooling.DisposeAsync();

        // Every acknowledged record is stored exactly once: the counts match and every sequence number is there once.
        await using var store = await PostgresVehicleStore.OpenAsync(new PostgresStoreOptions { ConnectionString = Services.Postgres!, Schema = _schema });
        for (var v = 0; v < Vehicles; v++)
        {
            var samples = await Load.AllSamplesAsync(store, Load.Vin(v));
            Assert.Equal(Enumerable.Range(0, acked[v]).Select(i => (double)i), samples.Select(s => s.OdometerKm!.Value).Order());
            var frames = await store.GetRawFramesAsync(new RawFrameQuery { Vin = Load.Vin(v), Limit = 1_000_000 });
            Assert.Equal(acked[v], frames.Items.Count);
        }

        Assert.DoesNotContain(Directory.EnumerateFiles(spoolOptions.Directory), f => new FileInfo(f).Length > 0);
    }

    [PostgresFact]
    public async Task What_was_spooled_when_the_process_stopped_is_replayed_by_the_next_start()
    {
        var target = new NpgsqlConnectionStringBuilder(Services.Postgres);
        await using var proxy = new TcpProxy(target.Host!, target.Port);
        var viaProxy = new NpgsqlConnectionStringBuilder(Services.Postgres) { Host = "127.0.0.1", Port = proxy.Port, Timeout = 15 };
        var storeOptions = new PostgresStoreOptions { ConnectionString = viaProxy.ConnectionString, Schema = _schema };
        var spoolOptions = new SpoolOptions { Directory = Path.Combine(_directory, "spool"), StoreWriteTimeout = TimeSpan.FromSeconds(3) };
        var samples = Enumerable.Range(0, 300).Select(i => Load.Sample(Load.Vin(i % 3), i)).ToArray();

        var first = new SpoolingVehicleStore(await PostgresVehicleStore.OpenAsync(storeOptions), spoolOptions);
        proxy.Down();
        foreach (var chunk in samples.Chunk(50))
        {
            await first.WriteAsync(new IngestBatch(chunk, [.. chunk.Select(s => Load.Frame(s, (int)s.OdometerKm!.Value))]));
        }

        Assert.True(first.HasPending);
        await first.DisposeAsync(); // the process stops with the database still down

        proxy.Up();
        await using var second = new SpoolingVehicleStore(new PostgresVehicleStore(storeOptions), spoolOptions);
        using (var drain = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await second.WaitUntilDrainedAsync(drain.Token);
        }

        Assert.Equal(6, second.ReplayedBatches);
        for (var v = 0; v < 3; v++)
        {
            Assert.Equal(100, (await Load.AllSamplesAsync(second, Load.Vin(v))).Count);
        }
    }
}

/// <summary>The records the fault tests write: one vehicle's sequence number is its odometer and its sample time in seconds.</summary>
internal static class Load
{
    public static readonly DateTimeOffset Start = new(2026, 5, 1, 8, 0, 0, TimeSpan.FromHours(8));

    public static string Vin(int n) => "LFAULT" + n.ToString("D11", System.Globalization.CultureInfo.InvariantCulture);

    public static VehicleSample Sample(string vin, int seq) => new()
    {
        Vin = vin,
        SampleTime = Start.AddSeconds(seq),
        ReceivedAt = Start.AddSeconds(seq).AddMilliseconds(250),
        Protocol = TelemetryProtocol.Gbt32960V2016,
        OdometerKm = seq,
        SpeedKmh = seq % 120,
        SocPercent = 80,
        Latitude = 29.56,
        Longitude = 106.55,
        PositionValid = true,
    };

    public static RawFrame Frame(VehicleSample sample, int seq)
    {
        var bytes = new byte[48];
        System.Text.Encoding.ASCII.GetBytes(sample.Vin, bytes);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(40), seq);
        return new RawFrame
        {
            Vin = sample.Vin,
            ReceivedAt = sample.ReceivedAt,
            Protocol = sample.Protocol,
            Command = 0x02,
            SampleTime = sample.SampleTime,
            Bytes = bytes,
        };
    }

    public static async Task<long> CountSamplesAsync(PostgresStoreOptions options)
    {
        await using var connection = new NpgsqlConnection(options.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM \"{options.Schema}\".samples", connection);
        try
        {
            return (long)(await command.ExecuteScalarAsync())!;
        }
        catch (PostgresException)
        {
            return 0; // not created yet
        }
    }

    public static async Task<List<VehicleSample>> AllSamplesAsync(IVehicleStore store, string vin)
    {
        var all = new List<VehicleSample>();
        string? cursor = null;
        do
        {
            var page = await store.GetSamplesAsync(new SampleQuery { Vin = vin, Limit = 10_000, Cursor = cursor });
            all.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return all;
    }
}