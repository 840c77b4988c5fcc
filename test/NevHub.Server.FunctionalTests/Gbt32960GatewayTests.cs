using System.Net.Sockets;
using NevHub.Domain;
using NevHub.Protocols.Gbt32960;
using NevHub.Server.Api;
using NevHub.Storage;

namespace NevHub.Server.FunctionalTests;

public sealed class Gbt32960GatewayTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(new()
    {
        ["NevHub:Gateways:Gbt32960:PartialFrameTimeout"] = "00:00:01",
        ["NevHub:Gateways:Gbt32960:LoginTimeout"] = "00:00:02",
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData(Gbt32960Version.V2016)]
    [InlineData(Gbt32960Version.V2025)]
    public async Task Login_of_a_registered_vehicle_is_answered_success_and_its_reports_reach_the_twin_and_the_store(Gbt32960Version version)
    {
        var vin = version == Gbt32960Version.V2016 ? "LGBT2016000000001" : "LGBT2025000000001";
        await _server.RegisterAsync(vin);
        await using var terminal = await TestTerminal.ConnectAsync(_server.GbtPort, vin, version);

        await terminal.LoginAsync();
        var answer = await terminal.ReceiveAsync();
        Assert.NotNull(answer);
        Assert.Equal(Gbt32960Command.VehicleLogin, answer.Command);
        Assert.Equal(Gbt32960ResponseFlag.Success, answer.ResponseFlag);

        var t0 = DateTimeOffset.UtcNow.AddMinutes(-5);
        for (var i = 0; i < 5; i++)
        {
            await terminal.SendAsync(terminal.Report(t0.AddSeconds(10 * i), speedKmh: 30 + i, soc: 80 - i, odometerKm: 1000 + i));
        }

        Assert.True(await TestServer.EventuallyAsync(async () =>
            (await _server.GetAsync<Page<VehicleSample>>($"/api/vehicles/{vin}/samples")).Items.Count == 5));
        var view = await _server.GetAsync<VehicleView>($"/api/vehicles/{vin}");
        Assert.True(view.Online);
        Assert.NotNull(view.Latest);
        Assert.Equal(34, view.Latest.SpeedKmh!.Value, 1);
        Assert.Equal(76, view.Latest.SocPercent);
        Assert.Equal(20.0, view.Latest.PackCurrentA!.Value, 1);
        Assert.Equal(29.56, view.Latest.Latitude!.Value, 6);
        Assert.Equal("D", view.Latest.Gear);

        var frames = await _server.GetAsync<Page<RawFrameView>>($"/api/vehicles/{vin}/frames");
        Assert.Equal(6, frames.Items.Count); // the login and five reports
        Assert.All(frames.Items, f => Assert.StartsWith(version == Gbt32960Version.V2016 ? "2323" : "2424", f.Hex));
    }

    [Theory]
    [InlineData(Gbt32960Version.V2016, Gbt32960ResponseFlag.Error)]
    [InlineData(Gbt32960Version.V2025, Gbt32960ResponseFlag.VinNotFound)]
    public async Task Login_with_an_unregistered_vin_is_refused_and_closed(Gbt32960Version version, Gbt32960ResponseFlag expected)
    {
        await using var terminal = await TestTerminal.ConnectAsync(_server.GbtPort, "LUNKNOWN000000001", version);
        await terminal.LoginAsync();
        var answer = await terminal.ReceiveAsync();
        Assert.NotNull(answer);
        Assert.Equal(expected, answer.ResponseFlag);
        Assert.True(await terminal.IsClosedByServerAsync());
        Assert.Null(_server.Twin.Get("LUNKNOWN000000001"));
    }

    [Fact]
    public async Task Heartbeat_and_time_sync_are_answered()
    {
        await _server.RegisterAsync("LHEART00000000001");
        await using var terminal = await TestTerminal.ConnectAsync(_server.GbtPort, "LHEART00000000001");
        await terminal.LoginAsync();
        Assert.Equal(Gbt32960ResponseFlag.Success, (await terminal.ReceiveAsync())!.ResponseFlag);

        await terminal.SendAsync(terminal.Command(Gbt32960Command.Heartbeat));
        var heartbeat = await terminal.ReceiveAsync();
        Assert.Equal(Gbt32960Command.Heartbeat, heartbeat!.Command);
        Assert.Equal(Gbt32960ResponseFlag.Success, heartbeat.ResponseFlag);

        await terminal.SendAsync(terminal.Command(Gbt32960Command.TimeSync));
        var sync = await terminal.ReceiveAsync();
        Assert.Equal(Gbt32960Command.TimeSync, sync!.Command);
        var platformTime = Assert.IsType<AcknowledgementBody>(sync.Body).Time!.Value;
        Assert.Equal(TimeSpan.FromHours(8), platformTime.Offset);
        Assert.InRange((platformTime - DateTimeOffset.UtcNow).Duration().TotalSeconds, 0, 60);
    }

    [Fact]
    public async Task Logout_is_answered_and_takes_the_vehicle_offline()
    {
        const string vin = "LLOGOUT0000000001";
        await _server.RegisterAsync(vin);
        await using var terminal = await TestTerminal.ConnectAsync(_server.GbtPort, vin);
        await terminal.LoginAsync(serial: 7);
        await terminal.ReceiveAsync();
        Assert.True(await TestServer.EventuallyAsync(() => Task.FromResult(_server.Twin.Get(vin)?.Online == true)));

        await terminal.SendAsync(terminal.Command(Gbt32960Command.VehicleLogout, new LogoutBody { Time = TestTerminal.BeijingTime(DateTimeOffset.UtcNow), Serial = 7 }));
        var answer = await terminal.ReceiveAsync();
        Assert.Equal(Gbt32960Command.VehicleLogout, answer!.Command);
        Assert.Equal(Gbt32960ResponseFlag.Success, answer.ResponseFlag);
        Assert.True(await TestServer.EventuallyAsync(() => Task.FromResult(_server.Twin.Get(vin)?.Online == false)));
        var sessions = await _server.GetAsync<List<VehicleSession>>($"/api/vehicles/{vin}/sessions");
        Assert.Equal("logout", Assert.Single(sessions).EndReason);
    }

    [Fact]
    public async Task Garbage_closes_only_its_own_connection()
    {
        const string vin = "LGOOD000000000001";
        await _server.RegisterAsync(vin);
        await using var good = await TestTerminal.ConnectAsync(_server.GbtPort, vin);
        await good.LoginAsync();
        await good.ReceiveAsync();

        await using var bad = await TestTerminal.ConnectAsync(_server.GbtPort, "LBAD0000000000001");
        await bad.SendRawAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        Assert.True(await bad.IsClosedByServerAsync());

        await good.SendAsync(good.Command(Gbt32960Command.Heartbeat));
        Assert.Equal(Gbt32960ResponseFlag.Success, (await good.ReceiveAsync())!.ResponseFlag);
    }

    [Fact]
    public async Task A_frame_with_a_bad_bcc_closes_the_connection()
    {
        const string vin = "LBCC0000000000001";
        await _server.RegisterAsync(vin);
        await using var terminal = await TestTerminal.ConnectAsync(_server.GbtPort, vin);
        await terminal.LoginAsync();
        await terminal.ReceiveAsync();
        var frame = Gbt32960Encoder.Encode(terminal.Report(DateTimeOffset.UtcNow, 10, 50));
        frame[^1] ^= 0x5A;
        await terminal.SendRawAsync(frame);
        Assert.True(await terminal.IsClosedByServerAsync());
    }

    [Fact]
    public async Task Reports_before_login_close_the_connection_and_are_not_stored()
    {
        const string vin = "LNOLOGIN000000001";
        await _server.RegisterAsync(vin);
        await using var terminal = await TestTerminal.ConnectAsync(_server.GbtPort, vin);
        await terminal.SendAsync(terminal.Report(DateTimeOffset.UtcNow, 10, 50));
        Assert.True(await terminal.IsClosedByServerAsync());
        var samples = await _server.GetAsync<Page<VehicleSample>>($"/api/vehicles/{vin}/samples");
        Assert.Empty(samples.Items);
    }

    [Fact]
    public async Task A_new_login_for_a_connected_vin_replaces_the_old_connection()
    {
        const string vin = "LREPLACE000000001";
        await _server.RegisterAsync(vin);
        await using var first = await TestTerminal.ConnectAsync(_server.GbtPort, vin);
        await first.LoginAsync(serial: 1);
        await first.ReceiveAsync();

        await using var second = await TestTerminal.ConnectAsync(_server.GbtPort, vin);
        await second.LoginAsync(serial: 2);
        Assert.Equal(Gbt32960ResponseFlag.Success, (await second.ReceiveAsync())!.ResponseFlag);
        Assert.True(await first.IsClosedByServerAsync());

        // The old connection's end must not take the new session offline.
        await Task.Delay(200);
        Assert.True(_server.Twin.Get(vin)!.Online);
        Assert.Equal(2, _server.Twin.Get(vin)!.Session!.LoginSerial);
    }

    [Fact]
    public async Task Reissued_out_of_order_and_duplicate_reports_are_stored_once_in_sample_time_order()
    {
        const string vin = "LREISSUE000000001";
        await _server.RegisterAsync(vin);
        await using var terminal = await TestTerminal.ConnectAsync(_server.GbtPort, vin);
        await terminal.LoginAsync();
        await terminal.ReceiveAsync();

        var t0 = new DateTimeOffset(2026, 11, 1, 8, 0, 0, TimeSpan.FromHours(8));
        await terminal.SendAsync(terminal.Report(t0.AddSeconds(30), 30, 70));
        await terminal.SendAsync(terminal.Report(t0.AddSeconds(40), 40, 69));
        // The link was down for the first 30 s: reissued afterwards, out of order, one of them twice.
        await terminal.SendAsync(terminal.Report(t0.AddSeconds(10), 10, 72, reissue: true));
        await terminal.SendAsync(terminal.Report(t0.AddSeconds(0), 0, 73, reissue: true));
        await terminal.SendAsync(terminal.Report(t0.AddSeconds(20), 20, 71, reissue: true));
        await terminal.SendAsync(terminal.Report(t0.AddSeconds(20), 20, 71, reissue: true));
        await terminal.SendAsync(terminal.Report(t0.AddSeconds(40), 40, 69));

        Assert.True(await TestServer.EventuallyAsync(async () => _server.Twin.Get(vin)?.FramesReceived >= 7));
        Assert.True(await TestServer.EventuallyAsync(async () =>
            (await _server.GetAsync<Page<VehicleSample>>($"/api/vehicles/{vin}/samples")).Items.Count == 5));
        var samples = (await _server.GetAsync<Page<VehicleSample>>($"/api/vehicles/{vin}/samples")).Items;
        Assert.Equal([0, 10, 20, 30, 40], samples.Select(s => (s.SampleTime - t0).TotalSeconds));
        Assert.Equal([ReportKind.Reissue, ReportKind.Reissue, ReportKind.Reissue, ReportKind.Realtime, ReportKind.Realtime], samples.Select(s => s.Kind));
        // The twin keeps the newest sample by sample time, not the last one received.
        Assert.Equal(t0.AddSeconds(40), _server.Twin.Get(vin)!.Latest!.SampleTime);
    }

    [Fact]
    public async Task A_half_frame_that_never_completes_times_out()
    {
        const string vin = "LSLOW000000000001";
        await _server.RegisterAsync(vin);
        await using var terminal = await TestTerminal.ConnectAsync(_server.GbtPort, vin);
        await terminal.LoginAsync();
        await terminal.ReceiveAsync();
        var frame = Gbt32960Encoder.Encode(terminal.Report(DateTimeOffset.UtcNow, 10, 50));
        await terminal.SendRawAsync(frame[..(frame.Length / 2)]);
        Assert.True(await terminal.IsClosedByServerAsync(TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public async Task A_silent_connection_that_never_logs_in_times_out()
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", _server.GbtPort);
        var buffer = new byte[16];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var read = await client.GetStream().ReadAsync(buffer, cts.Token);
        Assert.Equal(0, read);
    }

    [Fact]
    public async Task A_thousand_connections_opened_at_once_all_log_in()
    {
        const int count = 1000;
        var vins = Enumerable.Range(0, count).Select(i => $"LMANY{i:D12}").ToList();
        var csv = "vin,maker,class\n" + string.Join('\n', vins.Select(v => $"{v},yadea,motorcycle"));
        using var content = new StringContent(csv, System.Text.Encoding.UTF8, "text/csv");
        (await _server.Admin.PostAsync("/api/vehicles/import", content)).EnsureSuccessStatusCode();

        var terminals = await Task.WhenAll(vins.Select(v => TestTerminal.ConnectAsync(_server.GbtPort, v)));
        try
        {
            await Task.WhenAll(terminals.Select(t => t.LoginAsync()));
            var answers = await Task.WhenAll(terminals.Select(t => t.ReceiveAsync(TimeSpan.FromSeconds(60))));
            Assert.All(answers, a => Assert.Equal(Gbt32960ResponseFlag.Success, a!.ResponseFlag));
            Assert.True(await TestServer.EventuallyAsync(() => Task.FromResult(vins.All(v => _server.Twin.Get(v)?.Online == true))));
        }
        finally
        {
            foreach (var t in terminals)
            {
                await t.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_flood_of_reports_is_stored_completely()
    {
        const string vin = "LFLOOD00000000001";
        await _server.RegisterAsync(vin);
        await using var terminal = await TestTerminal.ConnectAsync(_server.GbtPort, vin);
        await terminal.LoginAsync();
        await terminal.ReceiveAsync();

        const int count = 3000;
        var t0 = new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero); // whole seconds: the wire time has 1 s resolution
        var bytes = Enumerable.Range(0, count).SelectMany(i => Gbt32960Encoder.Encode(terminal.Report(t0.AddSeconds(i), i % 120, 50))).ToArray();
        await terminal.SendRawAsync(bytes);

        Assert.True(await TestServer.EventuallyAsync(async () =>
        {
            var page = await _server.GetAsync<Page<VehicleSample>>($"/api/vehicles/{vin}/samples?limit=1000&order=desc");
            return page.Items.Count > 0 && page.Items[0].SampleTime == TestTerminal.BeijingTime(t0.AddSeconds(count - 1));
        }, seconds: 60));

        var total = 0;
        string? cursor = null;
        do
        {
            var page = await _server.GetAsync<Page<VehicleSample>>(
                $"/api/vehicles/{vin}/samples?limit=1000" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
            total += page.Items.Count;
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        Assert.Equal(count, total);
    }
}
