using System.Net;
using System.Net.Http.Json;
using System.Text;
using NevHub.Gateways.Jt808;
using NevHub.Protocols.Jt808;
using NevHub.Server.Security;

namespace NevHub.Server.FunctionalTests;

public sealed class Jt808DownlinkTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(Jt808Server.Settings());

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<Jt808CommandRecord> PostAsync(string vin, object command)
    {
        var response = await _server.Admin.PostAsJsonAsync($"/api/vehicles/{vin}/commands", command, TestServer.Json);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Jt808CommandRecord>(TestServer.Json))!;
    }

    private async Task<Jt808CommandRecord> WaitForAsync(string vin, string id, Jt808CommandStatus status)
    {
        Jt808CommandRecord? record = null;
        Assert.True(await TestServer.EventuallyAsync(async () =>
            (record = await _server.GetAsync<Jt808CommandRecord>($"/api/vehicles/{vin}/commands/{id}")).Status == status));
        return record!;
    }

    [Fact]
    public async Task Text_parameter_and_position_commands_round_trip_and_their_status_is_visible()
    {
        const string vin = "LJT808DOWNLINK001";
        await _server.RegisterTerminalAsync(vin, "13900000001");
        await using var terminal = await Jt808TestTerminal.ConnectAsync(_server.Port(), "13900000001");
        await terminal.LoginAsync();

        var text = await PostAsync(vin, new { kind = "text", text = "请及时充电 charge soon" });
        Assert.Equal(Jt808CommandStatus.Sent, text.Status);
        var received = await terminal.ReceiveAsync(Jt808MessageIds.TextMessage);
        Assert.Equal("请及时充电 charge soon", Assert.IsType<Jt808TextMessage>(received!.Body).Text);
        Assert.Equal(text.Serial, received.Header.Serial);
        await terminal.SendAsync(new Jt808TerminalGeneralResponse(received.Header.Serial, Jt808MessageIds.TextMessage, Jt808ResponseResult.Success));
        Assert.Equal(0, (await WaitForAsync(vin, text.Id, Jt808CommandStatus.Acknowledged)).Result);

        var set = await PostAsync(vin, new { kind = "set_parameters", parameters = new object[] { new { id = "0x0029", value = 30 }, new { id = 0x0013, value = "nevhub.example:808" } } });
        var setMessage = Assert.IsType<Jt808SetParameters>((await terminal.ReceiveAsync(Jt808MessageIds.SetParameters))!.Body);
        Assert.Equal([0x0029u, 0x0013u], setMessage.Parameters.Select(p => p.Id));
        Assert.Equal(30u, setMessage.Parameters[0].Number);
        await terminal.SendAsync(new Jt808TerminalGeneralResponse((ushort)set.Serial, Jt808MessageIds.SetParameters, Jt808ResponseResult.Unsupported));
        Assert.Equal(3, (await WaitForAsync(vin, set.Id, Jt808CommandStatus.Failed)).Result);

        var query = await PostAsync(vin, new { kind = "query_parameters", ids = new object[] { "0x0001", 41 } });
        var queryMessage = await terminal.ReceiveAsync(Jt808MessageIds.QueryParameters);
        Assert.Equal([0x0001u, 0x0029u], Assert.IsType<Jt808QueryParameters>(queryMessage!.Body).Ids);
        await terminal.SendAsync(new Jt808QueryParametersResponse(queryMessage.Header.Serial,
            [Jt808Parameters.Dword(Jt808Parameters.HeartbeatInterval, 60), Jt808Parameters.Dword(Jt808Parameters.DefaultReportInterval, 30)]));
        var answered = await WaitForAsync(vin, query.Id, Jt808CommandStatus.Answered);
        Assert.Equal([("0x0001", 60L), ("0x0029", 30L)], answered.Parameters!.Select(p => (p.Id, p.Number!.Value)));

        var position = await PostAsync(vin, new { kind = "query_position" });
        var positionMessage = await terminal.ReceiveAsync(Jt808MessageIds.LocationQuery);
        Assert.Equal(position.Serial, positionMessage!.Header.Serial);
        await terminal.SendAsync(new Jt808LocationQueryResponse(positionMessage.Header.Serial,
            Jt808TestTerminal.Location(DateTimeOffset.UtcNow.AddSeconds(-2), latitude: 29.6, longitude: 106.5)));
        var located = await WaitForAsync(vin, position.Id, Jt808CommandStatus.Answered);
        Assert.Equal(29.6, located.Position!.Latitude, 6);
        Assert.Equal(106.5, located.Position.Longitude, 6);

        var all = await _server.GetAsync<List<Jt808CommandRecord>>($"/api/vehicles/{vin}/commands");
        Assert.Equal([position.Id, query.Id, set.Id, text.Id], all.Select(c => c.Id));
    }

    [Fact]
    public async Task Commands_to_an_offline_vehicle_are_409_and_a_closed_connection_marks_pending_ones_offline()
    {
        const string vin = "LJT808OFFLINE0001";
        await _server.RegisterTerminalAsync(vin, "13900000002");
        var offline = await _server.Admin.PostAsJsonAsync($"/api/vehicles/{vin}/commands", new { kind = "query_position" });
        Assert.Equal(HttpStatusCode.Conflict, offline.StatusCode);

        Jt808CommandRecord pending;
        await using (var terminal = await Jt808TestTerminal.ConnectAsync(_server.Port(), "13900000002"))
        {
            await terminal.LoginAsync();
            pending = await PostAsync(vin, new { kind = "query_position" });
            Assert.NotNull(await terminal.ReceiveAsync(Jt808MessageIds.LocationQuery));
        }

        await WaitForAsync(vin, pending.Id, Jt808CommandStatus.Offline);
    }

    [Fact]
    public async Task Makers_cannot_see_or_command_other_makers_vehicles_and_viewers_cannot_command_at_all()
    {
        const string vin = "LJT808TENANT00001";
        await _server.RegisterTerminalAsync(vin, "13900000003", maker: "zongshen");
        await using var terminal = await Jt808TestTerminal.ConnectAsync(_server.Port(), "13900000003");
        await terminal.LoginAsync();
        var own = await PostAsync(vin, new { kind = "text", text = "hello" });

        using var other = _server.Client(_server.CreateKey(Roles.MakerViewer, "loncin"));
        Assert.Equal(HttpStatusCode.NotFound, (await other.PostAsJsonAsync($"/api/vehicles/{vin}/commands", new { kind = "text", text = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/vehicles/{vin}/commands")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/vehicles/{vin}/commands/{own.Id}")).StatusCode);

        using var viewer = _server.Client(_server.CreateKey(Roles.MakerViewer, "zongshen"));
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync($"/api/vehicles/{vin}/commands", new { kind = "text", text = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync($"/api/vehicles/{vin}/commands/{own.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _server.Http.PostAsJsonAsync($"/api/vehicles/{vin}/commands", new { kind = "text", text = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Admin.GetAsync($"/api/vehicles/{vin}/commands/999999")).StatusCode);
    }

    public static TheoryData<string> Hostile => new()
    {
        "{}",
        "{\"kind\":\"reboot\"}",
        "{\"kind\":\"text\"}",
        "{\"kind\":\"text\",\"text\":\"\"}",
        "{\"kind\":\"text\",\"text\":\"" + new string('字', 600) + "\"}",
        "{\"kind\":\"text\",\"text\":\"x\",\"flags\":256}",
        "{\"kind\":\"set_parameters\"}",
        "{\"kind\":\"set_parameters\",\"parameters\":[]}",
        "{\"kind\":\"set_parameters\",\"parameters\":[{\"id\":\"0xZZ\",\"value\":1}]}",
        "{\"kind\":\"set_parameters\",\"parameters\":[{\"id\":\"0x0029\",\"value\":-1}]}",
        "{\"kind\":\"set_parameters\",\"parameters\":[{\"id\":\"0x0029\",\"value\":\"thirty\"}]}",
        "{\"kind\":\"set_parameters\",\"parameters\":[{\"id\":\"0x0081\",\"value\":70000}]}",
        "{\"kind\":\"set_parameters\",\"parameters\":[{\"id\":\"0xF001\",\"value\":1}]}",
        "{\"kind\":\"set_parameters\",\"parameters\":[{\"id\":\"0xF001\",\"value\":\"zz\",\"type\":\"hex\"}]}",
        "{\"kind\":\"set_parameters\",\"parameters\":[{\"id\":\"0x0013\",\"value\":\"" + new string('a', 300) + "\"}]}",
        "{\"kind\":\"set_parameters\",\"parameters\":[{\"id\":\"0x0029\",\"value\":1,\"type\":\"qword\"}]}",
        "{\"kind\":\"query_parameters\",\"ids\":[\"0x123456789\"]}",
        "{\"kind\":\"query_parameters\",\"ids\":[true]}",
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task Hostile_commands_are_400_and_send_nothing(string json)
    {
        const string vin = "LJT808HOSTILE0001";
        await _server.RegisterTerminalAsync(vin, "13900000004");
        await using var terminal = await Jt808TestTerminal.ConnectAsync(_server.Port(), "13900000004");
        await terminal.LoginAsync();

        var response = await _server.Admin.PostAsync($"/api/vehicles/{vin}/commands", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(await _server.GetAsync<List<Jt808CommandRecord>>($"/api/vehicles/{vin}/commands"));
        Assert.Null(await terminal.ReceiveAsync(TimeSpan.FromMilliseconds(300)));
    }
}
