using System.Buffers.Binary;
using System.Text;
using NevHub.Domain;
using NevHub.Protocols.Gbt32960;
using NevHub.Protocols.Jt808;
using NevHub.Simulator.Jt808;
using NevHub.Simulator.Model;

namespace NevHub.Simulator.Tests;

public class Jt808ClientTests
{
    private static readonly TimeSpan Beijing = TimeSpan.FromHours(8);

    private static SimulatorOptions Options(TestPlatform gbt, Jt808TestPlatform jt808, int vehicles, TimeSpan duration) => new()
    {
        Host = "127.0.0.1",
        Port = gbt.Port,
        Jt808Port = jt808.Port,
        Vehicles = vehicles,
        Seed = 21,
        StartTime = FleetModelTests.Start,
        Duration = duration,
        TimeScale = 3000,
        CarShare = 0.3,
        TaxiShare = 0.1,
        BusShare = 0,
        MotorcycleShare = 0.6,
        LinkDropsPerHour = 0,
        SkewFraction = 0.3,
    };

    /// <summary>Every location the platform received, by (phone, terminal time), with whether it came in a 0x0704 batch.</summary>
    private static Dictionary<(string Phone, DateTimeOffset Time), List<(Jt808Received Frame, Jt808Location Location, bool Batch)>> Locations(
        IEnumerable<Jt808Received> messages)
    {
        var all = new List<(string, DateTimeOffset, Jt808Received, Jt808Location, bool)>();
        foreach (var m in messages)
        {
            if (m.Message.Body is Jt808LocationReport report)
            {
                all.Add((m.Phone, report.Location.GetTime(Beijing)!.Value, m, report.Location, false));
            }
            else if (m.Message.Body is Jt808BatchLocationUpload batch)
            {
                Assert.True(batch.IsBackfill);
                all.AddRange(batch.Locations.Select(l => (m.Phone, l.GetTime(Beijing)!.Value, m, l, true)));
            }
        }

        return all.GroupBy(x => (x.Item1, x.Item2)).ToDictionary(g => g.Key, g => g.Select(x => (x.Item3, x.Item4, x.Item5)).ToList());
    }

    /// <summary>Checks the session rules of one tracker's connections, in order.</summary>
    private static void AssertSessions(List<Jt808Received> mine)
    {
        var hasCode = false;
        foreach (var connection in mine.GroupBy(m => m.Connection).OrderBy(c => c.First().Sequence))
        {
            var first = connection.First().Message.Body;
            if (hasCode)
            {
                Assert.IsType<Jt808Authentication>(first);
            }
            else
            {
                Assert.IsType<Jt808Registration>(first);
            }

            Assert.True(connection.Any(m => m.Message.Body is Jt808Authentication) || connection.Count() == 1);
            hasCode = (hasCode || connection.Any(m => m.Message.Body is Jt808Authentication)) && connection.Last().Message.Body is not Jt808Logout;
        }
    }

    [Fact]
    public void Motorcycles_get_deterministic_unique_phones_and_both_header_editions()
    {
        var options = FleetModelTests.Options(60);
        options.CarShare = 0.2;
        options.TaxiShare = 0;
        options.BusShare = 0;
        options.MotorcycleShare = 0.8;
        var a = new Fleet(options);
        var b = new Fleet(options);
        var motorcycles = a.Vehicles.Where(v => v.Spec.Class == VehicleClass.Motorcycle).ToList();
        Assert.Equal(48, motorcycles.Count);
        Assert.All(a.Vehicles.Where(v => v.Spec.Class != VehicleClass.Motorcycle), v => Assert.Null(v.TerminalPhone));
        Assert.All(motorcycles, v => Assert.Matches("^014042[0-9]{6}$", v.TerminalPhone!));
        Assert.Equal(motorcycles.Count, motorcycles.Select(v => v.TerminalPhone).Distinct().Count());
        Assert.Equal(motorcycles.Select(v => v.TerminalPhone), b.Vehicles.Where(v => v.Spec.Class == VehicleClass.Motorcycle).Select(v => v.TerminalPhone));
        Assert.Contains(motorcycles, v => v.Protocol == TelemetryProtocol.Jt808V2013);
        Assert.Contains(motorcycles, v => v.Protocol == TelemetryProtocol.Jt808V2019);
        Assert.Contains(motorcycles, v => v.Spec.BatterySwap);
        Assert.Contains(motorcycles, v => v.Spec.FastCharging);
    }

