using System.Net;
using System.Net.Http.Json;
using NevHub.Domain;
using NevHub.Protocols.Gbt32960;
using NevHub.Server.Api;
using NevHub.Server.Security;
using NevHub.Storage;

namespace NevHub.Server.FunctionalTests;

public sealed class VehiclesApiTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<string, string> ProtectedEndpoints => new()
    {
        { "GET", "/api/vehicles" },
        { "GET", "/api/vehicles/LTENANT0000000001" },
        { "GET", "/api/vehicles/LTENANT0000000001/samples" },
        { "GET", "/api/vehicles/LTENANT0000000001/frames" },
        { "GET", "/api/vehicles/LTENANT0000000001/sessions" },
        { "POST", "/api/vehicles" },
        { "POST", "/api/vehicles/import" },
        { "GET", "/api/admin/stats" },
    };

    [Theory]
    [MemberData(nameof(ProtectedEndpoints))]
    public async Task Every_api_endpoint_refuses_a_caller_without_a_key(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        var response = await _server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(ProtectedEndpoints))]
    public async Task Every_api_endpoint_refuses_a_wrong_key(string method, string path)
    {
        using var client = _server.Client("nh_" + new string('0', 48));
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Health_and_the_openapi_document_need_no_key()
    {
        Assert.Equal(HttpStatusCode.OK, (await _server.Http.GetAsync("/health")).StatusCode);
        var openapi = await _server.Http.GetStringAsync("/openapi/v1.json");
        Assert.Contains("/api/vehicles/{vin}/samples", openapi, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_maker_sees_only_its_own_vehicles_everywhere()
    {
        await _server.RegisterAsync("LTENANT0000000001", maker: "changan");
        await _server.RegisterAsync("LTENANT0000000002", maker: "seres");
        using var changan = _server.Client(_server.CreateKey(Roles.MakerViewer, "changan"));

        var list = await _server.GetAsync<Page<VehicleView>>("/api/vehicles", changan);
        Assert.Equal(["LTENANT0000000001"], list.Items.Select(v => v.Vin));

        // Asking for another maker's vehicles, by filter or directly, shows nothing; existence does not leak (404, not 403).
        Assert.Empty((await _server.GetAsync<Page<VehicleView>>("/api/vehicles?maker=seres", changan)).Items);
        foreach (var path in new[] { "", "/samples", "/frames", "/sessions" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await changan.GetAsync("/api/vehicles/LTENANT0000000002" + path)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await changan.GetAsync("/api/vehicles/LTENANT0000000001" + path)).StatusCode);
        }

        // A maker viewer cannot register vehicles nor read platform statistics.
        var register = await changan.PostAsJsonAsync("/api/vehicles", new Vehicle { Vin = "LTENANT0000000003", Maker = "changan" }, TestServer.Json);
        Assert.Equal(HttpStatusCode.Forbidden, register.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await changan.GetAsync("/api/admin/stats")).StatusCode);
    }

    [Fact]
    public async Task A_maker_does_not_see_another_makers_live_data()
    {
        const string vin = "LLIVE000000000001";
        await _server.RegisterAsync(vin, maker: "seres");
        await using var terminal = await TestTerminal.ConnectAsync(_server.GbtPort, vin);
        await terminal.LoginAsync();
        await terminal.ReceiveAsync();
        await terminal.SendAsync(terminal.Report(DateTimeOffset.UtcNow, 50, 60));
        Assert.True(await TestServer.EventuallyAsync(() => Task.FromResult(_server.Twin.Get(vin)?.Latest is not null)));

        using var changan = _server.Client(_server.CreateKey(Roles.MakerViewer, "changan"));
        Assert.DoesNotContain((await _server.GetAsync<Page<VehicleView>>("/api/vehicles?online=true", changan)).Items, v => v.Vin == vin);
        using var seres = _server.Client(_server.CreateKey(Roles.MakerViewer, "seres"));
        Assert.Contains((await _server.GetAsync<Page<VehicleView>>("/api/vehicles?online=true", seres)).Items, v => v.Vin == vin);
    }

    public static TheoryData<string> BadQueries => new()
    {
        "/api/vehicles?limit=0",
        "/api/vehicles?limit=100000",
        "/api/vehicles?limit=-5",
        "/api/vehicles?class=spaceship",
        "/api/vehicles?cursor=%%%not-base64%%%",
        "/api/vehicles/LQUERY00000000001/samples?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
        "/api/vehicles/LQUERY00000000001/samples?from=yesterday",
        "/api/vehicles/LQUERY00000000001/samples?cursor=AAAA",
        "/api/vehicles/LQUERY00000000001/samples?order=sideways",
        "/api/vehicles/LQUERY00000000001/frames?limit=1001",
        "/api/vehicles/LQUERY00000000001/frames?cursor=" + "%27%20OR%201%3D1--",
    };

    [Theory]
    [MemberData(nameof(BadQueries))]
    public async Task Invalid_queries_get_a_problem_response_not_a_crash(string path)
    {
        await _server.RegisterAsync("LQUERY00000000001");
        var response = await _server.Admin.GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/api/vehicles/" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("/api/vehicles/%27%3B%20DROP%20TABLE%20vehicles%3B--")]
    [InlineData("/api/vehicles/%00%00%00")]
    public async Task Hostile_vins_are_simply_not_found(string path)
    {
        // Kestrel itself refuses NUL bytes in a path (400); anything it lets through is an unknown vehicle (404).
        Assert.Contains((await _server.Admin.GetAsync(path)).StatusCode, new[] { HttpStatusCode.NotFound, HttpStatusCode.BadRequest });
        Assert.Equal(HttpStatusCode.OK, (await _server.Admin.GetAsync("/api/vehicles")).StatusCode);
    }

    public static TheoryData<string> BadRegistrations => new()
    {
        """{"vin":"","maker":"x"}""",
        """{"vin":"LTOOLONG0000000000000","maker":"x"}""",
        """{"vin":"L'; DROP--","maker":"x"}""",
        """{"vin":"LNOMAKER000000001","maker":""}""",
        """{"vin":"LNEGATIVE00000001","maker":"x","batteryCapacityKwh":-1}""",
        """{"vin":"LCLASS00000000001","maker":"x","class":"Spaceship"}""",
        """{"vin":42}""",
        """not json""",
    };

    [Theory]
    [MemberData(nameof(BadRegistrations))]
    public async Task Invalid_registrations_are_refused_with_a_problem(string json)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        var response = await _server.Admin.PostAsync("/api/vehicles", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Registration_creates_then_updates()
    {
        var first = await _server.Admin.PostAsJsonAsync("/api/vehicles",
            new Vehicle { Vin = "LREG0000000000001", Maker = "changan", Class = VehicleClass.Bus, BatteryCapacityKwh = 280 }, TestServer.Json);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var second = await _server.Admin.PostAsJsonAsync("/api/vehicles",
            new Vehicle { Vin = "LREG0000000000001", Maker = "changan", Class = VehicleClass.Bus, BatteryCapacityKwh = 300 }, TestServer.Json);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var view = await _server.GetAsync<VehicleView>("/api/vehicles/LREG0000000000001");
        Assert.Equal(300, view.BatteryCapacityKwh);
        Assert.Equal(VehicleClass.Bus, view.Class);
    }

    [Fact]
    public async Task Csv_import_registers_good_rows_and_reports_bad_ones_by_line()
    {
        const string csv = """
            vin,maker,model,class,battery_kwh,chemistry,plate
            LCSV0000000000001,changan,Eado EV,car,52.5,lfp,渝A12345
            LCSV0000000000002,yutong,E12,bus,281,lfp,
            LCSV0000000000003,,nomaker,car,50,lfp,
            LCSV0000000000004,x,y,rocket,50,lfp,
            LCSV0000000000005,x,y,car,abc,lfp,
            """;
        using var content = new StringContent(csv, System.Text.Encoding.UTF8, "text/csv");
        var response = await _server.Admin.PostAsync("/api/vehicles/import", content);
        response.EnsureSuccessStatusCode();
        var result = (await response.Content.ReadFromJsonAsync<ImportResult>(TestServer.Json))!;
        Assert.Equal(2, result.Imported);
        Assert.Equal([4, 5, 6], result.Errors.Select(e => e.Line));
        var bus = await _server.GetAsync<VehicleView>("/api/vehicles/LCSV0000000000002");
        Assert.Equal(VehicleClass.Bus, bus.Class);
        Assert.Equal(BatteryChemistry.LithiumIronPhosphate, bus.Chemistry);
        Assert.Equal("渝A12345", (await _server.GetAsync<VehicleView>("/api/vehicles/LCSV0000000000001")).Plate);
    }

    [Fact]
    public async Task Vehicle_search_and_paging_walk_every_vehicle_once()
    {
        for (var i = 0; i < 25; i++)
        {
            await _server.RegisterAsync($"LPAGE{i:D12}", maker: i % 2 == 0 ? "changan" : "seres");
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await _server.GetAsync<Page<VehicleView>>("/api/vehicles?search=LPAGE&limit=10" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
            seen.AddRange(page.Items.Select(v => v.Vin));
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        Assert.Equal(25, seen.Distinct().Count());
        Assert.Equal(13, (await _server.GetAsync<Page<VehicleView>>("/api/vehicles?search=LPAGE&maker=changan")).Items.Count);
    }

    [Fact]
    public async Task Stats_report_the_fleet_and_ingestion()
    {
        var stats = await _server.GetAsync<IngestStats>("/api/admin/stats");
        Assert.True(stats.WorkingSetBytes > 0);
        Assert.Equal(0, stats.VehiclesOnline);
    }

    [Fact]
    public async Task Automatic_registration_registers_unknown_vins_under_the_configured_maker()
    {
        await using var server = await TestServer.StartAsync(new()
        {
            ["NevHub:Registry:Policy"] = "AutoRegister",
            ["NevHub:Registry:AutoRegisterMaker"] = "pending",
        });
        await using var terminal = await TestTerminal.ConnectAsync(server.GbtPort, "LAUTO000000000001");
        await terminal.LoginAsync();
        Assert.Equal(Gbt32960ResponseFlag.Success, (await terminal.ReceiveAsync())!.ResponseFlag);
        var view = await server.GetAsync<VehicleView>("/api/vehicles/LAUTO000000000001");
        Assert.True(view.AutoRegistered);
        Assert.Equal("pending", view.Maker);
    }
}
