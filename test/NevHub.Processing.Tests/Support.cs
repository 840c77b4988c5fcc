using Microsoft.Extensions.Options;
using NevHub.Domain;
using NevHub.Processing.Analytics;
using NevHub.Simulator;
using NevHub.Simulator.Model;
using NevHub.Storage.Analytics;

namespace NevHub.Processing.Tests;

/// <summary>An in-memory sink that applies changes like the store does (upsert/delete by natural key).</summary>
internal sealed class MemorySink : IAnalyticsSink
{
    public Dictionary<(string, DateTimeOffset), Trip> Trips { get; } = [];

    public Dictionary<(string, DateTimeOffset), ChargeSession> Charges { get; } = [];

    public Dictionary<string, AlarmEpisode> Alarms { get; } = [];

    public List<string> Notified { get; } = [];

    public List<QualityObservation> Quality { get; } = [];

    public int TripUpserts { get; private set; }

    public void UpsertTrip(Trip trip)
    {
        TripUpserts++;
        Trips[(trip.Vin, trip.Start)] = trip;
    }

    public void DeleteTrip(string vin, DateTimeOffset start) => Assert.True(Trips.Remove((vin, start)), "deleted a trip that was never written");

    public void UpsertCharge(ChargeSession session) => Charges[(session.Vin, session.Start)] = session;

    public void DeleteCharge(string vin, DateTimeOffset start) => Assert.True(Charges.Remove((vin, start)), "deleted a charge that was never written");

    public void UpsertAlarm(AlarmEpisode episode, bool becameSerious)
    {
        Alarms[episode.Id] = episode;
        if (becameSerious)
        {
            Notified.Add(episode.Id);
        }
    }

    public void DeleteAlarm(string id) => Assert.True(Alarms.Remove(id), "deleted an alarm that was never written");

    public void RecordQuality(string vin, DateOnly day, in QualityObservation observation) => Quality.Add(observation);

    public List<Trip> SortedTrips(string vin) => [.. Trips.Values.Where(t => t.Vin == vin).OrderBy(t => t.Start)];
}

internal static class Sim
{
    public static AnalyticsOptions Options(Action<AnalyticsOptions>? configure = null)
    {
        var o = new AnalyticsOptions
        {
            Window = TimeSpan.FromHours(24),
            MaxWindowSamples = 100_000,
            PlaceRadiusM = 100_000,
            Places = [.. ChongqingMap.Places.Select(p => new NamedPlace { Name = p.Name, Latitude = p.Latitude, Longitude = p.Longitude })],
        };
        configure?.Invoke(o);
        return o;
    }

    public static DerivationProcessor Processor(MemorySink sink, AnalyticsOptions? options = null) =>
        new(Microsoft.Extensions.Options.Options.Create(options ?? Options()), sink);

    /// <summary>The sample as the GB/T 32960 gateway maps it (Gbt32960SampleMapper): same values, gear as text, receive time.</summary>
    public static VehicleSample ToSample(string vin, SimSample s, DateTimeOffset receivedAt, ReportKind kind) => new()
    {
        Vin = vin,
        SampleTime = s.SampleTime,
        ReceivedAt = receivedAt,
        Protocol = TelemetryProtocol.Gbt32960V2016,
        Kind = kind,
        VehicleState = s.VehicleState,
        Charging = s.Charging,
        Mode = RunMode.Electric,
        SpeedKmh = s.SpeedKmh,
        OdometerKm = s.OdometerKm,
        PackVoltageV = s.PackVoltageV,
        PackCurrentA = s.PackCurrentA,
        SocPercent = s.SocPercent,
        DcDcWorking = s.DcDcWorking,
        Gear = s.Gear switch { SimGear.Drive => "D", SimGear.Reverse => "R", SimGear.Park => "P", _ => "N" },
        InsulationKohm = s.InsulationKohm,
        AcceleratorPercent = s.AcceleratorPercent,
        BrakePercent = s.BrakePercent,
        Latitude = s.Latitude,
        Longitude = s.Longitude,
        PositionValid = true,
        AlarmLevel = s.AlarmLevel,
        AlarmFlags = s.AlarmFlags,
        MaxCellVoltageV = s.MaxCellMillivolts / 1000.0,
        MinCellVoltageV = s.MinCellMillivolts / 1000.0,
        MaxTemperatureC = s.MaxProbeC,
        MinTemperatureC = s.MinProbeC,
    };

    /// <summary>
    /// Runs the fleet model without network and returns each vehicle's samples in the order a platform would receive
    /// them: realtime as produced; while the simulated link is down, stored and sent as reissue after it is back; the
    /// pre-alarm 1-s samples as reissue after the realtime ones (as the terminal sends them).
    /// </summary>
    public static (Fleet Fleet, Dictionary<string, List<VehicleSample>> Arrivals) Run(SimulatorOptions options, TimeSpan duration)
    {
        var fleet = new Fleet(options, keepSamples: true);
        var arrivals = fleet.Vehicles.ToDictionary(v => v.Vin, _ => new List<VehicleSample>());
        var stored = fleet.Vehicles.ToDictionary(v => v.Vin, _ => new List<SimSample>());
        for (var t = 0; t < (long)duration.TotalSeconds; t++)
        {
            foreach (var v in fleet.Vehicles)
            {
                v.Step();
                var now = v.Now.ToUniversalTime();
                if (v.LinkUp && stored[v.Vin].Count > 0)
                {
                    arrivals[v.Vin].AddRange(stored[v.Vin].Select(s => ToSample(v.Vin, s, now, ReportKind.Reissue)));
                    stored[v.Vin].Clear();
                }

                foreach (var s in v.Outbox)
                {
                    if (!v.LinkUp)
                    {
                        stored[v.Vin].Add(s);
                    }
                    else
                    {
                        arrivals[v.Vin].Add(ToSample(v.Vin, s, now, s.Origin == SampleOrigin.PreAlarm ? ReportKind.Reissue : ReportKind.Realtime));
                    }
                }

                v.Outbox.Clear();
            }
        }

        foreach (var v in fleet.Vehicles)
        {
            var end = v.Now.ToUniversalTime();
            arrivals[v.Vin].AddRange(stored[v.Vin].Select(s => ToSample(v.Vin, s, end, ReportKind.Reissue)));
            v.Finish();
        }

        return (fleet, arrivals);
    }
}
