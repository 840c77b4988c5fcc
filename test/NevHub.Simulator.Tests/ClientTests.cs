using NevHub.Domain;
using NevHub.Protocols.Gbt32960;
using NevHub.Simulator.Gbt32960;
using NevHub.Simulator.Model;

namespace NevHub.Simulator.Tests;

public class ClientTests
{
    private static SimulatorOptions Options(TestPlatform platform, int vehicles, TimeSpan duration) => new()
    {
        Host = "127.0.0.1",
        Port = platform.Port,
        Vehicles = vehicles,
        Seed = 11,
        StartTime = FleetModelTests.Start,
        Duration = duration,
        TimeScale = 3000,
        Share2025 = 0.5,
        LinkDropsPerHour = 0,
        SkewFraction = 0.3,
    };

    private static Dictionary<(string Vin, DateTimeOffset Time), List<ReceivedFrame>> ReportsByKey(IEnumerable<ReceivedFrame> frames) =>
        frames.Where(f => f.Command is Gbt32960Command.RealtimeReport or Gbt32960Command.ReissueReport)
            .GroupBy(f => (f.Vin, ((ReportBody)f.Message.Body).Time))
            .ToDictionary(g => g.Key, g => g.ToList());

    [Fact]
    public void Encoded_samples_decode_to_the_reported_values_in_both_editions()
    {
        var options = FleetModelTests.Options(12);
        options.Share2025 = 0.5;
        options.AlarmsPerHour = 2;
        var fleet = new Fleet(options, keepSamples: true);
        fleet.Run(TimeSpan.FromMinutes(90));
        var decoder = new Gbt32960Decoder();
        var editions = new HashSet<Gbt32960Version>();
        var checkedSamples = 0;
        foreach (var v in fleet.Vehicles)
        {
            foreach (var s in v.Truth.Samples!.Where((_, i) => i % 5 == 0))
            {
                var frame = Gbt32960Encoder.Encode(SampleMessages.Report(v, s, reissue: s.Origin == SampleOrigin.PreAlarm));
                var message = decoder.DecodeFrame(frame);
                editions.Add(message.Version);
                Assert.Equal(v.Vin, message.Vin.ToString());
                var body = (ReportBody)message.Body;
                Assert.Equal(s.SampleTime, body.Time);
                var vb = body.Find<VehicleBlock>()!;
                Assert.Equal(s.SpeedKmh, vb.SpeedKmh.Value!.Value, 6);
                Assert.Equal(s.OdometerKm, vb.OdometerKm.Value!.Value, 6);
                Assert.Equal(s.PackVoltageV, vb.VoltageV.Value!.Value, 6);
                Assert.Equal(s.PackCurrentA, vb.CurrentA.Value!.Value, 6);
                Assert.Equal(s.SocPercent, vb.SocPct.Value);
                Assert.Equal((int)s.Gear, vb.GearPosition);
                Assert.Equal(s.DrivingForce, vb.DrivingForce);
                Assert.Equal(s.InsulationKohm, vb.InsulationKohm.Value);
                Assert.Equal((byte)s.VehicleState, vb.VehicleState);
                Assert.Equal((byte)s.Charging, vb.ChargingState);
                var position = body.Find<PositionBlock>()!;
                Assert.Equal(s.Latitude, position.LatitudeDeg.Value!.Value, 6);
                Assert.Equal(s.Longitude, position.LongitudeDeg.Value!.Value, 6);
                var motor = body.Find<DriveMotorsBlock>()!.Motors.Items.Single();
                Assert.Equal(s.MotorSpeedRpm, motor.SpeedRpm.Value);
                Assert.Equal(s.MotorTorqueNm, motor.TorqueNm.Value!.Value, 6);
                var cells = body.Find<CellVoltagesBlock>()!.Packs.Items.OrderBy(p => p.FirstIndex).SelectMany(p => p.Cells.Items).ToArray();
                Assert.Equal(s.CellMillivolts, cells);
                var probes = body.Find<TemperaturesBlock>()!.Packs.Items.Single().Probes.Items.Select(p => p - 40).ToArray();
                Assert.Equal(s.ProbeTemperaturesC, probes);
                var alarm = body.Find<AlarmBlock>()!;
                Assert.Equal(s.AlarmFlags, alarm.Flags);
                Assert.Equal(s.AlarmLevel, alarm.Level);
                if (message.Version == Gbt32960Version.V2025)
                {
                    Assert.Equal(s.AlarmLevels.Select(l => new AlarmFlagLevel((byte)l.Bit, (byte)l.Level)), alarm.GeneralAlarmLevels.Items);
                    Assert.Equal(Gbt32960Signature.Rsa, body.Signature!.Algorithm);
                    Assert.Equal(256, body.Signature.R.Length);
                }
                else
                {
                    var extremes = body.Find<ExtremesBlock>()!;
                    Assert.Equal(s.MaxCellMillivolts, extremes.MaxCellVoltage);
                    Assert.Equal(s.MinProbeC, extremes.MinTemperatureC.Value);
                    Assert.Equal(s.AcceleratorPercent, vb.AcceleratorPct.Value);
                    Assert.Equal(s.BrakePercent, vb.BrakePct.Value);
                    Assert.All(body.Find<CellVoltagesBlock>()!.Packs.Items, p => Assert.InRange(p.Cells.Count, 1, 200));
                }

                checkedSamples++;
            }
        }

        Assert.Equal(2, editions.Count);
        Assert.True(checkedSamples > 500);
    }

