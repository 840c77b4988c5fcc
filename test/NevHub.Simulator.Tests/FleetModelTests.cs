using System.Text.Json;
using NevHub.Domain;
using NevHub.Simulator.Model;

namespace NevHub.Simulator.Tests;

public class FleetModelTests
{
    internal static readonly DateTimeOffset Start = new(2026, 7, 15, 7, 0, 0, TimeSpan.FromHours(8));

    internal static SimulatorOptions Options(int vehicles, int seed = 42) => new()
    {
        Vehicles = vehicles,
        Seed = seed,
        StartTime = Start,
        LinkDropsPerHour = 0,
    };

    private static readonly Lazy<Fleet> LongRun = new(() =>
    {
        var options = Options(30);
        options.AlarmsPerHour = 0.5;
        options.Level3Share = 0.2;
        options.SkewFraction = 0.5;
        var fleet = new Fleet(options, keepSamples: true);
        fleet.Run(TimeSpan.FromHours(8));
        return fleet;
    });

    private static IEnumerable<(SimVehicle Vehicle, SimSample Sample)> AllSamples(Fleet fleet) =>
        fleet.Vehicles.SelectMany(v => v.Truth.Samples!.Select(s => (v, s)));

    [Fact]
    public void The_same_seed_gives_the_same_samples_and_another_seed_does_not()
    {
        static List<string> Run(int seed)
        {
            var fleet = new Fleet(Options(12, seed), keepSamples: true);
            fleet.Run(TimeSpan.FromMinutes(40));
            return AllSamples(fleet).Select(x =>
                $"{x.Vehicle.Vin} {x.Sample.SampleTime:O} {x.Sample.SocExact:R} {x.Sample.Latitude} {x.Sample.Longitude} " +
                $"{x.Sample.PackCurrentA} {string.Join(',', x.Sample.CellMillivolts)} {string.Join(',', x.Sample.ProbeTemperaturesC)}").ToList();
        }

        var a = Run(7);
        var b = Run(7);
        var c = Run(8);
        Assert.True(a.Count > 1000, $"only {a.Count} samples");
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Fleet_mix_follows_the_shares()
    {
        var options = Options(20);
        options.CarShare = 0.5;
        options.TaxiShare = 0.25;
        options.BusShare = 0.15;
        options.MotorcycleShare = 0.1;
        var fleet = new Fleet(options);
        var counts = fleet.Vehicles.GroupBy(v => v.Spec.Class).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(10, counts[VehicleClass.Car]);
        Assert.Equal(5, counts[VehicleClass.Taxi]);
        Assert.Equal(3, counts[VehicleClass.Bus]);
        Assert.Equal(2, counts[VehicleClass.Motorcycle]);
        Assert.All(fleet.Vehicles, v => Assert.Equal(17, v.Vin.Length));
        Assert.Equal(20, fleet.Vehicles.Select(v => v.Vin).Distinct().Count());
        Assert.All(fleet.Vehicles, v => Assert.All(v.PackCodes, code => Assert.Equal(24, code.Length)));
        Assert.All(fleet.Vehicles, v => Assert.Equal(20, v.Iccid.Length));
        var moto = fleet.Vehicles.First(v => v.Spec.Class == VehicleClass.Motorcycle);
        Assert.InRange(moto.Spec.NominalVoltage, 45, 80);
    }

    [Fact]
    public void Positions_stay_in_the_Chongqing_area()
    {
        var samples = AllSamples(LongRun.Value).Select(x => x.Sample).ToList();
        Assert.All(samples, s =>
        {
            Assert.InRange(s.Latitude, ChongqingMap.MinLatitude, ChongqingMap.MaxLatitude);
            Assert.InRange(s.Longitude, ChongqingMap.MinLongitude, ChongqingMap.MaxLongitude);
        });

        // Vehicles actually move around: many distinct places are visited.
        Assert.True(samples.Select(s => s.NearestPlace).Distinct().Count() >= 12);
    }

    [Fact]
    public void Cell_voltages_average_to_the_pack_voltage_per_series_cell()
    {
        foreach (var (vehicle, s) in AllSamples(LongRun.Value).Where((_, i) => i % 7 == 0))
        {
            var series = vehicle.Spec.SeriesCells;
            Assert.Equal(vehicle.Spec.ReportedCells, s.CellMillivolts.Length);
            for (var str = 0; str < vehicle.Spec.ParallelStrings; str++)
            {
                var mean = s.CellMillivolts.Skip(str * series).Take(series).Average(c => (double)c);
                Assert.InRange(mean - (s.PackVoltageV * 1000 / series), -1.0, 1.0);
            }

            var spread = s.MaxCellMillivolts - s.MinCellMillivolts;
            Assert.InRange(spread, 1, 250);
            Assert.Equal(vehicle.Spec.TemperatureProbes, s.ProbeTemperaturesC.Length);
            Assert.InRange(s.MinProbeC, 0, 80);
        }

        Assert.Contains(LongRun.Value.Vehicles, v => v.Spec.ReportedCells == 384);
    }

    [Fact]
    public void Soc_falls_while_driving_consistent_with_the_energy_used()
    {
        var fleet = LongRun.Value;
        var checkedTrips = 0;
        foreach (var v in fleet.Vehicles)
        {
            foreach (var trip in v.Truth.Trips.Where(t => t.EnergyKwh > 2))
            {
                var a = v.Truth.Samples!.Single(s => s.TrueTime == trip.Start);
                var b = v.Truth.Samples!.Single(s => s.TrueTime == trip.End);
                var socEnergy = (a.SocExact - b.SocExact) * v.Spec.CapacityKwh;
                Assert.True(b.SocExact < a.SocExact);
                Assert.True(trip.EndSoc <= trip.StartSoc);
                Assert.InRange(trip.EnergyKwh / socEnergy, 0.95, 1.0);
                Assert.InRange(trip.DistanceKm, 0.5, 400); // a taxi shift between breaks is one ignition cycle
                checkedTrips++;
            }
        }

        Assert.True(checkedTrips >= 20, $"only {checkedTrips} trips with more than 2 kWh");
    }

    [Fact]
    public void Soc_rises_while_charging_consistent_with_the_energy_charged()
    {
        var fleet = LongRun.Value;
        var charges = 0;
        foreach (var v in fleet.Vehicles)
        {
            foreach (var charge in v.Truth.Charges.Where(c => c.EnergyInKwh > 2))
            {
                var a = v.Truth.Samples!.Single(s => s.TrueTime == charge.Start);
                var b = v.Truth.Samples!.Single(s => s.TrueTime == charge.End);
                var socEnergy = (b.SocExact - a.SocExact) * v.Spec.CapacityKwh;
                Assert.True(charge.EndSoc > charge.StartSoc);
                Assert.InRange(charge.EnergyInKwh / socEnergy, 1.0, 1.06);
                Assert.True(charge.MaxPowerKw <= (v.Spec.Class == VehicleClass.Car && v.Spec.FastCharging ? 60 : v.Spec.ChargePowerKw) * 1.001);
                Assert.All(v.Truth.Samples!.Where(s => s.TrueTime >= charge.Start && s.TrueTime <= charge.End), s =>
                {
                    Assert.Equal(ChargingState.ParkedCharging, s.Charging);
                    Assert.True(s.PackCurrentA < 0);
                    Assert.Equal(0, s.SpeedKmh);
                });
                charges++;
            }
        }

        Assert.True(charges >= 3, $"only {charges} charges");
    }

    [Fact]
    public void Fast_charging_tapers_above_eighty_percent()
    {
        var fleet = LongRun.Value;
        var tapered = 0;
        foreach (var v in fleet.Vehicles.Where(v => v.Spec.Class is VehicleClass.Taxi or VehicleClass.Bus))
        {
            var charging = v.Truth.Samples!.Where(s => s.Charging == ChargingState.ParkedCharging).ToList();
            var low = charging.Where(s => s.SocExact < 0.75).Select(s => -s.PackCurrentA * s.PackVoltageV).ToList();
            var high = charging.Where(s => s.SocExact > 0.88).Select(s => -s.PackCurrentA * s.PackVoltageV).ToList();
            if (low.Count > 0 && high.Count > 0)
            {
                Assert.True(high.Average() < 0.75 * low.Average());
                tapered++;
            }
        }

        Assert.True(tapered >= 1);
    }

    [Fact]
    public void Sample_times_increase_and_follow_the_report_period()
    {
        foreach (var v in LongRun.Value.Vehicles)
        {
            var samples = v.Truth.Samples!;
            for (var i = 1; i < samples.Count; i++)
            {
                var gap = samples[i].TrueTime - samples[i - 1].TrueTime;
                Assert.True(gap > TimeSpan.Zero);
                Assert.Equal(v.ClockSkew, samples[i].SampleTime - samples[i].TrueTime);
                if (gap > TimeSpan.FromSeconds(10))
                {
                    // Only a sleeping terminal skips reports: it went to sleep after reporting 3 min of being parked and off.
                    var j = i - 1;
                    while (j > 0 && samples[j - 1].VehicleState == VehicleRunState.Off && samples[j - 1].Charging == ChargingState.NotCharging &&
                        samples[j].TrueTime - samples[j - 1].TrueTime <= TimeSpan.FromSeconds(10))
                    {
                        j--;
                    }

                    Assert.Equal(VehicleRunState.Off, samples[i - 1].VehicleState);
                    Assert.Equal(ChargingState.NotCharging, samples[i - 1].Charging);
                    // Power-off happened within one report period before samples[j]; the last report is within one period of the 3 min.
                    Assert.True(samples[i - 1].TrueTime - samples[j].TrueTime >= SimVehicle.AwakeAfterPowerOff - TimeSpan.FromSeconds(20));
                }
            }
        }

        var skewed = LongRun.Value.Vehicles.Where(v => v.ClockSkew != TimeSpan.Zero).ToList();
        Assert.InRange(skewed.Count, 8, 22);
        Assert.All(skewed, v => Assert.InRange(Math.Abs(v.ClockSkew.TotalSeconds), 2, 600));
    }

    [Fact]
    public void Trips_in_the_ground_truth_match_the_reported_samples()
    {
        foreach (var v in LongRun.Value.Vehicles)
        {
            var samples = v.Truth.Samples!;
            var trips = v.Truth.Trips;
            var inTrip = new bool[samples.Count];
            foreach (var trip in trips)
            {
                var first = samples.FindIndex(s => s.TrueTime == trip.Start);
                var last = samples.FindIndex(s => s.TrueTime == trip.End);
                Assert.True(first >= 0 && last >= first);
                var a = samples[first];
                var b = samples[last];
                Assert.Equal(VehicleRunState.Started, a.VehicleState);
                Assert.True(a.SpeedKmh > 0);
                Assert.Equal(Math.Round(b.OdometerKm - a.OdometerKm, 1), trip.DistanceKm);
                Assert.Equal(a.SocPercent, trip.StartSoc);
                Assert.Equal(b.SocPercent, trip.EndSoc);
                Assert.Equal(Math.Round(b.NetEnergyOutKwh - a.NetEnergyOutKwh, 4), trip.EnergyKwh);
                for (var i = first; i <= last; i++)
                {
                    Assert.Equal(VehicleRunState.Started, samples[i].VehicleState);
                    inTrip[i] = true;
                }

                if (trip.Complete)
                {
                    Assert.Equal(VehicleRunState.Off, samples[last + 1].VehicleState);
                }
            }

            // No started-and-moving sample is left outside a trip.
            for (var i = 0; i < samples.Count; i++)
            {
                Assert.True(inTrip[i] || samples[i].VehicleState != VehicleRunState.Started || samples[i].SpeedKmh == 0 ||
                    (i > 0 && inTrip[i - 1]));
            }
        }

        Assert.True(LongRun.Value.Vehicles.Sum(v => v.Truth.Trips.Count) >= 60);

        // Cars commute: they come back to where their first trip started (home).
        var cars = LongRun.Value.Vehicles.Where(v => v.Spec.Class == VehicleClass.Car && v.Truth.Trips.Count >= 2).ToList();
        Assert.True(cars.Count(c => c.Truth.Trips.Skip(1).Any(t => t.EndPlace == c.Truth.Trips[0].StartPlace)) >= cars.Count / 2);
    }

    [Fact]
    public void Charges_and_alarms_in_the_ground_truth_match_the_reported_samples()
    {
        foreach (var v in LongRun.Value.Vehicles)
        {
            var samples = v.Truth.Samples!;
            var charging = samples.Where(s => s.Charging == ChargingState.ParkedCharging).Select(s => s.TrueTime).ToHashSet();
            var covered = v.Truth.Charges.SelectMany(c => samples.Where(s => s.TrueTime >= c.Start && s.TrueTime <= c.End)).ToList();
            Assert.All(covered, s => Assert.Equal(ChargingState.ParkedCharging, s.Charging));
            Assert.Equal(charging.Count, covered.Count);

            foreach (AlarmKind kind in Enum.GetValues<AlarmKind>())
            {
                var bit = 1u << (int)kind;
                var flagged = samples.Where(s => (s.AlarmFlags & bit) != 0).ToList();
                var episodes = v.Truth.Alarms.Where(a => a.Bit == (int)kind).ToList();
                var inEpisodes = episodes.SelectMany(e => samples.Where(s => s.TrueTime >= e.Start && s.TrueTime <= e.End)).ToList();
                Assert.All(inEpisodes, s => Assert.NotEqual(0u, s.AlarmFlags & bit));
                Assert.Equal(flagged.Count, inEpisodes.Count);
                Assert.Equal(flagged.Count, episodes.Sum(e => e.Samples));
            }
        }

        var alarms = LongRun.Value.Vehicles.SelectMany(v => v.Truth.Alarms).ToList();
        Assert.Contains(alarms, a => a.Level == 3);
        Assert.Contains(alarms, a => a.Level < 3);
    }

    [Fact]
    public void A_level_3_alarm_brings_one_second_reports_and_the_30_seconds_before_it()
    {
        var checkedAlarms = 0;
        foreach (var v in LongRun.Value.Vehicles)
        {
            var samples = v.Truth.Samples!;
            foreach (var alarm in v.Truth.Alarms.Where(a => a.Level == 3))
            {
                // Every second from 30 s before the fault to 30 s after it clears (while the terminal is awake).
                var times = samples.Select(s => s.TrueTime).ToHashSet();
                var index = samples.FindIndex(s => s.TrueTime >= alarm.Start && s.AlarmLevels.Contains((alarm.Bit, 3)));
                var firstLevel3 = samples[index].TrueTime;
                if (samples.Any(x => x.TrueTime < firstLevel3 && x.TrueTime >= firstLevel3.AddSeconds(-60) && x.AlarmLevel == 3))
                {
                    continue; // still in the 1-s reporting of an earlier level-3 fault
                }

                // The terminal woke up at the first sample after a sleep gap; nothing before that exists.
                var wake = index;
                while (wake > 0 && samples[wake].TrueTime - samples[wake - 1].TrueTime <= TimeSpan.FromSeconds(10))
                {
                    wake--;
                }

                var from = firstLevel3.AddSeconds(-30) > samples[wake].TrueTime ? firstLevel3.AddSeconds(-30) : samples[wake].TrueTime;
                var lastLevel3 = samples.Last(s => s.TrueTime <= alarm.End && s.AlarmLevels.Contains((alarm.Bit, 3))).TrueTime;
                for (var t = from; t <= lastLevel3.AddSeconds(30) && t <= v.Now; t = t.AddSeconds(1))
                {
                    Assert.Contains(t, times);
                }

                var pre = samples.Where(s => s.TrueTime >= from && s.TrueTime < firstLevel3).ToList();
                Assert.Equal((int)(firstLevel3 - from).TotalSeconds, pre.Count);
                if (pre.Count >= 10)
                {
                    Assert.Contains(pre, s => s.Origin == SampleOrigin.PreAlarm);
                }
                checkedAlarms++;
            }
        }

        Assert.True(checkedAlarms >= 1);
    }

    [Fact]
    public void Ground_truth_is_written_as_json_lines()
    {
        var fleet = LongRun.Value;
        using var writer = new StringWriter();
        GroundTruthWriter.Write(writer, fleet.Vehicles);
        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var types = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("type").GetString()).ToList();
        Assert.Equal(30, types.Count(t => t == "vehicle"));
        Assert.Equal(fleet.Vehicles.Sum(v => v.Truth.Trips.Count), types.Count(t => t == "trip"));
        Assert.Equal(fleet.Vehicles.Sum(v => v.Truth.Charges.Count), types.Count(t => t == "charge"));
        Assert.Equal(fleet.Vehicles.Sum(v => v.Truth.Alarms.Count), types.Count(t => t == "alarm"));
        var trip = JsonDocument.Parse(lines.First(l => l.Contains("\"trip\"", StringComparison.Ordinal))).RootElement;
        Assert.EndsWith("+08:00", trip.GetProperty("start").GetString(), StringComparison.Ordinal);
        Assert.True(trip.GetProperty("distanceKm").GetDouble() >= 0);
    }
}
