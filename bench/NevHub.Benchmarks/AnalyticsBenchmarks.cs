using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Options;
using NevHub.Domain;
using NevHub.Processing.Analytics;
using NevHub.Storage.Analytics;

namespace NevHub.Benchmarks;

/// <summary>
/// One in-order sample (the normal case) through every analytics processor (<see cref="DerivationProcessor"/>: trips,
/// charges, alarms; <see cref="QualityProcessor"/>) with a realistic window: a 10-s GB/T 32960 taxi that has been
/// reporting for 6 h (the default window, ≈ 2,160 samples) on a 2-h duty cycle: 50 min driving, 10 min parked with the
/// ignition off, 40 min AC charging, 20 min driving; a level-1 "high temperature" alarm is set for the first 90 min of
/// every 3 h, so an alarm is often open for an hour and more. Incremental = false is the former path (every sample
/// re-segments the look-back and every open record). The sink only counts. "Sample only" is the cost of making the
/// sample (a `with` copy of a template), included in the two others.
/// Run: dotnet run -c Release --project bench/NevHub.Benchmarks -- --filter '*Analytics*' --job short
/// </summary>
[MemoryDiagnoser]
public class AnalyticsBenchmarks
{
    private const int Period = 720;
    private static readonly DateTimeOffset T0 = new(2026, 1, 12, 0, 0, 0, TimeSpan.Zero);
    private readonly VehicleSample[] _templates = new VehicleSample[Period];
    private DerivationProcessor _derivation = null!;
    private QualityProcessor _quality = null!;
    private long _n;

    [Params(true, false)]
    public bool Incremental { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        for (var i = 0; i < Period; i++)
        {
            var minute = i / 6.0;
            var driving = minute < 50 || minute >= 100;
            var charging = minute is >= 60 and < 100;
            var angle = i * 2 * Math.PI / Period;
            _templates[i] = new VehicleSample
            {
                Vin = "LNBSCB3F000000001",
                SampleTime = T0,
                ReceivedAt = T0,
                Protocol = TelemetryProtocol.Gbt32960V2016,
                Kind = ReportKind.Realtime,
                VehicleState = driving ? VehicleRunState.Started : VehicleRunState.Off,
                Charging = charging ? ChargingState.ParkedCharging : ChargingState.NotCharging,
                Mode = RunMode.Electric,
                SpeedKmh = driving ? 30 + (20 * Math.Sin(i / 7.0)) : 0,
                PackVoltageV = 380 + (i % 5),
                PackCurrentA = charging ? -20 : driving ? 40 + (i % 11) : 1,
                SocPercent = 40 + (20 * Math.Sin(angle)),
                Latitude = 29.56 + (0.05 * Math.Sin(angle)),
                Longitude = 106.55 + (0.05 * Math.Cos(angle)),
                PositionValid = true,
                Gear = driving ? "D" : "P",
                AlarmLevel = 1,
                AlarmFlags = 0,
            };
        }

        var options = Options.Create(new AnalyticsOptions { IncrementalInOrder = Incremental });
        var sink = new CountingSink();
        _derivation = new DerivationProcessor(options, sink);
        _quality = new QualityProcessor(options, sink);
        _n = 0;
        // Fill the window: 6 h of samples.
        for (var i = 0; i < 6 * 360; i++)
        {
            Process();
        }
    }

    [Benchmark(Description = "Sample only")]
    public VehicleSample SampleOnly() => Next(_n);

    [Benchmark(Description = "One in-order sample through all analytics processors")]
    public void Process()
    {
        var s = Next(_n++);
        _derivation.Add(s);
        _quality.Observe(s);
    }

    private VehicleSample Next(long n)
    {
        var time = T0.AddSeconds(10 * n);
        var minute = n % 1080 / 6;
        return _templates[n % Period] with
        {
            SampleTime = time,
            ReceivedAt = time.AddMilliseconds(300),
            OdometerKm = 10_000 + (n * 0.06),
            AlarmFlags = minute < 90 ? 2u : 0u,
        };
    }

    private sealed class CountingSink : IAnalyticsSink
    {
        public long Changes { get; private set; }

        public void UpsertTrip(Trip trip) => Changes++;

        public void DeleteTrip(string vin, DateTimeOffset start) => Changes++;

        public void UpsertCharge(ChargeSession session) => Changes++;

        public void DeleteCharge(string vin, DateTimeOffset start) => Changes++;

        public void UpsertAlarm(AlarmEpisode episode, bool becameSerious) => Changes++;

        public void DeleteAlarm(string id) => Changes++;

        public void RecordQuality(string vin, DateOnly day, in QualityObservation observation) => Changes++;
    }
}
