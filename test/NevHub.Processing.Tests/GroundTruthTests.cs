using NevHub.Domain;
using NevHub.Simulator;
using NevHub.Simulator.Model;
using NevHub.Storage.Analytics;
using Xunit.Abstractions;

namespace NevHub.Processing.Tests;

/// <summary>
/// The simulator's model (no network) drives the processors with its samples in arrival order (link drops reissued
/// later, pre-alarm samples reissued after the alarm); the derived records are compared with its ground truth.
/// </summary>
public sealed class GroundTruthTests(ITestOutputHelper output)
{
    private static readonly SimulatorOptions Fleet = new()
    {
        Vehicles = 40,
        Seed = 3,
        LinkDropsPerHour = 0.5,
        AlarmsPerHour = 1,
        Level3Share = 0.3,
        StartTime = new DateTimeOffset(2026, 1, 12, 6, 0, 0, TimeSpan.FromHours(8)),
    };

    private static readonly Lazy<(Fleet Fleet, Dictionary<string, List<VehicleSample>> Arrivals)> Run =
        new(() => Sim.Run(Fleet, TimeSpan.FromHours(8)));

    [Fact]
    public void Trips_and_charges_match_the_simulator_ground_truth()
    {
        var (fleet, arrivals) = Run.Value;
        var sink = new MemorySink();
        var processor = Sim.Processor(sink);
        foreach (var v in fleet.Vehicles)
        {
            foreach (var s in arrivals[v.Vin])
            {
                processor.Add(s);
            }
        }

        int truthTrips = 0, found = 0, distanceOk = 0;
        double energyError = 0, worstStart = 0, worstEnd = 0;
        int truthCharges = 0, chargesFound = 0;
        double chargeEnergyError = 0;
        foreach (var v in fleet.Vehicles)
        {
            var trips = sink.SortedTrips(v.Vin);
            foreach (var truth in v.Truth.Trips)
            {
                truthTrips++;
                var start = truth.Start + v.ClockSkew;
                var end = truth.End + v.ClockSkew;
                var match = trips.FirstOrDefault(t => Math.Abs((t.Start - start).TotalSeconds) <= 60 && Math.Abs((t.End - end).TotalSeconds) <= 60);
                if (match is null)
                {
                    output.WriteLine($"missed trip {v.Vin} {truth.Start:O} → {truth.End:O} {truth.DistanceKm} km");
                    continue;
                }

                found++;
                worstStart = Math.Max(worstStart, Math.Abs((match.Start - start).TotalSeconds));
                worstEnd = Math.Max(worstEnd, Math.Abs((match.End - end).TotalSeconds));
                if (Math.Abs(match.DistanceKm - truth.DistanceKm) <= Math.Max(0.01 * truth.DistanceKm, 0.05))
                {
                    distanceOk++;
                }

                energyError += Math.Abs(match.EnergyKwh - truth.EnergyKwh);
                Assert.Equal(truth.EndPlace, match.EndPlace);
            }

            var charges = sink.Charges.Values.Where(c => c.Vin == v.Vin && !c.Reconstructed).ToList();
            foreach (var truth in v.Truth.Charges)
            {
                truthCharges++;
                var match = charges.FirstOrDefault(c => Math.Abs((c.Start - (truth.Start + v.ClockSkew)).TotalSeconds) <= 60
                    && Math.Abs((c.End - (truth.End + v.ClockSkew)).TotalSeconds) <= 60);
                if (match is not null)
                {
                    chargesFound++;
                    chargeEnergyError += Math.Abs(match.EnergyInKwh - truth.EnergyInKwh) / Math.Max(truth.EnergyInKwh, 0.1);
                    Assert.Equal(truth.FastCharging, match.Type == ChargeType.DC);
                }
            }
        }

        var truthEnergy = fleet.Vehicles.Sum(v => v.Truth.Trips.Sum(t => t.EnergyKwh));
        foreach (var v in fleet.Vehicles)
        {
            foreach (var t in sink.SortedTrips(v.Vin))
            {
                if (!v.Truth.Trips.Any(x => x.Start + v.ClockSkew == t.Start))
                {
                    output.WriteLine($"extra trip {v.Vin} {t.Start:O} → {t.End:O} {t.DistanceKm} km complete {t.Complete}; truth: " +
                        string.Join(", ", v.Truth.Trips.Where(x => x.End + v.ClockSkew >= t.Start.AddHours(-1) && x.Start + v.ClockSkew <= t.End.AddHours(1))
                            .Select(x => $"{x.Start + v.ClockSkew:O}→{x.End + v.ClockSkew:O}")));
                }
            }
        }

        output.WriteLine($"trips: truth {truthTrips}, derived {sink.Trips.Count}, found {found} ({100.0 * found / truthTrips:F2} %), " +
            $"distance within 1 %: {distanceOk}, worst start {worstStart} s, worst end {worstEnd} s, " +
            $"energy mean abs error {energyError / Math.Max(found, 1):F3} kWh per trip ({100 * energyError / truthEnergy:F2} % of truth energy)");
        output.WriteLine($"charges: truth {truthCharges}, derived {sink.Charges.Count}, found {chargesFound}, " +
            $"mean relative energy error {100 * chargeEnergyError / Math.Max(chargesFound, 1):F2} %");
        Assert.True(truthTrips > 100, $"the run should have many trips, had {truthTrips}");
        Assert.True(found >= 0.99 * truthTrips, $"found {found} of {truthTrips} trips");
        Assert.True(distanceOk >= 0.99 * found, $"distance within 1 % for {distanceOk} of {found}");
        Assert.Equal(sink.Trips.Count, found);
        Assert.True(truthCharges > 5);
        Assert.True(chargesFound >= 0.99 * truthCharges, $"found {chargesFound} of {truthCharges} charges");
        Assert.True(chargeEnergyError / chargesFound < 0.03);
    }

