using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using NevHub.Domain;
using NevHub.Gateways;
using NevHub.Protocols.Jt808;
using NevHub.Server.Api;
using NevHub.Storage;

namespace NevHub.Server.FunctionalTests;

/// <summary>Settings and helpers shared by the JT/T 808 tests.</summary>
internal static class Jt808Server
{
    public static Dictionary<string, string?> Settings(Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["NevHub:Gateways:Jt808:Enabled"] = "true",
            ["NevHub:Gateways:Jt808:Port"] = "0",
            ["NevHub:Gateways:Jt808:BindAddress"] = "127.0.0.1",
            ["NevHub:Gateways:Jt808:PartialFrameTimeout"] = "00:00:01",
            ["NevHub:Gateways:Jt808:LoginTimeout"] = "00:00:05",
        };
        foreach (var (key, value) in more ?? [])
        {
            settings[key] = value;
        }

        return settings;
    }

    public static int Port(this TestServer server) => server.App.Services.GetRequiredService<GatewayEndpoints>().Jt808Port;

    public static async Task RegisterTerminalAsync(this TestServer server, string vin, string phone, string maker = "zongshen")
    {
        var response = await server.Admin.PostAsJsonAsync("/api/vehicles", new Vehicle
        {
            Vin = vin,
            Maker = maker,
            Model = "e-motorcycle",
            Class = VehicleClass.Motorcycle,
            BatteryCapacityKwh = 2.9,
            TerminalPhone = phone,
        }, TestServer.Json);
        response.EnsureSuccessStatusCode();
    }
}