    [Fact]
    public async Task Terminals_log_in_and_every_sample_reaches_the_platform_once()
    {
        await using var platform = new TestPlatform();
        var truthPath = Path.Combine(Path.GetTempPath(), $"nevhub-sim-{Guid.NewGuid():N}.jsonl");
        var options = Options(platform, 10, TimeSpan.FromMinutes(40));
        options.GroundTruthPath = truthPath;
        var simulator = new FleetSimulator(options, keepSamples: true);
        var result = await simulator.RunAsync();
        var truth = File.ReadAllLines(truthPath);
        File.Delete(truthPath);
        Assert.Equal(10, truth.Count(l => l.StartsWith("{\"type\":\"vehicle\"", StringComparison.Ordinal)));
        Assert.Equal(simulator.Fleet.Vehicles.Sum(v => v.Truth.Trips.Count), truth.Count(l => l.StartsWith("{\"type\":\"trip\"", StringComparison.Ordinal)));
        var frames = await platform.ReceivedAsync();
        Assert.Empty(platform.Errors);

        var logins = frames.Where(f => f.Command == Gbt32960Command.VehicleLogin).ToList();
        Assert.Equal(10, logins.Select(f => f.Vin).Distinct().Count());
        // Every vehicle was answered; a login still waiting for its answer when the terminal fell asleep is not counted.
        Assert.InRange(result.LoginAnswers, 10, logins.Count);
        Assert.Equal(0, result.LoginRefusals + result.LoginTimeouts);
        foreach (var login in logins)
        {
            var v = simulator.Fleet.Vehicles.Single(x => x.Vin == login.Vin);
            var body = (VehicleLoginBody)login.Message.Body;
            Assert.Equal(v.Iccid, body.Iccid);
            var codes = login.Message.Version == Gbt32960Version.V2016 ? body.Codes : body.PackCodes.SelectMany(c => c).ToArray();
            Assert.Equal(v.PackCodes, codes);
            Assert.Equal(v.Protocol == TelemetryProtocol.Gbt32960V2025 ? Gbt32960Version.V2025 : Gbt32960Version.V2016, login.Message.Version);
        }

        // Every sample of the ground truth arrived exactly once, and nothing else did.
        var reports = ReportsByKey(frames);
        var samples = simulator.Fleet.Vehicles.SelectMany(v => v.Truth.Samples!.Select(s => (v.Vin, s.SampleTime))).ToList();
        Assert.Equal(samples.Count, reports.Count);
        Assert.All(samples, key => Assert.Single(reports[key]));
        Assert.Equal(0, result.SamplesNotSent);

        // Realtime reports of a vehicle arrive with increasing sample times; each session starts with a login and ends with a logout.
        foreach (var group in frames.Where(f => f.Command == Gbt32960Command.RealtimeReport).GroupBy(f => f.Vin))
        {
            var times = group.Select(f => ((ReportBody)f.Message.Body).Time).ToList();
            Assert.Equal(times.Order(), times);
            Assert.Equal(times.Distinct().Count(), times.Count);
        }

        foreach (var connection in frames.GroupBy(f => f.Connection))
        {
            Assert.Equal(Gbt32960Command.VehicleLogin, connection.First().Command);
            if (connection.Count() == 1)
            {
                continue; // the terminal fell asleep before it saw the login answer: nothing sent, no logout
            }

            Assert.Equal(Gbt32960Command.VehicleLogout, connection.Last().Command);
            var login = (VehicleLoginBody)connection.First().Message.Body;
            Assert.Equal(login.Serial, ((LogoutBody)connection.Last().Message.Body).Serial);
        }

        Assert.Contains(frames, f => f.Command == Gbt32960Command.Heartbeat);
        Assert.True(result.RealtimeReports > 1000);
    }