    [Fact]
    public void Alarms_match_the_simulator_ground_truth()
    {
        var (fleet, arrivals) = Run.Value;
        var sink = new MemorySink();
        var processor = Sim.Processor(sink);
        foreach (var v in fleet.Vehicles)
        {
            foreach (var s in arrivals[v.Vin])
            {
                processor.Add(s);
            }
        }

        int truth = 0, found = 0;
        foreach (var v in fleet.Vehicles)
        {
            foreach (var a in v.Truth.Alarms)
            {
                truth++;
                var match = sink.Alarms.Values.FirstOrDefault(e => e.Vin == v.Vin && e.Bit == a.Bit && e.Start == a.Start + v.ClockSkew
                    && (e.End ?? e.LastSeen) == a.End + v.ClockSkew);
                if (match is not null)
                {
                    found++;
                    Assert.True(match.PeakLevel >= a.Level, $"{a.Kind}: peak {match.PeakLevel} < truth {a.Level}");
                    if (a.Level >= 3)
                    {
                        Assert.Equal(match.Levels.First(l => l.Level >= 3).Time - TimeSpan.FromSeconds(30), match.WindowFrom);
                        Assert.Equal(match.LastSeen + TimeSpan.FromSeconds(30), match.WindowTo);
                    }
                }
                else
                {
                    output.WriteLine($"missed alarm {v.Vin} {a.Kind} {a.Start:O} → {a.End:O} level {a.Level}");
                }
            }
        }

        output.WriteLine($"alarms: truth {truth}, derived {sink.Alarms.Count}, exact start and end {found}; serious notified {sink.Notified.Count}");
        foreach (var v in fleet.Vehicles)
        {
            foreach (var e in sink.Alarms.Values.Where(e => e.Vin == v.Vin))
            {
                if (!v.Truth.Alarms.Any(a => a.Bit == e.Bit && a.Start + v.ClockSkew == e.Start))
                {
                    output.WriteLine($"extra alarm {v.Vin} {e.Kind} {e.Start:O} → {e.End:O} peak {e.PeakLevel}");
                }
            }
        }

        Assert.True(truth > 3);
        Assert.Equal(truth, found);
        Assert.Equal(truth, sink.Alarms.Count);
        Assert.Equal(sink.Alarms.Values.Count(a => a.PeakLevel >= 3), sink.Notified.Count);
    }

    [Fact]
    public void Shuffled_duplicated_arrival_derives_the_same_records_as_ordered_arrival()
    {
        var (fleet, arrivals) = Run.Value;
        var ordered = new MemorySink();
        var shuffled = new MemorySink();
        var a = Sim.Processor(ordered);
        var b = Sim.Processor(shuffled);
        var random = new Random(7);
        foreach (var v in fleet.Vehicles.Take(12))
        {
            var samples = arrivals[v.Vin].OrderBy(s => s.SampleTime).ToList();
            foreach (var s in samples)
            {
                a.Add(s);
            }

            // Blocks of 40 samples (≈ 7 min) arrive in random order inside each block, a tenth of them twice.
            foreach (var block in samples.Chunk(40))
            {
                foreach (var s in block.OrderBy(_ => random.Next()))
                {
                    b.Add(s);
                    if (random.Next(10) == 0)
                    {
                        Assert.False(b.Add(s with { Kind = ReportKind.Reissue, ReceivedAt = s.ReceivedAt.AddMinutes(5) }));
                    }
                }
            }
        }

        Assert.Equal(ordered.Trips.Keys.Order(), shuffled.Trips.Keys.Order());
        foreach (var (key, trip) in ordered.Trips)
        {
            var other = shuffled.Trips[key];
            Assert.Equal(trip.End, other.End);
            Assert.Equal(trip.DistanceKm, other.DistanceKm, 6);
            Assert.Equal(trip.EnergyKwh, other.EnergyKwh, 6);
            Assert.Equal(trip.Complete, other.Complete);
        }

        Assert.Equal(ordered.Charges.Keys.Order(), shuffled.Charges.Keys.Order());
        Assert.Equal(ordered.Alarms.Values.Select(x => (x.Kind, x.Start, x.End)).Order(), shuffled.Alarms.Values.Select(x => (x.Kind, x.Start, x.End)).Order());
    }
}