public sealed class Jt808GatewayTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(Jt808Server.Settings());

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData(Jt808Version.V2013, "13800000001", "LJT80813000000001")]
    [InlineData(Jt808Version.V2019, "13800000002", "LJT80819000000001")]
    public async Task A_bound_terminal_registers_authenticates_and_its_locations_reach_the_twin_the_store_and_the_api(
        Jt808Version version, string phone, string vin)
    {
        await _server.RegisterTerminalAsync(vin, phone);
        await using var terminal = await Jt808TestTerminal.ConnectAsync(_server.Port(), phone, version);
        var registration = await terminal.RegisterAsync();
        Assert.Equal(Jt808RegistrationResult.Success, registration.Result);
        Assert.False(string.IsNullOrEmpty(registration.AuthCode));
        Assert.Equal(Jt808ResponseResult.Success, (await terminal.AuthenticateAsync(registration.AuthCode!)).Result);

        var t0 = DateTimeOffset.UtcNow.AddMinutes(-5);
        await terminal.SendAsync(new Jt808LocationReport(Jt808TestTerminal.Location(t0, speedKmh: 33, soc: 77, voltage: 75.40, currentA: -2.5)));
        var ack = Assert.IsType<Jt808PlatformGeneralResponse>((await terminal.ReceiveAsync())!.Body);
        Assert.Equal((Jt808MessageIds.LocationReport, terminal.LastSerial, Jt808ResponseResult.Success), (ack.ReplyMessageId, ack.ReplySerial, ack.Result));

        // Acknowledged means durable: the store has it now, no polling needed.
        var samples = await _server.GetAsync<Page<VehicleSample>>($"/api/vehicles/{vin}/samples");
        var sample = Assert.Single(samples.Items);
        Assert.Equal(version == Jt808Version.V2019 ? TelemetryProtocol.Jt808V2019 : TelemetryProtocol.Jt808V2013, sample.Protocol);
        Assert.Equal(t0.ToUnixTimeSeconds(), sample.SampleTime.ToUnixTimeSeconds());
        Assert.Equal(29.563, sample.Latitude!.Value, 6);
        Assert.Equal(106.551, sample.Longitude!.Value, 6);
        Assert.True(sample.PositionValid);
        Assert.Equal(33, sample.SpeedKmh!.Value, 1);
        Assert.Equal(77, sample.SocPercent);
        Assert.Equal(75.40, sample.PackVoltageV!.Value, 2);
        Assert.Equal(-2.5, sample.PackCurrentA!.Value, 2);
        Assert.Equal(25, sample.MaxTemperatureC);
        Assert.Equal(ChargingState.NotCharging, sample.Charging);
        Assert.Equal(3141.0, sample.OdometerKm!.Value, 1);
        Assert.Equal(VehicleRunState.Started, sample.VehicleState);
        Assert.Equal(0, sample.AlarmLevel);

        Assert.True(await TestServer.EventuallyAsync(async () =>
            (await _server.GetAsync<VehicleView>($"/api/vehicles/{vin}")).Latest?.SocPercent == 77));
        var view = await _server.GetAsync<VehicleView>($"/api/vehicles/{vin}");
        Assert.True(view.Online);
        Assert.Equal(75.40, view.Latest!.PackVoltageV!.Value, 2);
        Assert.Equal(["ABCPE0105000001A10100011"], view.Session!.PackCodes);

        var frames = await _server.GetAsync<Page<RawFrameView>>($"/api/vehicles/{vin}/frames");
        Assert.Equal([0x0100, 0x0102, 0x0200], frames.Items.Select(f => f.Command).Order());
        Assert.All(frames.Items, f => Assert.StartsWith("7e", f.Hex, StringComparison.Ordinal));

        var sessions = await _server.GetAsync<List<VehicleSession>>($"/api/vehicles/{vin}/sessions");
        Assert.Null(Assert.Single(sessions).LogoutAt);
    }

    [Fact]
    public async Task An_unknown_terminal_is_refused_with_result_4_and_closed()
    {
        await using var terminal = await Jt808TestTerminal.ConnectAsync(_server.Port(), "13899999999");
        var reply = await terminal.RegisterAsync();
        Assert.Equal(Jt808RegistrationResult.TerminalNotInDatabase, reply.Result);
        Assert.Null(reply.AuthCode);
        Assert.True(await terminal.IsClosedByServerAsync());
    }

    [Fact]
    public async Task An_unknown_vin_in_the_plate_field_is_refused_with_result_2_and_a_vin_bound_elsewhere_with_result_1()
    {
        await _server.RegisterTerminalAsync("LJT808BOUND000001", "13800000009");
        await using (var terminal = await Jt808TestTerminal.ConnectAsync(_server.Port(), "13899999998"))
        {
            Assert.Equal(Jt808RegistrationResult.VehicleNotInDatabase, (await terminal.RegisterAsync(plateColor: 0, plate: "LJT808NOSUCH00001")).Result);
        }

        await using (var terminal = await Jt808TestTerminal.ConnectAsync(_server.Port(), "13899999998"))
        {
            Assert.Equal(Jt808RegistrationResult.VehicleAlreadyRegistered, (await terminal.RegisterAsync(plateColor: 0, plate: "LJT808BOUND000001")).Result);
            Assert.True(await terminal.IsClosedByServerAsync());
        }
    }

    [Fact]
    public async Task A_wrong_authentication_code_is_refused_and_closed_and_data_before_authentication_is_not_kept()
    {
        const string vin = "LJT808WRONGAUTH01";
        await _server.RegisterTerminalAsync(vin, "13800000003");
        await using var terminal = await Jt808TestTerminal.ConnectAsync(_server.Port(), "13800000003");
        var code = (await terminal.RegisterAsync()).AuthCode!;

        await terminal.SendAsync(new Jt808LocationReport(Jt808TestTerminal.Location(DateTimeOffset.UtcNow)));
        Assert.Equal(Jt808ResponseResult.Failure, Assert.IsType<Jt808PlatformGeneralResponse>((await terminal.ReceiveAsync())!.Body).Result);

        var wrong = code[..^1] + (code[^1] == '0' ? '1' : '0');
        Assert.Equal(Jt808ResponseResult.Failure, (await terminal.AuthenticateAsync(wrong)).Result);
        Assert.True(await terminal.IsClosedByServerAsync());
        Assert.Empty((await _server.GetAsync<Page<VehicleSample>>($"/api/vehicles/{vin}/samples")).Items);
        Assert.Empty(await _server.GetAsync<List<VehicleSession>>($"/api/vehicles/{vin}/sessions"));
    }

    [Fact]
    public async Task A_code_stays_valid_on_a_new_connection_and_heartbeat_and_logout_are_answered()
    {
        const string vin = "LJT808HEARTBEAT01";
        await _server.RegisterTerminalAsync(vin, "13800000004");
        string code;
        await using (var first = await Jt808TestTerminal.ConnectAsync(_server.Port(), "13800000004"))
        {
            code = (await first.RegisterAsync()).AuthCode!;
        }

        // The terminal keeps its code: the next connection authenticates directly, as real trackers do.
        await using var terminal = await Jt808TestTerminal.ConnectAsync(_server.Port(), "13800000004");
        Assert.Equal(Jt808ResponseResult.Success, (await terminal.AuthenticateAsync(code)).Result);
        await terminal.SendAsync(new Jt808Heartbeat());
        var heartbeat = Assert.IsType<Jt808PlatformGeneralResponse>((await terminal.ReceiveAsync())!.Body);
        Assert.Equal((Jt808MessageIds.Heartbeat, Jt808ResponseResult.Success), (heartbeat.ReplyMessageId, heartbeat.Result));

        await terminal.SendAsync(new Jt808Logout());
        var logout = Assert.IsType<Jt808PlatformGeneralResponse>((await terminal.ReceiveAsync())!.Body);
        Assert.Equal((Jt808MessageIds.Logout, Jt808ResponseResult.Success), (logout.ReplyMessageId, logout.Result));
        Assert.True(await terminal.IsClosedByServerAsync());
        Assert.True(await TestServer.EventuallyAsync(() => Task.FromResult(_server.Twin.Get(vin)?.Online == false)));
        Assert.Equal("logout", (await _server.GetAsync<List<VehicleSession>>($"/api/vehicles/{vin}/sessions"))[0].EndReason);

        // After a logout the code is refused until the terminal registers again.
        await using var again = await Jt808TestTerminal.ConnectAsync(_server.Port(), "13800000004");
        Assert.Equal(Jt808ResponseResult.Failure, (await again.AuthenticateAsync(code)).Result);
        await using var registered = await Jt808TestTerminal.ConnectAsync(_server.Port(), "13800000004");
        await registered.LoginAsync();
    }

    [Fact]
    public async Task A_blind_area_batch_is_stored_as_reissue_in_sample_time_order()
    {
        const string vin = "LJT808BATCH000001";
        await _server.RegisterTerminalAsync(vin, "13800000005");
        await using var terminal = await Jt808TestTerminal.ConnectAsync(_server.Port(), "13800000005");
        await terminal.LoginAsync();

        var t0 = DateTimeOffset.UtcNow.AddHours(-2);
        var offsets = new[] { 20, 0, 10 };
        await terminal.SendAsync(new Jt808BatchLocationUpload(1, [.. offsets.Select(m => Jt808TestTerminal.Location(t0.AddMinutes(m), soc: (byte)(90 - m)))]));
        var ack = Assert.IsType<Jt808PlatformGeneralResponse>((await terminal.ReceiveAsync())!.Body);
        Assert.Equal((Jt808MessageIds.BatchLocationUpload, Jt808ResponseResult.Success), (ack.ReplyMessageId, ack.Result));

        var samples = (await _server.GetAsync<Page<VehicleSample>>($"/api/vehicles/{vin}/samples")).Items;
        Assert.Equal([90.0, 80.0, 70.0], samples.Select(s => s.SocPercent!.Value));
        Assert.All(samples, s => Assert.Equal(ReportKind.Reissue, s.Kind));
        Assert.Equal(samples.Select(s => s.SampleTime).Order(), samples.Select(s => s.SampleTime));
    }

    [Fact]
    public async Task A_subpackaged_batch_is_reassembled_and_each_package_answered()
    {
        const string vin = "LJT808SUBPACKAGE1";
        await _server.RegisterTerminalAsync(vin, "13800000006");
        await using var terminal = await Jt808TestTerminal.ConnectAsync(_server.Port(), "13800000006");
        await terminal.LoginAsync();

        var t0 = DateTimeOffset.UtcNow.AddHours(-1);
        var batch = new Jt808BatchLocationUpload(0, [.. Enumerable.Range(0, 5).Select(i => Jt808TestTerminal.Location(t0.AddSeconds(30 * i), soc: (byte)(60 + i)))]);
        var body = Jt808Encoder.EncodeBody(batch, Jt808Version.V2013);
        var packages = Jt808Encoder.EncodeSubpackaged(terminal.NextHeader(Jt808MessageIds.BatchLocationUpload), body, maxPackageBody: 100);
        Assert.True(packages.Count >= 3);
        foreach (var package in packages.Reverse())
        {
            await terminal.SendRawAsync(package);
            var ack = Assert.IsType<Jt808PlatformGeneralResponse>((await terminal.ReceiveAsync())!.Body);
            Assert.Equal(Jt808ResponseResult.Success, ack.Result);
        }

        // After the last package, the whole batch is acknowledged once it is durable.
        var batchAck = Assert.IsType<Jt808PlatformGeneralResponse>((await terminal.ReceiveAsync())!.Body);
        Assert.Equal(Jt808MessageIds.BatchLocationUpload, batchAck.ReplyMessageId);
        var samples = (await _server.GetAsync<Page<VehicleSample>>($"/api/vehicles/{vin}/samples")).Items;
        Assert.Equal([60.0, 61.0, 62.0, 63.0, 64.0], samples.Select(s => s.SocPercent!.Value));
        Assert.All(samples, s => Assert.Equal(ReportKind.Realtime, s.Kind));
    }

    [Fact]
    public async Task Transparent_battery_data_updates_the_battery_and_keeps_the_last_position()
    {
        const string vin = "LJT808TRANSPARENT";
        await _server.RegisterTerminalAsync(vin, "13800000007");
        await using var terminal = await Jt808TestTerminal.ConnectAsync(_server.Port(), "13800000007");
        await terminal.LoginAsync();
        await terminal.SendAsync(new Jt808LocationReport(Jt808TestTerminal.Location(DateTimeOffset.UtcNow.AddSeconds(-30), soc: 50)));
        await terminal.ReceiveAsync();

        // Default profile, 0x0900 type 0xF1: SOC 42 %, 71.20 V, 3.00 A discharging, 30 °C, charging.
        byte[] payload = [42, 0x1B, 0xD0, 0x01, 0x2C, 70, 1];
        await terminal.SendAsync(new Jt808TransparentData(0xF1, payload));
        var ack = Assert.IsType<Jt808PlatformGeneralResponse>((await terminal.ReceiveAsync())!.Body);
        Assert.Equal((Jt808MessageIds.TransparentUplink, Jt808ResponseResult.Success), (ack.ReplyMessageId, ack.Result));

        Assert.True(await TestServer.EventuallyAsync(async () =>
            (await _server.GetAsync<VehicleView>($"/api/vehicles/{vin}")).Latest?.SocPercent == 42));
        var latest = (await _server.GetAsync<VehicleView>($"/api/vehicles/{vin}")).Latest!;
        Assert.Equal(71.20, latest.PackVoltageV!.Value, 2);
        Assert.Equal(3.0, latest.PackCurrentA!.Value, 2);
        Assert.Equal(30, latest.MaxTemperatureC);
        Assert.Equal(ChargingState.ParkedCharging, latest.Charging);
        Assert.Equal(29.563, latest.Latitude!.Value, 6);
        Assert.False(latest.PositionValid);
    }

    [Fact]
    public async Task Garbage_closes_only_its_own_connection()
    {
        const string vin = "LJT808GOOD0000001";
        await _server.RegisterTerminalAsync(vin, "13800000008");
        await using var good = await Jt808TestTerminal.ConnectAsync(_server.Port(), "13800000008");
        await good.LoginAsync();

        await using var bad = await Jt808TestTerminal.ConnectAsync(_server.Port(), "13800000010");
        await bad.SendRawAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray());
        Assert.True(await bad.IsClosedByServerAsync());

        await using var badChecksum = await Jt808TestTerminal.ConnectAsync(_server.Port(), "13800000011");
        var frame = Jt808Encoder.Encode(badChecksum.NextHeader(), new Jt808Heartbeat());
        frame[^2] ^= 0x01;
        if (frame[^2] is 0x7E or 0x7D)
        {
            frame[^2] ^= 0x02;
        }

        await badChecksum.SendRawAsync(frame);
        Assert.True(await badChecksum.IsClosedByServerAsync());

        await good.SendAsync(new Jt808Heartbeat());
        Assert.Equal(Jt808ResponseResult.Success, Assert.IsType<Jt808PlatformGeneralResponse>((await good.ReceiveAsync())!.Body).Result);
    }

    [Fact]
    public async Task A_half_frame_times_out()
    {
        await _server.RegisterTerminalAsync("LJT808HALFFRAME01", "13800000012");
        await using var terminal = await Jt808TestTerminal.ConnectAsync(_server.Port(), "13800000012");
        await terminal.LoginAsync();
        var frame = Jt808Encoder.Encode(terminal.NextHeader(), new Jt808Heartbeat());
        await terminal.SendRawAsync(frame[..(frame.Length / 2)]);
        Assert.True(await terminal.IsClosedByServerAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task A_new_connection_replaces_the_old_one()
    {
        const string vin = "LJT808REPLACE0001";
        await _server.RegisterTerminalAsync(vin, "13800000013");
        await using var old = await Jt808TestTerminal.ConnectAsync(_server.Port(), "13800000013");
        await old.LoginAsync();
        await using var replacement = await Jt808TestTerminal.ConnectAsync(_server.Port(), "13800000013", Jt808Version.V2019);
        await replacement.LoginAsync();

        await replacement.SendAsync(new Jt808Heartbeat());
        Assert.Equal(Jt808ResponseResult.Success, Assert.IsType<Jt808PlatformGeneralResponse>((await replacement.ReceiveAsync())!.Body).Result);
        Assert.True(await TestServer.EventuallyAsync(async () =>
            (await _server.GetAsync<List<VehicleSession>>($"/api/vehicles/{vin}/sessions")).Any(s => s.EndReason == "replaced by a new login")));
        var view = await _server.GetAsync<VehicleView>($"/api/vehicles/{vin}");
        Assert.True(view.Online);
        Assert.Equal(TelemetryProtocol.Jt808V2019, view.Session!.Protocol);
        Assert.True(await old.IsClosedByServerAsync(TimeSpan.FromSeconds(10)), "the replaced connection was not closed");
    }
}