    [Fact]
    public void Encoded_locations_decode_to_the_reported_values_and_battery_items()
    {
        var options = FleetModelTests.Options(16);
        options.CarShare = 0;
        options.TaxiShare = 0;
        options.BusShare = 0;
        options.MotorcycleShare = 1;
        options.AlarmsPerHour = 2;
        var fleet = new Fleet(options, keepSamples: true);
        fleet.Run(TimeSpan.FromHours(3));
        var versions = new HashSet<Jt808Version>();
        var checkedSamples = 0;
        var accOff = 0;
        var charging = 0;
        foreach (var v in fleet.Vehicles)
        {
            ushort serial = 0;
            foreach (var s in v.Truth.Samples!.Where((_, i) => i % 3 == 0))
            {
                var wire = Jt808Encoder.Encode(Jt808SampleMessages.Header(v, Jt808MessageIds.LocationReport, serial++),
                    new Jt808LocationReport(Jt808SampleMessages.Location(s)));
                var message = Jt808Decoder.Default.Decode(new Jt808Framer().ReadComplete(wire));
                versions.Add(message.Header.Version);
                Assert.Equal(v.TerminalPhone, message.Header.Phone.ForVersion(Jt808Version.V2013).ToString());
                var l = ((Jt808LocationReport)message.Body).Location;
                Assert.Equal(s.SampleTime, l.GetTime(Beijing));
                Assert.Equal(s.Latitude, l.Latitude, 6);
                Assert.Equal(s.Longitude, l.Longitude, 6);
                Assert.Equal(s.SpeedKmh, l.SpeedKmh, 6);
                Assert.Equal(s.AltitudeM, l.AltitudeM);
                Assert.InRange(l.Direction, 0, 359);
                Assert.Equal(s.HeadingDeg, l.Direction);
                Assert.Equal(s.OdometerKm, l.MileageKm!.Value, 6);
                Assert.Equal(s.VehicleState == VehicleRunState.Started, l.AccOn);
                Assert.True(l.Positioned);
                Assert.Equal(s.SocPercent, l.Find(0xE1)!.Value.Span[0]);
                Assert.Equal(s.PackVoltageV, BinaryPrimitives.ReadUInt16BigEndian(l.Find(0xE2)!.Value.Span) / 100.0, 6);
                Assert.Equal(s.PackCurrentA, BinaryPrimitives.ReadInt16BigEndian(l.Find(0xE3)!.Value.Span) / 100.0, 6);
                Assert.Equal(s.MaxProbeC, l.Find(0xE4)!.Value.Span[0] - 40);
                var code = l.Find(0xE5)!.Value.Span[0];
                Assert.Equal(s.Charging switch { ChargingState.ParkedCharging => 1, ChargingState.ChargeComplete => 2, _ => 0 }, code);
                Assert.Equal(s.PackCode, Encoding.ASCII.GetString(l.Find(0xE6)!.Value.Span));
                Assert.Equal((s.AlarmFlags & (1u << (int)AlarmKind.SocLow)) != 0, (l.AlarmFlags & (1u << 7)) != 0);
                Assert.Equal(s.AlarmLevel == 3, (l.AlarmFlags & 1u) != 0);
                accOff += l.AccOn ? 0 : 1;
                charging += code == 1 ? 1 : 0;
                checkedSamples++;
            }
        }

        Assert.Equal(2, versions.Count);
        Assert.True(checkedSamples > 500, $"only {checkedSamples}");
        Assert.True(accOff > 0 && charging > 0, $"acc off {accOff}, charging {charging}");
    }

