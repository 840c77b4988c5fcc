using System.Net;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using NevHub.Server.Hubs;
using NevHub.Server.Security;

namespace NevHub.Server.FunctionalTests;

public sealed class LiveHubTests : IAsyncLifetime
{
    private const string Changan = "LLIVEHUB000000001";
    private const string Seres = "LLIVEHUB000000002";
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(new()
        {
            ["NevHub:InitialAdminPassword"] = "live hub admin password",
            ["NevHub:Live:Interval"] = "00:00:00.100",
            ["NevHub:Live:SnapshotPageSize"] = "1",
        });
        await _server.RegisterAsync(Changan, maker: "changan");
        await _server.RegisterAsync(Seres, maker: "seres");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task DriveAsync(string vin, double speed)
    {
        await using var terminal = await TestTerminal.ConnectAsync(_server.GbtPort, vin);
        await terminal.LoginAsync();
        await terminal.ReceiveAsync();
        await terminal.SendAsync(terminal.Report(DateTimeOffset.UtcNow.AddSeconds(-1), speedKmh: speed, soc: 70));
        Assert.True(await TestServer.EventuallyAsync(() => Task.FromResult(_server.Twin.Get(vin)?.Latest?.SpeedKmh == speed)));
    }

    [Fact]
    public async Task Each_maker_receives_only_its_own_vehicles_changes_while_the_admin_receives_all()
    {
        await using var changan = await LiveHubClient.ConnectAsync(_server, _server.CreateKey(Roles.MakerViewer, "changan"));
        await using var seres = await LiveHubClient.ConnectAsync(_server, _server.CreateKey(Roles.MakerViewer, "seres"));
        await using var admin = await LiveHubClient.ConnectAsync(_server, _server.AdminKey);

        await DriveAsync(Changan, 33);
        await DriveAsync(Seres, 44);

        Assert.True(await TestServer.EventuallyAsync(() => Task.FromResult(
            admin.Vehicles().ContainsKey(Changan) && admin.Vehicles().ContainsKey(Seres)
            && changan.Vehicles().ContainsKey(Changan) && seres.Vehicles().ContainsKey(Seres)
            && changan.Vehicles()[Changan].TryGetProperty("speed", out _))));

        // Wait for the admin (which gets both vehicles in one stream) to see the last change; the makers' groups were sent in the same tick.
        Assert.True(await TestServer.EventuallyAsync(() => Task.FromResult(
            admin.Vehicles()[Seres].TryGetProperty("speed", out var s) && s.GetDouble() == 44)));
        await Task.Delay(300);

        Assert.DoesNotContain(Seres, changan.Vehicles().Keys);
        Assert.DoesNotContain(Changan, seres.Vehicles().Keys);
        var live = changan.Vehicles()[Changan];
        Assert.Equal("changan", live.GetProperty("maker").GetString());
        Assert.Equal(33, live.GetProperty("speed").GetDouble());
        Assert.Equal(70, live.GetProperty("soc").GetDouble());
        Assert.Equal("Car", live.GetProperty("class").GetString());
        Assert.InRange(live.GetProperty("lat").GetDouble(), 29.5, 29.6);
        Assert.InRange(live.GetProperty("lon").GetDouble(), 106.5, 106.6);
    }

    [Fact]
    public async Task A_new_connection_first_gets_a_paged_snapshot_of_its_visible_fleet()
    {
        await DriveAsync(Changan, 10);
        await DriveAsync(Seres, 20);
        Assert.True(await TestServer.EventuallyAsync(() => Task.FromResult(_server.Twin.Get(Seres)?.Latest is not null)));

        await using var admin = await LiveHubClient.ConnectAsync(_server, _server.AdminKey);
        await using var changan = await LiveHubClient.ConnectAsync(_server, _server.CreateKey(Roles.MakerViewer, "changan"));
        Assert.True(await TestServer.EventuallyAsync(() => Task.FromResult(
            admin.Of("snapshot").Any(p => p.GetProperty("last").GetBoolean())
            && changan.Of("snapshot").Any(p => p.GetProperty("last").GetBoolean()))));

        // Page size 1 in this test: two vehicles are two pages for the admin, one for the maker.
        var pages = admin.Of("snapshot").ToList();
        Assert.Equal([0, 1], pages.Select(p => p.GetProperty("page").GetInt32()));
        Assert.All(pages, p => Assert.Equal(2, p.GetProperty("total").GetInt32()));
        Assert.Equal([Changan, Seres], pages.SelectMany(p => p.GetProperty("items").EnumerateArray()).Select(v => v.GetProperty("vin").GetString()).Order());

        var makerPages = changan.Of("snapshot").ToList();
        Assert.Single(makerPages);
        Assert.Equal([Changan], makerPages[0].GetProperty("items").EnumerateArray().Select(v => v.GetProperty("vin").GetString()));
    }