    [Fact]
    public async Task After_a_link_drop_the_terminal_logs_in_again_and_reissues_the_gap()
    {
        await using var platform = new TestPlatform();
        var options = Options(platform, 8, TimeSpan.FromHours(1));
        options.LinkDropsPerHour = 4;
        var simulator = new FleetSimulator(options, keepSamples: true);
        var result = await simulator.RunAsync();
        var frames = await platform.ReceivedAsync();
        Assert.Empty(platform.Errors);
        var reports = ReportsByKey(frames);
        var drops = 0;
        foreach (var v in simulator.Fleet.Vehicles)
        {
            // Login serials count 1, 2, 3 … (in login-time order; connections are read concurrently, so arrival order may differ).
            var logins = frames.Where(f => f.Vin == v.Vin && f.Command == Gbt32960Command.VehicleLogin)
                .Select(f => (VehicleLoginBody)f.Message.Body).OrderBy(b => b.Serial).ToList();
            Assert.Equal(Enumerable.Range(1, logins.Count), logins.Select(b => (int)b.Serial));
            Assert.Equal(logins.Select(b => b.Time).Order(), logins.Select(b => b.Time));

            foreach (var drop in v.Truth.LinkDrops)
            {
                var gap = v.Truth.Samples!.Where(s => s.TrueTime >= drop.Start && s.TrueTime < drop.End).ToList();
                foreach (var s in gap)
                {
                    var frame = Assert.Single(reports[(v.Vin, s.SampleTime)]);
                    Assert.Equal(Gbt32960Command.ReissueReport, frame.Command);

                    // Sent on a later connection, after its login.
                    var login = frames.Last(f => f.Connection == frame.Connection && f.Sequence < frame.Sequence &&
                        f.Command == Gbt32960Command.VehicleLogin);
                    Assert.True(((VehicleLoginBody)login.Message.Body).Time >= s.SampleTime);
                }

                drops += gap.Count > 0 ? 1 : 0;
            }
        }

        Assert.True(drops >= 2, $"only {drops} link drops with samples in the gap");
        Assert.True(result.LinkDrops >= drops);
        Assert.True(result.Reconnects >= 1, result.ToString());
        Assert.True(result.ReissueReports > 0);
    }

