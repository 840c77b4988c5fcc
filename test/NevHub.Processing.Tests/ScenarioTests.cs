using NevHub.Domain;
using NevHub.Processing.Analytics;

namespace NevHub.Processing.Tests;

/// <summary>Scripted situations a real fleet produces: late, duplicated, reissued data, odometer resets, offline charging, wrong clocks, escalating alarms.</summary>
public sealed class ScenarioTests
{
    private const string Vin = "LSCENARIO00000001";
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);

    private static VehicleSample S(int seconds, double speed = 0, double odometer = 1000, bool started = true, bool charging = false,
        double soc = 50, double longitude = 106.55, int level = 0, uint flags = 0, ReportKind kind = ReportKind.Realtime, TimeSpan? receivedAfter = null)
    {
        var time = T0.AddSeconds(seconds);
        return new VehicleSample
        {
            Vin = Vin,
            SampleTime = time,
            ReceivedAt = time + (receivedAfter ?? TimeSpan.FromSeconds(1)),
            Protocol = TelemetryProtocol.Gbt32960V2016,
            Kind = kind,
            VehicleState = started ? VehicleRunState.Started : VehicleRunState.Off,
            Charging = charging ? ChargingState.ParkedCharging : ChargingState.NotCharging,
            SpeedKmh = speed,
            OdometerKm = odometer,
            PackVoltageV = 350,
            PackCurrentA = charging ? -50 : 20,
            SocPercent = soc,
            Latitude = 29.56,
            Longitude = longitude,
            PositionValid = true,
            AlarmLevel = level,
            AlarmFlags = flags,
        };
    }

    /// <summary>Driving at 36 km/h (0.1 km and 0.001° per 10-s step) from <paramref name="from"/> to <paramref name="to"/> seconds.</summary>
    private static IEnumerable<VehicleSample> Drive(int from, int to, int step = 10) =>
        Enumerable.Range(0, ((to - from) / step) + 1).Select(k => from + (k * step))
            .Select(t => S(t, speed: 36, odometer: 1000 + (t / 100.0), longitude: 106.55 + (t / 10_000.0)));

    [Fact]
    public void A_late_sample_that_fills_a_gap_merges_two_trips()
    {
        var sink = new MemorySink();
        var p = Sim.Processor(sink);
        // 0–600 s, an 11-min silence (longer than MaxGap), 1260–1800 s.
        foreach (var s in Drive(0, 600).Concat(Drive(1260, 1800)))
        {
            p.Add(s);
        }

        Assert.Equal([T0, T0.AddSeconds(1260)], sink.SortedTrips(Vin).Select(t => t.Start));
        Assert.Equal(T0.AddSeconds(600), sink.SortedTrips(Vin)[0].End);

        // One late (reissued) sample in the middle: both silences are now shorter than MaxGap.
        Assert.True(p.Add(Drive(930, 930).Single() with { Kind = ReportKind.Reissue, ReceivedAt = T0.AddHours(1) }));

        var trip = Assert.Single(sink.SortedTrips(Vin));
        Assert.Equal(T0, trip.Start);
        Assert.Equal(T0.AddSeconds(1800), trip.End);
        Assert.Equal(18.0, trip.DistanceOdometerKm, 3);
        Assert.False(trip.Complete);
    }

    [Fact]
    public void A_duplicate_changes_nothing()
    {
        var sink = new MemorySink();
        var p = Sim.Processor(sink);
        var samples = Drive(0, 300).ToList();
        foreach (var s in samples)
        {
            Assert.True(p.Add(s));
        }

        var before = sink.SortedTrips(Vin).Single();
        var upserts = sink.TripUpserts;
        // The same frame again (a replay after a reconnect), live and as a reissue: same sample time and content.
        Assert.False(p.Add(samples[10]));
        Assert.False(p.Add(samples[^1] with { Kind = ReportKind.Reissue, ReceivedAt = T0.AddHours(2) }));
        Assert.Equal(upserts, sink.TripUpserts);
        Assert.Equal(before, sink.SortedTrips(Vin).Single());
        Assert.Equal(samples.Count, p.WindowCount(Vin));
    }

    [Fact]
    public void A_reissued_pre_alarm_window_moves_the_alarm_start_and_keeps_its_identity_and_single_notification()
    {
        var sink = new MemorySink();
        var p = Sim.Processor(sink);
        // Realtime every 10 s; level-3 high temperature from 600 s to 700 s.
        foreach (var t in Enumerable.Range(0, 91).Select(k => k * 10))
        {
            var on = t is >= 600 and <= 700;
            p.Add(S(t, level: on ? 3 : 0, flags: on ? 2u : 0));
        }

        var first = Assert.Single(sink.Alarms.Values);
        Assert.Equal(T0.AddSeconds(600), first.Start);
        Assert.Equal([first.Id], sink.Notified);

        // The terminal then reissues its 1-s samples of the 30 s before the alarm: the flag was already set 4 s earlier.
        foreach (var t in Enumerable.Range(570, 30))
        {
            var on = t >= 596;
            // Those on the 10-s grid are the realtime samples again (duplicates, left out).
            Assert.Equal(t % 10 != 0, p.Add(S(t, level: on ? 3 : 0, flags: on ? 2u : 0, kind: ReportKind.Reissue, receivedAfter: TimeSpan.FromMinutes(3))));
        }

        var moved = Assert.Single(sink.Alarms.Values);
        Assert.Equal(first.Id, moved.Id);
        Assert.Equal(T0.AddSeconds(596), moved.Start);
        Assert.Equal(T0.AddSeconds(700), moved.End);
        Assert.Equal(T0.AddSeconds(596 - 30), moved.WindowFrom);
        Assert.Equal(11 + 4, moved.Samples);
        Assert.Single(sink.Notified);
    }

    [Fact]
    public void An_odometer_reset_is_bridged_by_gps_and_flagged()
    {
        var sink = new MemorySink();
        var p = Sim.Processor(sink);
        foreach (var s in Drive(0, 600))
        {
            // The odometer restarts from 0 at 300 s (module replaced): later values are 1003 km lower.
            p.Add(s.SampleTime >= T0.AddSeconds(300) ? s with { OdometerKm = s.OdometerKm - 1003 } : s);
        }

        var trip = Assert.Single(sink.SortedTrips(Vin));
        Assert.True(trip.OdometerAnomaly);
        // 59 plausible 0.1-km steps plus the reset step bridged by its GPS distance (0.001° of longitude at 29.56° N ≈ 0.097 km).
        Assert.Equal(5.9 + 0.0968, trip.DistanceOdometerKm, 2);
        Assert.Equal(60 * 0.0968, trip.DistanceGpsKm, 1);
    }

    [Fact]
    public void A_charge_while_offline_is_reconstructed_from_the_soc_rise()
    {
        var sink = new MemorySink();
        var p = Sim.Processor(sink);
        // Parked, off, SOC 40 %; silent for 2 h; back at the same place with SOC 70 %.
        foreach (var t in Enumerable.Range(0, 6).Select(k => k * 10))
        {
            p.Add(S(t, started: false, soc: 40));
        }

        foreach (var t in Enumerable.Range(0, 6).Select(k => 7250 + (k * 10)))
        {
            p.Add(S(t, started: false, soc: 70));
        }

        var charge = Assert.Single(sink.Charges.Values);
        Assert.True(charge.Reconstructed);
        Assert.Equal(T0.AddSeconds(50), charge.Start);
        Assert.Equal(T0.AddSeconds(7250), charge.End);
        Assert.Equal(40, charge.StartSoc);
        Assert.Equal(70, charge.EndSoc);
        Assert.Empty(sink.Trips);
    }

    [Fact]
    public void A_vehicle_clock_hours_ahead_is_left_out_and_one_minutes_behind_is_derived_on_its_own_time()
    {
        var sink = new MemorySink();
        var p = Sim.Processor(sink);
        // Clock two hours ahead: every sample claims a time two hours after it was received.
        foreach (var s in Drive(0, 300))
        {
            Assert.False(p.Add(s with { Vin = "LSKEWAHEAD0000001", ReceivedAt = s.SampleTime - TimeSpan.FromHours(2) }));
        }

        Assert.Equal(31, p.FutureSkewed);
        Assert.Empty(sink.Trips);

        // Clock 7 minutes behind: received 7 min after the sample time; derived on the vehicle's own (sample) time.
        foreach (var s in Drive(0, 300))
        {
            Assert.True(p.Add(s with { ReceivedAt = s.SampleTime + TimeSpan.FromMinutes(7) }));
        }

        var trip = Assert.Single(sink.SortedTrips(Vin));
        Assert.Equal(T0, trip.Start);
        Assert.Equal(T0.AddSeconds(300), trip.End);

        // Clock 50 minutes ahead (within MaxFutureSkew): still derived.
        Assert.True(p.Add(S(400, speed: 36, odometer: 1004) with { ReceivedAt = T0.AddSeconds(400) - TimeSpan.FromMinutes(50) }));
        Assert.Equal(T0.AddSeconds(400), sink.SortedTrips(Vin).Single().End);
    }

    [Fact]
    public void An_alarm_escalates_from_1_to_3_notifies_once_and_clears()
    {
        var sink = new MemorySink();
        var p = Sim.Processor(sink);
        foreach (var t in Enumerable.Range(0, 40).Select(k => k * 10))
        {
            var level = t switch { < 100 => 0, < 150 => 1, < 200 => 2, < 300 => 3, _ => 0 };
            p.Add(S(t, level: level, flags: level > 0 ? 1u << 11 : 0));
            if (t == 190)
            {
                var open = Assert.Single(sink.Alarms.Values);
                Assert.True(open.Open);
                Assert.Equal(2, open.PeakLevel);
                Assert.Empty(sink.Notified);
            }
        }

        var alarm = Assert.Single(sink.Alarms.Values);
        Assert.Equal("Insulation", alarm.Kind);
        Assert.Equal(11, alarm.Bit);
        Assert.Equal([(T0.AddSeconds(100), 1), (T0.AddSeconds(150), 2), (T0.AddSeconds(200), 3)], alarm.Levels.Select(l => (l.Time, l.Level)));
        Assert.Equal(1, alarm.FirstLevel);
        Assert.Equal(3, alarm.PeakLevel);
        Assert.Equal(T0.AddSeconds(100), alarm.Start);
        Assert.Equal(T0.AddSeconds(290), alarm.End);
        Assert.False(alarm.Open);
        Assert.Equal(T0.AddSeconds(170), alarm.WindowFrom);
        Assert.Equal(T0.AddSeconds(320), alarm.WindowTo);
        Assert.Equal([alarm.Id], sink.Notified);
    }
}