    [Fact]
    public void Swap_riders_swap_packs_at_a_station_and_the_ground_truth_records_it()
    {
        var options = FleetModelTests.Options(40, seed: 5);
        options.CarShare = 0;
        options.TaxiShare = 0;
        options.BusShare = 0;
        options.MotorcycleShare = 1;
        var fleet = new Fleet(options, keepSamples: true);
        fleet.Run(TimeSpan.FromHours(14));
        var swaps = fleet.Vehicles.SelectMany(v => v.Truth.Swaps.Select(s => (v, s))).ToList();
        Assert.True(swaps.Count >= 3, $"only {swaps.Count} swaps");
        foreach (var (v, swap) in swaps)
        {
            Assert.True(v.Spec.BatterySwap);
            Assert.NotEqual(swap.OldPackCode, swap.NewPackCode);
            Assert.Equal(24, swap.NewPackCode.Length);
            Assert.True(swap.SocBefore < swap.SocAfter, $"{swap.SocBefore} → {swap.SocAfter}");
            Assert.InRange(swap.SocBefore, 0, 40);
            Assert.InRange(swap.SocAfter, 92, 97);
            Assert.True(swap.Time > swap.LastOldPackSample);
            var after = v.Truth.Samples!.Single(s => s.TrueTime == swap.Time);
            Assert.Equal(swap.NewPackCode, after.PackCode);
            Assert.Equal(ChargingState.NotCharging, after.Charging);
            var station = ChongqingMap.Nearest(after.Latitude, after.Longitude).Place.Name;
            Assert.Equal(station, swap.Place);
        }

        // Swap riders never plug in; every swap shows up in the total.
        Assert.All(fleet.Vehicles.Where(v => v.Spec.BatterySwap), v => Assert.Empty(v.Truth.Charges));
        Assert.Equal(fleet.Vehicles.Sum(v => v.Swaps), swaps.Count + fleet.Vehicles.Count(v => v.Swaps > v.Truth.Swaps.Count));
        Assert.Contains(fleet.Vehicles, v => v.Spec.FastCharging && v.Truth.Charges.Any(c => c.MaxPowerKw > 2.5));

        using var writer = new StringWriter();
        GroundTruthWriter.Write(writer, fleet.Vehicles);
        Assert.Contains("{\"type\":\"swap\",\"vin\":", writer.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mixed_fleet_registers_authenticates_and_every_motorcycle_sample_arrives_once()
    {
        await using var gbt = new TestPlatform();
        await using var jt808 = new Jt808TestPlatform { SendCommands = true };
        var options = Options(gbt, jt808, 12, TimeSpan.FromMinutes(50));
        var simulator = new FleetSimulator(options, keepSamples: true);
        var result = await simulator.RunAsync();
        var messages = await jt808.ReceivedAsync();
        var frames = await gbt.ReceivedAsync();
        Assert.Empty(jt808.Errors);
        Assert.Empty(gbt.Errors);
        var motorcycles = simulator.Fleet.Vehicles.Where(v => v.Spec.Class == VehicleClass.Motorcycle).ToList();
        Assert.Equal(7, motorcycles.Count);

        // Cars and taxis still speak GB/T 32960, motorcycles only JT/T 808.
        Assert.Equal(5, frames.Where(f => f.Command == Gbt32960Command.VehicleLogin).Select(f => f.Vin).Distinct().Count());
        Assert.DoesNotContain(frames, f => motorcycles.Any(m => m.Vin == f.Vin));

        foreach (var v in motorcycles)
        {
            var mine = messages.Where(m => m.Phone == v.TerminalPhone).ToList();
            var version = v.Protocol == TelemetryProtocol.Jt808V2019 ? Jt808Version.V2019 : Jt808Version.V2013;
            Assert.All(mine, m => Assert.Equal(version, m.Message.Header.Version));

            // A connection after a logout (or the first one) registers; one after a connection without logout (a link drop or
            // a tracker that slept before its answer) authenticates with the kept code. Every connection authenticates.
            AssertSessions(mine);
            var registration = (Jt808Registration)mine.First(m => m.Message.Body is Jt808Registration).Message.Body;
            Assert.Equal(Jt808SampleMessages.ProvinceId, registration.ProvinceId);
            Assert.Equal(Jt808SampleMessages.CityId, registration.CityId);
            Assert.Equal(0, registration.PlateColor);
            Assert.Equal(v.Vin, registration.Plate);
            Assert.Equal(v.Spec.Model, registration.Model);
            var authentications = mine.Where(m => m.Message.Body is Jt808Authentication).ToList();
            Assert.NotEmpty(authentications);
            Assert.All(authentications, m => Assert.Equal(Jt808TestPlatform.CodeFor(v.TerminalPhone!), ((Jt808Authentication)m.Message.Body).AuthCode));

            // Every connection starts with registration or authentication and, when it carried reports, ends with a logout.
            foreach (var connection in mine.GroupBy(m => m.Connection))
            {
                Assert.True(connection.First().Message.Body is Jt808Registration or Jt808Authentication);
                if (connection.Any(m => m.Message.Body is Jt808LocationReport or Jt808BatchLocationUpload))
                {
                    Assert.IsType<Jt808Logout>(connection.Last().Message.Body);
                }
            }

            // Serials increase by one across the terminal's messages (per connection, in arrival order).
            foreach (var connection in mine.GroupBy(m => m.Connection))
            {
                var serials = connection.Where(m => m.Message.Body is not (Jt808TerminalGeneralResponse or Jt808QueryParametersResponse or Jt808LocationQueryResponse))
                    .Select(m => (int)m.Message.Header.Serial).ToList();
                Assert.Equal(serials.Order(), serials);
            }
        }

        // Every ground-truth sample of a motorcycle arrived exactly once, with its battery values.
        var locations = Locations(messages);
        var samples = motorcycles.SelectMany(v => v.Truth.Samples!.Select(s => (v, s))).ToList();
        Assert.Equal(samples.Count, locations.Count);
        foreach (var (v, s) in samples)
        {
            var (_, location, _) = Assert.Single(locations[(v.TerminalPhone!, s.SampleTime)]);
            Assert.Equal(s.SocPercent, location.Find(0xE1)!.Value.Span[0]);
            Assert.Equal(s.Latitude, location.Latitude, 6);
        }

        Assert.Equal(0, result.SamplesNotSent);
        Assert.Equal(0, result.LoginRefusals + result.LoginTimeouts);
        Assert.True(result.Registrations >= 7);
        Assert.Contains(messages, m => m.Message.Body is Jt808Heartbeat);

        // Commands were answered: 0x8300 → 0x0001, 0x8104 → 0x0104 with parameters, 0x8201 → 0x0201 (or 0x0001 failure before any report).
        var text = messages.Where(m => m.Message.Body is Jt808TerminalGeneralResponse { ReplyMessageId: Jt808MessageIds.TextMessage }).ToList();
        Assert.NotEmpty(text);
        Assert.All(text, m => Assert.Equal(Jt808ResponseResult.Success, ((Jt808TerminalGeneralResponse)m.Message.Body).Result));
        var parameters = messages.Select(m => m.Message.Body).OfType<Jt808QueryParametersResponse>().ToList();
        Assert.NotEmpty(parameters);
        Assert.All(parameters, p => Assert.Equal(10u, p.Parameters.Single(x => x.Id == Jt808Parameters.DefaultReportInterval).Number));
        Assert.Contains(messages, m => m.Message.Body is Jt808LocationQueryResponse);
        Assert.True(result.CommandAnswers >= text.Count + parameters.Count);
    }

    [Fact]
    public async Task After_a_link_drop_the_tracker_authenticates_again_and_sends_the_gap_as_a_blind_area_batch()
    {
        await using var gbt = new TestPlatform();
        await using var jt808 = new Jt808TestPlatform();
        var options = Options(gbt, jt808, 10, TimeSpan.FromHours(1));
        options.CarShare = 0;
        options.TaxiShare = 0;
        options.MotorcycleShare = 1;
        options.LinkDropsPerHour = 4;
        var simulator = new FleetSimulator(options, keepSamples: true);
        var result = await simulator.RunAsync();
        var messages = await jt808.ReceivedAsync();
        Assert.Empty(jt808.Errors);
        var locations = Locations(messages);
        var drops = 0;
        var direct = 0;
        foreach (var v in simulator.Fleet.Vehicles)
        {
            foreach (var drop in v.Truth.LinkDrops)
            {
                var gap = v.Truth.Samples!.Where(s => s.TrueTime >= drop.Start && s.TrueTime < drop.End).ToList();
                foreach (var s in gap)
                {
                    var (frame, _, batch) = Assert.Single(locations[(v.TerminalPhone!, s.SampleTime)]);
                    Assert.True(batch, $"{v.Vin} {s.SampleTime:O} was not sent as blind-area data");

                    // On a later connection, after its authentication.
                    Assert.Contains(messages, m => m.Connection == frame.Connection && m.Sequence < frame.Sequence && m.Message.Body is Jt808Authentication);
                }

                drops += gap.Count > 0 ? 1 : 0;
            }

            // After a link drop the kept code is used: the next connection authenticates without registering.
            var mine = messages.Where(m => m.Phone == v.TerminalPhone).ToList();
            AssertSessions(mine);
            var connections = mine.GroupBy(m => m.Connection).ToList();
            direct += connections.Count(c => c.First().Message.Body is Jt808Authentication);
        }

        var samples = simulator.Fleet.Vehicles.Sum(v => v.Truth.Samples!.Count);
        Assert.Equal(samples, locations.Count);
        Assert.All(locations.Values, l => Assert.Single(l));
        Assert.True(drops >= 2, $"only {drops} link drops with samples in the gap");
        Assert.True(direct >= drops / 2, $"{direct} direct authentications for {drops} link drops");
        Assert.True(result.Reconnects >= 1, result.ToString());
        Assert.True(result.ReissueReports > 0);
    }
}
