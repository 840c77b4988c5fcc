using System.Net;
using System.Net.Http.Json;
using NevHub.Domain;
using NevHub.Gateways.Jt808;
using NevHub.Server.Api;
using NevHub.Simulator;
using NevHub.Simulator.Model;

namespace NevHub.Server.FunctionalTests;

/// <summary>The fleet simulator's electric motorcycles (JT/T 808) and cars (GB/T 32960) against the real server.</summary>
public sealed class SimulatedMotorcyclesTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(Jt808Server.Settings());

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private SimulatorOptions Options(int vehicles, double motorcycleShare, int seed) => new()
    {
        Host = "127.0.0.1",
        Port = _server.GbtPort,
        Jt808Port = _server.Port(),
        Vehicles = vehicles,
        Seed = seed,
        CarShare = 1 - motorcycleShare,
        TaxiShare = 0,
        BusShare = 0,
        MotorcycleShare = motorcycleShare,
        LinkDropsPerHour = 0,
        SkewFraction = 0,
        AlarmsPerHour = 0,
        StartTime = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds()).ToOffset(TimeSpan.FromHours(8)),
    };

    private async Task RegisterAsync(Fleet fleet)
    {
        foreach (var v in fleet.Vehicles)
        {
            if (v.TerminalPhone is { } phone)
            {
                await _server.RegisterTerminalAsync(v.Vin, phone, maker: "zongshen");
            }
            else
            {
                await _server.RegisterAsync(v.Vin);
            }
        }
    }

    [Fact]
    public async Task Simulated_motorcycles_register_authenticate_and_their_soc_and_voltage_reach_the_twin()
    {
        var options = Options(6, 4 / 6.0, seed: 31);
        options.Duration = TimeSpan.FromMinutes(40);
        options.TimeScale = 240;
        var simulator = new FleetSimulator(options, keepSamples: true);
        await RegisterAsync(simulator.Fleet);
        var motorcycles = simulator.Fleet.Vehicles.Where(v => v.Spec.Class == VehicleClass.Motorcycle).ToList();
        Assert.Equal(4, motorcycles.Count);

        var result = await simulator.RunAsync();
        Assert.Equal(0, result.LoginRefusals + result.LoginTimeouts);
        Assert.Equal(0, result.ReportErrors);
        Assert.Equal(0, result.SamplesNotSent);
        Assert.True(result.Registrations >= 4, result.ToString());

        foreach (var v in motorcycles)
        {
            var newest = v.Truth.Samples!.MaxBy(s => s.SampleTime)!;
            VehicleView? view = null;
            Assert.True(await TestServer.EventuallyAsync(async () =>
                (view = await _server.GetAsync<VehicleView>($"/api/vehicles/{v.Vin}")).Latest?.SampleTime == newest.SampleTime),
                $"{v.Vin}: latest {view?.Latest?.SampleTime:O}, expected {newest.SampleTime:O}");
            var latest = view!.Latest!;
            Assert.Equal(v.Protocol, latest.Protocol);
            Assert.Equal(newest.SocPercent, latest.SocPercent!.Value, 6);
            Assert.Equal(newest.PackVoltageV, latest.PackVoltageV!.Value, 2);
            Assert.Equal(newest.PackCurrentA, latest.PackCurrentA!.Value, 2);
            Assert.Equal(newest.OdometerKm, latest.OdometerKm!.Value, 1);
            Assert.Equal(newest.Latitude, latest.Latitude!.Value, 6);
        }

        // The cars of the same fleet arrived over GB/T 32960.
        foreach (var v in simulator.Fleet.Vehicles.Except(motorcycles))
        {
            var newest = v.Truth.Samples!.MaxBy(s => s.SampleTime)!;
            Assert.True(await TestServer.EventuallyAsync(async () =>
                (await _server.GetAsync<VehicleView>($"/api/vehicles/{v.Vin}")).Latest?.SocPercent == newest.SocPercent));
        }
    }

    [Fact]
    public async Task A_simulated_motorcycle_answers_downlink_commands_from_the_api()
    {
        // Real time: a tracker is awake for the first 3 minutes of a run, long enough for the commands.
        var options = Options(1, 1, seed: 32);
        options.Duration = TimeSpan.FromMinutes(10);
        options.TimeScale = 1;
        var simulator = new FleetSimulator(options);
        await RegisterAsync(simulator.Fleet);
        var vin = simulator.Fleet.Vehicles[0].Vin;
        using var stop = new CancellationTokenSource();
        var run = simulator.RunAsync(stop.Token);
        Assert.True(await TestServer.EventuallyAsync(async () =>
            (await _server.GetAsync<VehicleView>($"/api/vehicles/{vin}")).Latest is not null, seconds: 30));

        async Task<Jt808CommandRecord> CommandAsync(object command, Jt808CommandStatus expected)
        {
            var response = await _server.Admin.PostAsJsonAsync($"/api/vehicles/{vin}/commands", command, TestServer.Json);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var id = (await response.Content.ReadFromJsonAsync<Jt808CommandRecord>(TestServer.Json))!.Id;
            Jt808CommandRecord? record = null;
            Assert.True(await TestServer.EventuallyAsync(async () =>
                (record = await _server.GetAsync<Jt808CommandRecord>($"/api/vehicles/{vin}/commands/{id}")).Status == expected),
                $"status {record?.Status}, result {record?.Result}, {record?.MessageId} serial {record?.Serial}");
            return record!;
        }

        Assert.Equal(0, (await CommandAsync(new { kind = "text", text = "请到换电站换电" }, Jt808CommandStatus.Acknowledged)).Result);
        var parameters = await CommandAsync(new { kind = "query_parameters" }, Jt808CommandStatus.Answered);
        Assert.Contains(parameters.Parameters!, p => p.Id == "0x0029" && p.Number == 10);
        var position = await CommandAsync(new { kind = "query_position" }, Jt808CommandStatus.Answered);
        Assert.InRange(position.Position!.Latitude, 29.2, 30.0);
        Assert.InRange(position.Position.Longitude, 106.2, 107.0);

        await stop.CancelAsync();
        var result = await run;
        Assert.Equal(3, result.CommandAnswers);
    }
}