    [Fact]
    public async Task A_level_3_alarm_sends_reports_every_second_and_reissues_the_30_seconds_before_it()
    {
        await using var platform = new TestPlatform();
        var options = Options(platform, 10, TimeSpan.FromHours(1));
        options.AlarmsPerHour = 6;
        options.Level3Share = 1;
        var simulator = new FleetSimulator(options, keepSamples: true);
        await simulator.RunAsync();
        var frames = await platform.ReceivedAsync();
        Assert.Empty(platform.Errors);
        var alarms = 0;
        foreach (var v in simulator.Fleet.Vehicles)
        {
            var byTime = frames.Where(f => f.Vin == v.Vin && f.Command is Gbt32960Command.RealtimeReport or Gbt32960Command.ReissueReport)
                .ToDictionary(f => ((ReportBody)f.Message.Body).Time - v.ClockSkew, f => f);
            foreach (var alarm in v.Truth.Alarms.Where(a => a.Level == 3))
            {
                var level3 = v.Truth.Samples!
                    .Where(x => x.TrueTime >= alarm.Start && x.TrueTime <= alarm.End && x.AlarmLevels.Contains((alarm.Bit, 3)))
                    .Select(x => x.TrueTime).ToList();
                var first = level3[0];
                var last = level3[^1];
                if (v.Truth.Samples!.Any(x => x.TrueTime < first && x.TrueTime >= first.AddSeconds(-60) && x.AlarmLevel == 3))
                {
                    continue; // still in the 1-s reporting of an earlier level-3 fault: nothing to reissue
                }

                // Reports every second from the fault to 30 s after it cleared (realtime once logged in).
                for (var t = first; t <= last.AddSeconds(30) && t <= v.Now; t = t.AddSeconds(1))
                {
                    Assert.True(byTime.ContainsKey(t), $"{v.Vin}: no report at {t:O}");
                    if (level3.Contains(t))
                    {
                        Assert.Equal(3, ((ReportBody)byTime[t].Message.Body).Find<AlarmBlock>()!.Level);
                    }
                }

                // The 30 s before (or since the terminal woke up): every second present, all but the regular reports as reissue.
                var samples = v.Truth.Samples!;
                var index = samples.FindIndex(x => x.TrueTime == first);
                var wake = index;
                while (wake > 0 && samples[wake].TrueTime - samples[wake - 1].TrueTime <= TimeSpan.FromSeconds(10))
                {
                    wake--;
                }

                var from = first.AddSeconds(-30) > samples[wake].TrueTime ? first.AddSeconds(-30) : samples[wake].TrueTime;
                var seconds = (int)(first - from).TotalSeconds;
                var reissued = 0;
                for (var t = from; t < first; t = t.AddSeconds(1))
                {
                    Assert.True(byTime.ContainsKey(t), $"{v.Vin}: no pre-alarm report at {t:O}");
                    reissued += byTime[t].Command == Gbt32960Command.ReissueReport ? 1 : 0;
                }

                Assert.True(reissued >= seconds - ((seconds + 9) / 10) - 1, $"{v.Vin}: {reissued} of {seconds} pre-alarm seconds reissued");
                alarms++;
            }
        }

        Assert.True(alarms >= 2, $"only {alarms} level-3 alarms");
    }

    [Fact]
    public async Task A_cancelled_run_still_delivers_every_sample_of_its_ground_truth()
    {
        await using var platform = new TestPlatform();
        var options = Options(platform, 6, TimeSpan.FromDays(1));
        options.TimeScale = 1000;
        options.LinkDropsPerHour = 2;
        var simulator = new FleetSimulator(options, keepSamples: true);
        using var cancel = new CancellationTokenSource();
        var canceller = Task.Run(async () =>
        {
            // Cancel in the middle of the run, once the platform has seen some traffic.
            while (platform.Frames.Count < 300)
            {
                await Task.Delay(5);
            }

            await cancel.CancelAsync();
        });
        var result = await simulator.RunAsync(cancel.Token);
        await canceller;
        var frames = await platform.ReceivedAsync();
        Assert.True(result.Simulated < TimeSpan.FromDays(1));
        Assert.True(frames.Count >= 300);
        var reports = ReportsByKey(frames);
        var samples = simulator.Fleet.Vehicles.SelectMany(v => v.Truth.Samples!.Select(s => (v.Vin, s.SampleTime))).ToList();
        Assert.Equal(0, result.SamplesNotSent);
        Assert.Equal(samples.Count, reports.Count);
        Assert.All(samples, key => Assert.Single(reports[key]));
        await Assert.ThrowsAsync<InvalidOperationException>(() => simulator.RunAsync());
    }
}
