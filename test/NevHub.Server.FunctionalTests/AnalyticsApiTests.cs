using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using NevHub.Server.Security;

namespace NevHub.Server.FunctionalTests;

/// <summary>
/// One server; two vehicles of two makers each drive the scripted trip, charge and level-3 alarm
/// (<see cref="AnalyticsScript"/>) through the real GB/T 32960 gateway. The analytics APIs are then checked over HTTP.
/// </summary>
public sealed class AnalyticsApiFixture : IAsyncLifetime
{
    public const string Own = "LANALYT0000000001";
    public const string Foreign = "LANALYT0000000002";

    public TestServer Server { get; private set; } = null!;

    public DateTimeOffset T0 { get; } = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds());

    public int Sent { get; private set; }

    public async Task InitializeAsync()
    {
        Server = await TestServer.StartAsync(new() { ["NevHub:Analytics:FlushInterval"] = "00:00:00.100" });
        await Server.RegisterAsync(Own, maker: "changan");
        await Server.RegisterAsync(Foreign, maker: "seres");
        foreach (var vin in new[] { Own, Foreign })
        {
            await using var terminal = await TestTerminal.ConnectAsync(Server.GbtPort, vin);
            await terminal.LoginAsync();
            await terminal.ReceiveAsync();
            Sent = await AnalyticsScript.SendAsync(terminal, T0);
        }

        // The alarm cleared at the end of the script, so once it is stored closed, everything before it is too.
        foreach (var vin in new[] { Own, Foreign })
        {
            Assert.True(await TestServer.EventuallyAsync(async () =>
            {
                using var doc = JsonDocument.Parse(await Server.Admin.GetStringAsync($"/api/vehicles/{vin}/alarms"));
                return doc.RootElement.GetProperty("items").EnumerateArray().Any(a => a.TryGetProperty("end", out var end) && end.ValueKind != JsonValueKind.Null);
            }, 30), $"{vin}: the alarm was not stored");
        }
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

public sealed class AnalyticsApiTests(AnalyticsApiFixture fixture) : IClassFixture<AnalyticsApiFixture>
{
    private const string Own = AnalyticsApiFixture.Own;
    private const string Foreign = AnalyticsApiFixture.Foreign;
    private TestServer Server => fixture.Server;

    private static async Task<JsonElement> JsonAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.Clone();
    }

    private static List<JsonElement> Items(JsonElement page) => [.. page.GetProperty("items").EnumerateArray()];

    private async Task<string> AlarmIdAsync(string vin)
    {
        var alarms = Items(await JsonAsync(Server.Admin, $"/api/vehicles/{vin}/alarms"));
        return Assert.Single(alarms).GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task The_scripted_trip_is_listed_with_its_route_and_exports()
    {
        var trip = Assert.Single(Items(await JsonAsync(Server.Admin, $"/api/vehicles/{Own}/trips")));
        Assert.Equal(fixture.T0, trip.GetProperty("start").GetDateTimeOffset());
        Assert.Equal(fixture.T0.AddMinutes(10), trip.GetProperty("end").GetDateTimeOffset());
        Assert.Equal(6.0, trip.GetProperty("distanceOdometerKm").GetDouble(), 3);
        Assert.True(trip.GetProperty("complete").GetBoolean());
        Assert.Equal(60, trip.GetProperty("startSoc").GetDouble());

        var startMs = fixture.T0.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var detail = await JsonAsync(Server.Admin, $"/api/vehicles/{Own}/trips/{startMs}");
        var route = detail.GetProperty("route").EnumerateArray().ToList();
        Assert.True(route.Count >= 2);
        Assert.Equal(106.55, route[0].GetProperty("longitude").GetDouble(), 5);
        Assert.Equal(106.61, route[^1].GetProperty("longitude").GetDouble(), 5);

        var gpx = await Server.Admin.GetStringAsync($"/api/vehicles/{Own}/trips/{startMs}/gpx");
        Assert.Contains("<gpx", gpx, StringComparison.Ordinal);
        Assert.Contains("<trkpt", gpx, StringComparison.Ordinal);
        Assert.Contains("lon=\"106.55", gpx, StringComparison.Ordinal);

        var geo = await JsonAsync(Server.Admin, $"/api/vehicles/{Own}/trips/{startMs}/geojson");
        Assert.Equal("Feature", geo.GetProperty("type").GetString());
        Assert.Equal("LineString", geo.GetProperty("geometry").GetProperty("type").GetString());
        Assert.Equal(route.Count, geo.GetProperty("geometry").GetProperty("coordinates").GetArrayLength());

        var csv = await Server.Admin.GetStringAsync("/api/trips?format=csv");
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("vin,start,end", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith(Own + ",", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith(Foreign + ",", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.NotFound, (await Server.Admin.GetAsync($"/api/vehicles/{Own}/trips/{fixture.T0.AddSeconds(1).ToUnixTimeMilliseconds()}")).StatusCode);
    }

    [Fact]
    public async Task The_scripted_charge_is_an_ac_session_with_its_energy()
    {
        var charge = Assert.Single(Items(await JsonAsync(Server.Admin, $"/api/vehicles/{Own}/charges")));
        var session = charge.GetProperty("session");
        Assert.Equal(fixture.T0.AddMinutes(15), session.GetProperty("start").GetDateTimeOffset());
        Assert.Equal(fixture.T0.AddSeconds(2090), session.GetProperty("end").GetDateTimeOffset());
        Assert.False(session.GetProperty("reconstructed").GetBoolean());
        Assert.Equal("AC", session.GetProperty("type").GetString());
        // 350 V × 50 A = 17.5 kW for 1,190 s.
        Assert.Equal(17.5 * 1190 / 3600, session.GetProperty("energyInKwh").GetDouble(), 2);
        Assert.Equal(17.5, session.GetProperty("peakPowerKw").GetDouble(), 3);
    }

    [Fact]
    public async Task A_level_3_alarm_is_acknowledged_annotated_and_closed_with_a_cause()
    {
        var id = await AlarmIdAsync(Own);
        var path = "/api/alarms/" + Uri.EscapeDataString(id);
        var view = await JsonAsync(Server.Admin, path);
        var alarm = view.GetProperty("alarm");
        Assert.Equal("HighTemperature", alarm.GetProperty("kind").GetString());
        Assert.Equal(fixture.T0.AddMinutes(36), alarm.GetProperty("start").GetDateTimeOffset());
        Assert.Equal(fixture.T0.AddSeconds(2270), alarm.GetProperty("end").GetDateTimeOffset());
        Assert.Equal(3, alarm.GetProperty("peakLevel").GetInt32());
        Assert.Equal([1, 3], alarm.GetProperty("levels").EnumerateArray().Select(l => l.GetProperty("level").GetInt32()));
        Assert.Equal(fixture.T0.AddMinutes(37).AddSeconds(-30), alarm.GetProperty("windowFrom").GetDateTimeOffset());

        var samples = Items(await JsonAsync(Server.Admin, path + "/samples"));
        Assert.Equal(12, samples.Count); // 37:00 − 30 s … 37:50 + 30 s, one every 10 s

        using var maker = Server.Client(Server.CreateKey(Roles.MakerViewer, "changan"));
        Assert.Equal(HttpStatusCode.Forbidden, (await maker.PostAsJsonAsync(path + "/acknowledge", new { note = "mine" })).StatusCode);

        using var operatorClient = Server.Client(Server.CreateKey(Roles.Operator));
        var before = DateTimeOffset.UtcNow;
        Assert.Equal(HttpStatusCode.OK, (await operatorClient.PostAsJsonAsync(path + "/acknowledge", new { note = "looking" })).StatusCode);
        view = await JsonAsync(Server.Admin, path);
        Assert.Equal("Acknowledged", view.GetProperty("handling").GetProperty("status").GetString());
        var seconds = view.GetProperty("secondsToAcknowledge").GetDouble();
        Assert.InRange(seconds, (before - fixture.T0.AddMinutes(36)).TotalSeconds - 1, (DateTimeOffset.UtcNow - fixture.T0.AddMinutes(36)).TotalSeconds + 1);

        Assert.Equal(HttpStatusCode.OK, (await operatorClient.PostAsJsonAsync(path + "/notes", new { note = "cooling fan replaced" })).StatusCode);
        var noCause = await operatorClient.PostAsJsonAsync(path + "/close", new { note = "done" });
        Assert.Equal(HttpStatusCode.BadRequest, noCause.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await operatorClient.PostAsJsonAsync(path + "/close", new { cause = "fan failure" })).StatusCode);

        var handling = (await JsonAsync(Server.Admin, path)).GetProperty("handling");
        Assert.Equal("Closed", handling.GetProperty("status").GetString());
        Assert.Equal("fan failure", handling.GetProperty("cause").GetString());
        Assert.Equal(["looking", "cooling fan replaced"], handling.GetProperty("notes").EnumerateArray().Select(n => n.GetProperty("text").GetString()));
        // Acknowledging again keeps the first acknowledgement time.
        Assert.Equal(seconds, (await JsonAsync(Server.Admin, path)).GetProperty("secondsToAcknowledge").GetDouble());
    }

    [Fact]
    public async Task Energy_groups_by_day_vehicle_maker_and_fleet_and_follows_the_active_factor()
    {
        foreach (var groupBy in new[] { "day", "vehicle", "maker", "fleet" })
        {
            var report = await JsonAsync(Server.Admin, "/api/energy?groupBy=" + groupBy);
            Assert.Equal(groupBy, report.GetProperty("groupBy").GetString());
            var rows = report.GetProperty("rows").EnumerateArray().ToList();
            Assert.NotEmpty(rows);
            Assert.Equal(12.0, rows.Sum(r => r.GetProperty("distanceKm").GetDouble()), 3);
            Assert.Equal(2, rows.Sum(r => r.GetProperty("trips").GetInt32()));
        }

        var vehicles = (await JsonAsync(Server.Admin, "/api/energy?groupBy=vehicle")).GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("key").GetString()).Order();
        Assert.Equal([Own, Foreign], vehicles);

        var fleet = Assert.Single((await JsonAsync(Server.Admin, "/api/energy?groupBy=fleet")).GetProperty("rows").EnumerateArray().ToList());
        var wall = fleet.GetProperty("wallEnergyKwh").GetDouble();
        Assert.True(wall > 0);
        var factors = (await JsonAsync(Server.Admin, "/api/energy/factors")).GetProperty("factors").EnumerateArray().ToList();
        var active = factors.Single(f => f.GetProperty("active").GetBoolean());
        Assert.Equal(wall * active.GetProperty("value").GetDouble(), fleet.GetProperty("projectKgCo2").GetDouble(), 2);

        var add = await Server.Admin.PostAsJsonAsync("/api/energy/factors", new
        {
            id = "test-grid-2", kind = "Grid", value = 1.0, unit = "kg CO2/kWh", year = 2024, scope = "test grid", source = "functional test",
        });
        Assert.Equal(HttpStatusCode.OK, add.StatusCode);
        try
        {
            Assert.Equal(HttpStatusCode.NoContent, (await Server.Admin.PutAsJsonAsync("/api/energy/factors/active", new { id = "test-grid-2" })).StatusCode);
            var report = await JsonAsync(Server.Admin, "/api/energy?groupBy=fleet");
            Assert.Equal("test-grid-2", report.GetProperty("gridFactor").GetProperty("id").GetString());
            var row = Assert.Single(report.GetProperty("rows").EnumerateArray().ToList());
            Assert.Equal(wall * 1.0, row.GetProperty("projectKgCo2").GetDouble(), 2);
            Assert.Equal(row.GetProperty("baselineKgCo2").GetDouble() - row.GetProperty("projectKgCo2").GetDouble(), row.GetProperty("avoidedKgCo2").GetDouble(), 2);
        }
        finally
        {
            await Server.Admin.PutAsJsonAsync("/api/energy/factors/active", new { id = active.GetProperty("id").GetString() });
        }
    }

    [Fact]
    public async Task Quality_counts_every_frame_once()
    {
        var quality = await JsonAsync(Server.Admin, $"/api/quality/vehicles/{Own}");
        var summary = quality.GetProperty("summary");
        Assert.Equal(fixture.Sent, summary.GetProperty("frames").GetInt64());
        Assert.Equal(fixture.Sent, summary.GetProperty("realtime").GetInt64());
        Assert.Equal(0, summary.GetProperty("duplicates").GetInt64());

        using var maker = Server.Client(Server.CreateKey(Roles.MakerViewer, "changan"));
        var makers = (await maker.GetStringAsync("/api/quality/makers"));
        Assert.Contains("changan", makers, StringComparison.Ordinal);
        Assert.DoesNotContain("seres", makers, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_frame_sent_twice_counts_once_as_a_frame_and_once_as_a_duplicate()
    {
        const string vin = "LANALYT0000000003";
        await Server.RegisterAsync(vin, maker: "changan");
        await using var terminal = await TestTerminal.ConnectAsync(Server.GbtPort, vin);
        await terminal.LoginAsync();
        await terminal.ReceiveAsync();
        var frame = terminal.Report(fixture.T0, speedKmh: 0, soc: 50);
        await terminal.SendAsync(frame);
        await terminal.SendAsync(frame);
        await terminal.SendAsync(terminal.Report(fixture.T0.AddSeconds(10), speedKmh: 0, soc: 50));

        JsonElement summary = default;
        Assert.True(await TestServer.EventuallyAsync(async () =>
        {
            var response = await Server.Admin.GetAsync($"/api/quality/vehicles/{vin}");
            if (!response.IsSuccessStatusCode)
            {
                return false;
            }

            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            summary = doc.RootElement.GetProperty("summary").Clone();
            return summary.GetProperty("frames").GetInt64() >= 3;
        }), "the three frames were not counted");
        Assert.Equal(3, summary.GetProperty("frames").GetInt64());
        Assert.Equal(1, summary.GetProperty("duplicates").GetInt64());
    }

    [Fact]
    public async Task A_maker_sees_only_its_own_trips_charges_alarms_energy_and_quality()
    {
        using var maker = Server.Client(Server.CreateKey(Roles.MakerViewer, "changan"));
        foreach (var list in new[] { "/api/trips", "/api/charges", "/api/alarms", "/api/trips?maker=seres", "/api/alarms?maker=seres" })
        {
            var body = await maker.GetStringAsync(list);
            Assert.DoesNotContain(Foreign, body, StringComparison.Ordinal);
            Assert.Equal(!list.Contains("seres", StringComparison.Ordinal), body.Contains(Own, StringComparison.Ordinal));
        }

        Assert.DoesNotContain(Foreign, await maker.GetStringAsync("/api/trips?format=csv"), StringComparison.Ordinal);
        // A maker filter is compared as a value, never widened: an injection string matches nothing, even for the admin.
        Assert.Empty(Items(await JsonAsync(Server.Admin, "/api/trips?maker=%27%20OR%201%3D1--")));
        Assert.Empty(Items(await JsonAsync(Server.Admin, "/api/alarms?maker=%27%20OR%20%271%27%3D%271")));
        foreach (var path in new[] { "/trips", "/charges", "/alarms", "/trips/" + fixture.T0.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await maker.GetAsync($"/api/vehicles/{Foreign}{path}")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await maker.GetAsync($"/api/vehicles/{Own}{path}")).StatusCode);
        }

        var foreignAlarm = "/api/alarms/" + Uri.EscapeDataString(await AlarmIdAsync(Foreign));
        Assert.Equal(HttpStatusCode.NotFound, (await maker.GetAsync(foreignAlarm)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await maker.GetAsync(foreignAlarm + "/samples")).StatusCode);
        using var seresOperatorless = Server.Client(Server.CreateKey(Roles.MakerViewer, "seres"));
        Assert.Equal(HttpStatusCode.OK, (await seresOperatorless.GetAsync(foreignAlarm)).StatusCode);

        foreach (var groupBy in new[] { "day", "vehicle", "maker", "fleet" })
        {
            var report = await JsonAsync(maker, "/api/energy?groupBy=" + groupBy);
            var rows = report.GetProperty("rows").EnumerateArray().ToList();
            Assert.Equal(6.0, rows.Sum(r => r.GetProperty("distanceKm").GetDouble()), 3);
            Assert.Equal(1, rows.Sum(r => r.GetProperty("trips").GetInt32()));
            if (groupBy == "maker")
            {
                Assert.Equal(["changan"], rows.Select(r => r.GetProperty("key").GetString()));
            }
        }

        Assert.Empty((await JsonAsync(maker, "/api/energy?groupBy=maker&maker=seres")).GetProperty("rows").EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await maker.GetAsync($"/api/energy?vin={Foreign}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await maker.GetAsync($"/api/quality/vehicles/{Foreign}")).StatusCode);
    }

    public static TheoryData<string, string, string?> HostileRequests => new()
    {
        { "GET", "/api/trips?limit=1000000", null },
        { "GET", "/api/trips?limit=0", null },
        { "GET", "/api/trips?limit=-5", null },
        { "GET", "/api/trips?from=yesterday", null },
        { "GET", "/api/trips?from=2026-02-01&to=2026-01-01", null },
        { "GET", "/api/trips?cursor=%27%3B%20DROP%20TABLE%20an_trips%3B--", null },
        { "GET", "/api/trips?format=xml", null },
        { "GET", "/api/vehicles/%27%20OR%201%3D1--/trips", null },
        { "GET", "/api/vehicles/" + new string('A', 5000) + "/trips", null },
        { "GET", "/api/vehicles/LANALYT0000000001/trips/notanumber", null },
        { "GET", "/api/vehicles/LANALYT0000000001/trips/99999999999999999999", null },
        { "GET", "/api/vehicles/LANALYT0000000001/trips/-1/gpx", null },
        { "GET", "/api/charges?limit=1001", null },
        { "GET", "/api/charges?to=2026-99-99", null },
        { "GET", "/api/alarms?minLevel=abc", null },
        { "GET", "/api/alarms?limit=2147483648", null },
        { "GET", "/api/alarms/%27%3B%20DELETE%20FROM%20an_alarms%3B--", null },
        { "GET", "/api/alarms/" + new string('x', 3000) + "/samples", null },
        { "GET", "/api/alarms/nope/samples?limit=100000", null },
        { "POST", "/api/alarms/does-not-exist/acknowledge", "{\"note\":\"x\"}" },
        { "POST", "/api/alarms/does-not-exist/close", "{\"cause\":\"<script>alert(1)</script>\"}" },
        { "POST", "/api/alarms/does-not-exist/notes", "not json" },
        { "GET", "/api/energy?groupBy=%27%3B--", null },
        { "GET", "/api/energy?from=2026-13-45", null },
        { "GET", "/api/energy?from=2026-02-01&to=2026-01-01", null },
        { "GET", "/api/energy?vin=NOSUCHVIN", null },
        { "POST", "/api/energy/factors", "{\"id\":\"bad\",\"kind\":\"Grid\",\"value\":-1,\"unit\":\"u\",\"year\":2024,\"scope\":\"s\",\"source\":\"s\"}" },
        { "POST", "/api/energy/factors", "{\"id\":\"bad\",\"kind\":\"Grid\",\"value\":1e308,\"unit\":\"u\",\"year\":2024,\"scope\":\"s\",\"source\":\"s\"}" },
        { "POST", "/api/energy/factors", "{\"id\":\"bad\",\"kind\":\"Grid\",\"value\":\"NaN\",\"unit\":\"u\",\"year\":2024,\"scope\":\"s\",\"source\":\"s\"}" },
        { "POST", "/api/energy/factors", "{\"id\":\"\",\"kind\":\"Grid\",\"value\":0.5,\"unit\":\"u\",\"year\":2024,\"scope\":\"s\",\"source\":\"s\"}" },
        { "POST", "/api/energy/factors", "{\"id\":\"bad\",\"kind\":\"Nuclear\",\"value\":0.5,\"unit\":\"u\",\"year\":2024,\"scope\":\"s\",\"source\":\"s\"}" },
        { "POST", "/api/energy/factors", "{\"id\":\"bad\",\"kind\":99,\"value\":0.5,\"unit\":\"u\",\"year\":1800,\"scope\":\"s\",\"source\":\"s\"}" },
        { "POST", "/api/energy/factors", "{\"id\":\"bad\"}" },
        { "POST", "/api/energy/factors", "[1,2,3]" },
        { "PUT", "/api/energy/factors/active", "{\"id\":\"no-such-factor\"}" },
        { "PUT", "/api/energy/factors/active", "{}" },
        { "PUT", "/api/energy/factors/active", "{\"id\":\"fuel-gasoline\"}" },
        { "GET", "/api/quality/vehicles/LANALYT0000000001?from=notaday", null },
        { "GET", "/api/quality/vehicles/LANALYT0000000001?from=2026-02-01&to=2026-01-01", null },
        { "GET", "/api/quality/vehicles/%E2%80%AE%27--", null },
        { "GET", "/api/quality/makers?to=2026-00-00", null },
    };

    [Theory]
    [MemberData(nameof(HostileRequests))]
    public async Task Hostile_input_gets_a_400_or_404_problem_never_a_500(string method, string path, string? body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        var response = await Server.Admin.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"{method} {path}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