    [Fact]
    public async Task Alarm_events_published_through_the_sink_reach_only_the_vehicles_tenant()
    {
        await using var changan = await LiveHubClient.ConnectAsync(_server, _server.CreateKey(Roles.MakerViewer, "changan"));
        await using var seres = await LiveHubClient.ConnectAsync(_server, _server.CreateKey(Roles.MakerViewer, "seres"));
        Assert.True(await TestServer.EventuallyAsync(() => Task.FromResult(changan.Of("snapshot").Any() && seres.Of("snapshot").Any())));

        var sink = _server.App.Services.GetRequiredService<ILiveAlarmSink>();
        await sink.PublishAsync(new LiveAlarm("a1", Changan, null, 3, "BatteryOverTemperature", "open", DateTimeOffset.UtcNow));
        await sink.PublishAsync(new LiveAlarm("a2", Seres, null, 2, "InsulationFault", "open", DateTimeOffset.UtcNow));

        // Sent in order: once seres has its alarm, it would have had changan's too, were it leaking.
        Assert.True(await TestServer.EventuallyAsync(() => Task.FromResult(seres.Of("alarm").Any() && changan.Of("alarm").Any())));
        Assert.Equal(["a2"], seres.Of("alarm").Select(a => a.GetProperty("id").GetString()));
        var alarm = Assert.Single(changan.Of("alarm"));
        Assert.Equal(("a1", "changan", 3), (alarm.GetProperty("id").GetString(), alarm.GetProperty("maker").GetString(), alarm.GetProperty("level").GetInt32()));
    }

    [Fact]
    public async Task Alarms_derived_from_reports_reach_the_vehicles_tenant_once_stored()
    {
        await using var changan = await LiveHubClient.ConnectAsync(_server, _server.CreateKey(Roles.MakerViewer, "changan"));
        await using var seres = await LiveHubClient.ConnectAsync(_server, _server.CreateKey(Roles.MakerViewer, "seres"));
        await using (var terminal = await TestTerminal.ConnectAsync(_server.GbtPort, Changan))
        {
            await terminal.LoginAsync();
            await terminal.ReceiveAsync();
            await AnalyticsScript.SendAsync(terminal, new DateTimeOffset(2026, 5, 4, 1, 0, 0, TimeSpan.Zero));
        }

        // The script's alarm rises to level 3 and clears: the live feed says so once the episode is durable.
        Assert.True(await TestServer.EventuallyAsync(() => Task.FromResult(
            changan.Of("alarm").Any(a => a.GetProperty("state").GetString() == "cleared" && a.GetProperty("level").GetInt32() == 3))));
        Assert.All(changan.Of("alarm"), a => Assert.Equal(Changan, a.GetProperty("vin").GetString()));
        Assert.Contains(changan.Of("alarm"), a => a.GetProperty("state").GetString() is "open" or "cleared");
        Assert.Empty(seres.Of("alarm"));
    }

    [Fact]
    public async Task The_hub_accepts_a_signed_in_cookie_and_refuses_anonymous_callers()
    {
        using var browser = new AuthTestClient(_server);
        await browser.SignInAsync("admin", "live hub admin password");
        await using var cookie = await LiveHubClient.ConnectAsync(_server, cookies: browser.Cookies);
        Assert.True(await TestServer.EventuallyAsync(() => Task.FromResult(cookie.Of("snapshot").Any())));

        var refused = await Assert.ThrowsAsync<WebSocketException>(() => LiveHubClient.ConnectAsync(_server));
        Assert.Contains("401", refused.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _server.Http.PostAsync("/hubs/live/negotiate?negotiateVersion=1", null)).StatusCode);
    }
}
