using System.Text.Json;
using NevHub.Server.FunctionalTests;
using NevHub.Server.Security;
using Xunit.Abstractions;

namespace NevHub.Distributed.Tests;

/// <summary>
/// Live updates across roles: a frame enters a gateway node, a processor node applies it, and the API node's twin, REST live
/// state and <c>/hubs/live</c> show it — to the vehicle's maker and the admin only, never to another maker.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class LiveUpdatesTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Changan = "LLIVEDIST00000001";
    private const string Seres = "LLIVEDIST00000002";
    private readonly TestCluster _cluster = new("l");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private Dictionary<string, string?> Settings(string role)
    {
        var settings = _cluster.Settings(role);
        settings["NevHub:Live:Interval"] = "00:00:00.100";
        settings["NevHub:Bus:RabbitMq:LiveInterval"] = "00:00:00.100";
        return settings;
    }

    [DistributedFact]
    public async Task A_frame_through_a_gateway_node_reaches_the_api_nodes_live_feed_of_its_maker_only()
    {
        await using var processor = await TestServer.StartAsync(Settings("processor"));
        await using var api = await TestServer.StartAsync(Settings("api"));
        await using var gateway = await TestServer.StartAsync(Settings("gateway"));
        Assert.Equal(0, api.GbtPort); // an API node does not listen to devices

        // Registered on the API node (PostgreSQL); the gateway refuses unknown VINs, so it reads the same registry.
        await api.RegisterAsync(Changan, maker: "changan");
        await api.RegisterAsync(Seres, maker: "seres");

        await using var changan = await LiveHubClient.ConnectAsync(api, api.CreateKey(Roles.MakerViewer, "changan"));
        await using var admin = await LiveHubClient.ConnectAsync(api, api.AdminKey);

        var time = DateTimeOffset.UtcNow.AddSeconds(-5);
        await DriveAsync(gateway, Changan, time, speed: 33);
        await DriveAsync(gateway, Seres, time, speed: 44);

        Assert.True(
            await TestServer.EventuallyAsync(() => Task.FromResult(Speed(admin, Changan) == 33 && Speed(admin, Seres) == 44 && Speed(changan, Changan) == 33), 30),
            "the API node's hub should show both vehicles to the admin and the changan vehicle to its maker");
        await Task.Delay(500); // a later tick would carry a leak too

        Assert.DoesNotContain(Seres, changan.Vehicles().Keys);
        Assert.Equal("changan", changan.Vehicles()[Changan].GetProperty("maker").GetString());

        // The REST API of the API node serves the same live state, tenant-scoped as ever.
        var view = await api.GetAsync<JsonElement>("/api/vehicles/" + Changan);
        Assert.Equal(33, view.GetProperty("latest").GetProperty("speedKmh").GetDouble());
        using var seresViewer = api.Client(api.CreateKey(Roles.MakerViewer, "seres"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await seresViewer.GetAsync("/api/vehicles/" + Changan)).StatusCode);
        output.WriteLine($"admin received {admin.Messages.Count} hub messages, changan {changan.Messages.Count}");
    }

    [DistributedFact]
    public async Task An_api_node_started_after_the_data_arrived_shows_it_and_never_moves_a_vehicle_back_in_time()
    {
        await using var processor = await TestServer.StartAsync(Settings("processor"));
        await using var gateway = await TestServer.StartAsync(Settings("gateway"));
        await using (var first = await TestServer.StartAsync(Settings("api")))
        {
            await first.RegisterAsync(Changan, maker: "changan");
        }

        var time = DateTimeOffset.UtcNow.AddSeconds(-10);
        await DriveAsync(gateway, Changan, time, speed: 50);
        Assert.True(await TestServer.EventuallyAsync(async () => await _cluster.CountSamplesAsync() >= 1, 30));

        // Started afterwards: the live update went to nobody, so the twin comes from the store.
        await using var api = await TestServer.StartAsync(Settings("api"));
        Assert.True(await TestServer.EventuallyAsync(() => Task.FromResult(api.Twin.Get(Changan)?.Latest?.SpeedKmh == 50), 30));

        // A reissue of older data passes through the processor but never moves the API node's twin back.
        await DriveAsync(gateway, Changan, time.AddSeconds(-60), speed: 10, reissue: true);
        Assert.True(await TestServer.EventuallyAsync(async () => await _cluster.CountSamplesAsync() >= 2, 30));
        await DriveAsync(gateway, Changan, time.AddSeconds(1), speed: 51);
        Assert.True(await TestServer.EventuallyAsync(() => Task.FromResult(api.Twin.Get(Changan)?.Latest?.SpeedKmh == 51), 30));
    }

    private static async Task DriveAsync(TestServer gateway, string vin, DateTimeOffset time, double speed, bool reissue = false)
    {
        var before = gateway.Twin.Get(vin)?.FramesReceived ?? 0;
        await using var terminal = await TestTerminal.ConnectAsync(gateway.GbtPort, vin);
        await terminal.LoginAsync(1, time);
        Assert.NotNull(await terminal.ReceiveAsync()); // login answered: the session is durable
        await terminal.SendAsync(terminal.Report(time, speedKmh: speed, soc: 70, reissue: reissue));
        Assert.True(await TestServer.EventuallyAsync(() => Task.FromResult(gateway.Twin.Get(vin)?.FramesReceived >= before + 2))); // login + report on their way to the bus
    }

    private static double? Speed(LiveHubClient client, string vin) =>
        client.Vehicles().TryGetValue(vin, out var v) && v.TryGetProperty("speed", out var s) ? s.GetDouble() : null;
}
