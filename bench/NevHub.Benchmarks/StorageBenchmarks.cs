using BenchmarkDotNet.Attributes;
using NevHub.Domain;
using NevHub.Storage;
using NevHub.Storage.Sqlite;

namespace NevHub.Benchmarks;

/// <summary>
/// The SQLite store's write path: batches of 1,000 realistic samples (every field, a 96-cell + 32-probe + 2-motor detail) each with
/// its ~200-byte raw frame, from 1,000 vehicles, into a database that keeps growing across invocations (as in production).
/// "group commit" pushes 50,000 sample+frame pairs through <see cref="GroupCommitWriter"/> from 1,000 concurrent vehicle
/// connections, each sending its next frame when the previous one is acknowledged (durable), as a gateway does.
/// Times are per sample+frame pair; pairs/s = 1e9 / ns.
/// Run: dotnet run -c Release --project bench/NevHub.Benchmarks -- --filter '*Storage*' --job short
/// </summary>
[MemoryDiagnoser]
public class StorageBenchmarks
{
    private const int BatchSize = 1000;
    private const int WriterRecords = 50_000;

    private readonly VehicleSample[] _samples = new VehicleSample[BatchSize];
    private readonly RawFrame[] _frames = new RawFrame[BatchSize];
    private string _directory = "";
    private SqliteVehicleStore? _store;
    private long _round;

    [Params(SqliteSynchronous.Full, SqliteSynchronous.Normal)]
    public SqliteSynchronous Synchronous { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "nevhub-bench-storage", Guid.NewGuid().ToString("N"));
        _store = SqliteVehicleStore.OpenAsync(new SqliteStoreOptions { DataDirectory = _directory, Synchronous = Synchronous })
            .GetAwaiter().GetResult();
        var random = new Random(32960);
        for (var i = 0; i < BatchSize; i++)
        {
            var vin = "LNBSCB3F" + i.ToString("D9", System.Globalization.CultureInfo.InvariantCulture);
            _samples[i] = RealisticSample(vin, random);
            var bytes = new byte[200];
            random.NextBytes(bytes);
            _frames[i] = new RawFrame
            {
                Vin = vin,
                ReceivedAt = _samples[i].ReceivedAt,
                Protocol = TelemetryProtocol.Gbt32960V2016,
                Command = 0x02,
                SampleTime = _samples[i].SampleTime,
                Bytes = bytes,
            };
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = BatchSize, Description = "WriteAsync, batch of 1,000 samples + 1,000 raw frames")]
    public async Task<WriteResult> WriteBatch()
    {
        var (samples, frames) = NextRound();
        return await _store!.WriteAsync(new IngestBatch(samples, frames));
    }

    [Benchmark(OperationsPerInvoke = WriterRecords, Description = "GroupCommitWriter, 1,000 connections, 50,000 sample + frame pairs")]
    public async Task GroupCommit()
    {
        await using var writer = new GroupCommitWriter(_store!);
        var rounds = new (VehicleSample[] Samples, RawFrame[] Frames)[WriterRecords / BatchSize];
        for (var r = 0; r < rounds.Length; r++)
        {
            rounds[r] = NextRound();
        }

        var connections = new Task[BatchSize];
        for (var c = 0; c < connections.Length; c++)
        {
            var vehicle = c;
            connections[c] = Task.Run(async () =>
            {
                foreach (var (samples, frames) in rounds)
                {
                    await writer.EnqueueAsync(samples[vehicle], frames[vehicle]);
                }
            });
        }

        await Task.WhenAll(connections);
    }

    /// <summary>Fresh keys for the 1,000 template samples: each round is 10 s later (cheap copies; detail and bytes are shared).</summary>
    private (VehicleSample[] Samples, RawFrame[] Frames) NextRound()
    {
        var shift = TimeSpan.FromSeconds(10 * ++_round);
        var samples = new VehicleSample[BatchSize];
        var frames = new RawFrame[BatchSize];
        for (var i = 0; i < BatchSize; i++)
        {
            samples[i] = _samples[i] with { SampleTime = _samples[i].SampleTime + shift, ReceivedAt = _samples[i].ReceivedAt + shift };
            frames[i] = _frames[i] with { ReceivedAt = _frames[i].ReceivedAt + shift, SampleTime = samples[i].SampleTime };
        }

        return (samples, frames);
    }

    private static VehicleSample RealisticSample(string vin, Random random)
    {
        var time = new DateTimeOffset(2026, 3, 14, 8, 0, 0, TimeSpan.FromHours(8)).AddMilliseconds(random.Next(10_000));
        var cells = new double?[96];
        for (var c = 0; c < cells.Length; c++)
        {
            cells[c] = (3280 + random.Next(40)) * 0.001; // as the GB/T 32960 codec computes 0.001 V units
        }

        var probes = new double?[32];
        for (var p = 0; p < probes.Length; p++)
        {
            probes[p] = random.Next(20, 35);
        }

        return new VehicleSample
        {
            Vin = vin,
            SampleTime = time,
            ReceivedAt = time.AddMilliseconds(350),
            Protocol = TelemetryProtocol.Gbt32960V2016,
            VehicleState = VehicleRunState.Started,
            Charging = ChargingState.NotCharging,
            Mode = RunMode.Electric,
            SpeedKmh = random.Next(0, 1200) * 0.1,
            OdometerKm = random.Next(0, 2_000_000) * 0.1,
            PackVoltageV = random.Next(3400, 3900) * 0.1,
            PackCurrentA = (random.Next(0, 4000) * 0.1) - 100,
            SocPercent = random.Next(10, 100),
            DcDcWorking = true,
            Gear = "D",
            InsulationKohm = 5000,
            AcceleratorPercent = random.Next(0, 100),
            BrakePercent = 0,
            Latitude = 29.4 + (random.NextDouble() * 0.3),
            Longitude = 106.4 + (random.NextDouble() * 0.3),
            PositionValid = true,
            AlarmLevel = 0,
            MaxCellVoltageV = 3.319,
            MinCellVoltageV = 3.280,
            MaxTemperatureC = 34,
            MinTemperatureC = 20,
            Detail = new SampleDetail
            {
                CellVoltages = [new PackCellVoltages(1, 386.4, 12.5, 96, 1, cells)],
                Temperatures = [new PackTemperatures(1, probes)],
                Motors =
                [
                    new MotorReading(1, MotorState.Consuming, 45, 3200, 120, 60, 380, 35),
                    new MotorReading(2, MotorState.Consuming, 44, 3190, 118, 59, 380, 34),
                ],
            },
        };
    }
}
