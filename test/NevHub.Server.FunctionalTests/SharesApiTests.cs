using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using NevHub.Processing.Analytics;
using NevHub.Protocols.Gbt32960;
using NevHub.Server.Api;
using NevHub.Server.Security;
using NevHub.Storage.Analytics;

namespace NevHub.Server.FunctionalTests;

/// <summary>
/// One server; two vehicles of two makers each ride out 1.9 km from home and back (<see cref="SendRoundTripAsync"/>) through
/// the real GB/T 32960 gateway, so each has one trip that starts and ends at home.
/// </summary>
public sealed class SharesApiFixture : IAsyncLifetime
{
    public const string Own = "LSHARE00000000001";
    public const string Foreign = "LSHARE00000000002";
    public const double HomeLongitude = 106.55;
    public const double HomeLatitude = 29.56;

    public TestServer Server { get; private set; } = null!;

    public DateTimeOffset T0 { get; } = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds());

    public string StartMs => T0.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    public async Task InitializeAsync()
    {
        Server = await TestServer.StartAsync(new()
        {
            ["NevHub:Analytics:FlushInterval"] = "00:00:00.100",
            ["NevHub:InitialAdminPassword"] = "shares admin password",
            // The limit has its own test; here it must not get in the way.
            ["NevHub:Share:PublicRequestsPerMinute"] = "100000",
        });
        await Server.RegisterAsync(Own, maker: "changan");
        await Server.RegisterAsync(Foreign, maker: "seres");
        foreach (var vin in new[] { Own, Foreign })
        {
            await using var terminal = await TestTerminal.ConnectAsync(Server.GbtPort, vin);
            await terminal.LoginAsync();
            await terminal.ReceiveAsync();
            await SendRoundTripAsync(terminal, T0);
        }

        foreach (var vin in new[] { Own, Foreign })
        {
            Assert.True(await TestServer.EventuallyAsync(async () =>
            {
                using var response = await Server.Admin.GetAsync($"/api/vehicles/{vin}/trips/{StartMs}");
                return response.IsSuccessStatusCode
                    && JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("end").GetDateTimeOffset() == T0.AddSeconds(400);
            }, 30), $"{vin}: the trip was not stored");
        }
    }

    /// <summary>
    /// 10-s reports: out east at 36 km/h for 200 s (0.001° ≈ 97 m a step), back home for 200 s, then switched off for 100 s.
    /// The trip runs from <paramref name="t0"/> to t0 + 400 s.
    /// </summary>
    private static async Task SendRoundTripAsync(TestTerminal terminal, DateTimeOffset t0)
    {
        double odometer = 1000, soc = 80;
        for (var i = 0; i <= 50; i++)
        {
            var riding = i <= 40;
            var step = i <= 20 ? i : Math.Max(0, 40 - i);
            if (i is > 0 and <= 40)
            {
                odometer += 0.1;
                soc -= 0.1;
            }

            await terminal.SendAsync(AnalyticsScript.Report(terminal, t0.AddSeconds(10 * i), started: riding, charging: false,
                speedKmh: i < 40 ? 36 : 0, odometer, currentA: riding ? 30 : 1, Math.Round(soc), HomeLongitude + (0.001 * step), HomeLatitude));
        }
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

public sealed class SharesApiTests(SharesApiFixture fixture) : IClassFixture<SharesApiFixture>
{
    private const string Own = SharesApiFixture.Own;
    private const string Foreign = SharesApiFixture.Foreign;
    private TestServer Server => fixture.Server;

    private string SharePath(string vin) => $"/api/vehicles/{vin}/trips/{fixture.StartMs}/share";

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {response.StatusCode} {text}");
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    private async Task<JsonElement> CreateAsync(HttpClient client, string vin, object? body = null) =>
        await JsonAsync(await client.PostAsync(SharePath(vin), body is null ? null : JsonContent.Create(body)), HttpStatusCode.Created);

    private static string Token(JsonElement share) => share.GetProperty("token").GetString()!;

    private static string Id(JsonElement share) => share.GetProperty("id").GetString()!;

    private static async Task<List<JsonElement>> ListAsync(HttpClient client, string query = "") =>
        [.. (await JsonAsync(await client.GetAsync("/api/shares" + query), HttpStatusCode.OK)).EnumerateArray()];

    [Fact]
    public async Task A_share_link_is_created_listed_by_id_opened_signed_out_and_revoked_idempotently()
    {
        var before = DateTimeOffset.UtcNow;
        var share = await CreateAsync(Server.Admin, Own);
        var token = Token(share);
        Assert.Equal(22, token.Length);
        Assert.Equal("/ride/" + token, share.GetProperty("url").GetString());
        Assert.Equal(SharesApi.HashToken(token)[..8], Id(share));
        Assert.Equal(Own, share.GetProperty("vin").GetString());
        Assert.Equal(fixture.T0, share.GetProperty("tripStart").GetDateTimeOffset());
        Assert.Equal(ApiKeyStore.ConfiguredAdminName, share.GetProperty("createdBy").GetString());
        var createdAt = share.GetProperty("createdAt").GetDateTimeOffset();
        Assert.InRange(createdAt, before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(createdAt.AddHours(168), share.GetProperty("expiresAt").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, share.GetProperty("revokedAt").ValueKind);

        // The list names the link by id and never shows the token again.
        var listed = Assert.Single(await ListAsync(Server.Admin, "?vin=" + Own), s => Id(s) == Id(share));
        Assert.False(listed.TryGetProperty("token", out _));
        Assert.False(listed.TryGetProperty("url", out _));
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("revokedAt").ValueKind);
        Assert.DoesNotContain(token, await Server.Admin.GetStringAsync("/api/shares"), StringComparison.Ordinal);

        // Signed out, the link opens; nothing caches or indexes it.
        using var ride = await Server.Http.GetAsync("/api/public/rides/" + token);
        Assert.Equal(HttpStatusCode.OK, ride.StatusCode);
        Assert.True(ride.Headers.CacheControl!.NoStore);
        Assert.Equal("noindex", Assert.Single(ride.Headers.GetValues("X-Robots-Tag")));

        Assert.Equal(HttpStatusCode.NoContent, (await Server.Admin.DeleteAsync("/api/shares/" + Id(share))).StatusCode);
        var revokedAt = Assert.Single(await ListAsync(Server.Admin), s => Id(s) == Id(share)).GetProperty("revokedAt").GetDateTimeOffset();
        Assert.Equal(HttpStatusCode.NoContent, (await Server.Admin.DeleteAsync("/api/shares/" + Id(share))).StatusCode);
        Assert.Equal(revokedAt, Assert.Single(await ListAsync(Server.Admin), s => Id(s) == Id(share)).GetProperty("revokedAt").GetDateTimeOffset());
        Assert.Equal(HttpStatusCode.NotFound, (await Server.Http.GetAsync("/api/public/rides/" + token)).StatusCode);
    }

    [Fact]
    public async Task Revoked_expired_and_unknown_links_answer_the_same_404()
    {
        // A one-hour link opens and says when it ends.
        var hour = await CreateAsync(Server.Admin, Own, new { expiresInHours = 1 });
        Assert.Equal(hour.GetProperty("createdAt").GetDateTimeOffset().AddHours(1), hour.GetProperty("expiresAt").GetDateTimeOffset());
        Assert.Equal(HttpStatusCode.OK, (await Server.Http.GetAsync("/api/public/rides/" + Token(hour))).StatusCode);

        var revoked = await CreateAsync(Server.Admin, Own);
        Assert.Equal(HttpStatusCode.NoContent, (await Server.Admin.DeleteAsync("/api/shares/" + Id(revoked))).StatusCode);

        // An expired link, stored as the API stores links (the host's clock is the system clock, so it is made in the past).
        const string expiredToken = "expiredTokenAAAAAAAAAA";
        var hash = SharesApi.HashToken(expiredToken);
        var store = Server.App.Services.GetRequiredService<IAnalyticsStore>();
        Assert.True(await store.CreateShareAsync(new ShareLink
        {
            Id = hash[..ShareLink.IdLength], TokenHash = hash, Vin = Own, Maker = "changan", TripStart = fixture.T0,
            CreatedAt = DateTimeOffset.UtcNow.AddHours(-2), CreatedBy = "test", ExpiresAt = DateTimeOffset.UtcNow.AddSeconds(-1),
        }));
        Assert.Contains(await ListAsync(Server.Admin), s => Id(s) == hash[..ShareLink.IdLength]);

        var bodies = new List<string>();
        foreach (var token in new[] { Token(revoked), expiredToken, "unknownTokenAAAAAAAAAA", "short", new string('x', 4000) })
        {
            using var response = await Server.Http.GetAsync("/api/public/rides/" + token);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
            bodies.Add(await response.Content.ReadAsStringAsync());
        }

        Assert.Single(bodies.Distinct());
    }

    [Fact]
    public async Task The_public_ride_shows_no_vin_and_loses_the_route_near_home_at_both_ends()
    {
        // Control: the trip itself starts and ends at home.
        using var trip = JsonDocument.Parse(await Server.Admin.GetStringAsync($"/api/vehicles/{Own}/trips/{fixture.StartMs}"));
        var route = trip.RootElement.GetProperty("route").EnumerateArray().ToList();
        Assert.Equal(SharesApiFixture.HomeLongitude, route[0].GetProperty("longitude").GetDouble(), 6);
        Assert.Equal(SharesApiFixture.HomeLongitude, route[^1].GetProperty("longitude").GetDouble(), 6);

        var token = Token(await CreateAsync(Server.Admin, Own));
        using var response = await Server.Http.GetAsync("/api/public/rides/" + token);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(Own, text, StringComparison.Ordinal);
        Assert.DoesNotContain("LSHARE", text, StringComparison.Ordinal);
        Assert.DoesNotContain("vin", text, StringComparison.OrdinalIgnoreCase);

        var ride = JsonDocument.Parse(text).RootElement;
        Assert.Equal("Car", ride.GetProperty("vehicleClass").GetString());
        Assert.Equal("changan", ride.GetProperty("maker").GetString());

        // 300 m around home are gone: the steps are 97 m apart, so the kept part runs from step 4 out to step 4 back.
        var points = ride.GetProperty("route").EnumerateArray().Select(p => (Lon: p[0].GetDouble(), Lat: p[1].GetDouble())).ToList();
        Assert.NotEmpty(points);
        Assert.All(points, p => Assert.True(
            Geo.DistanceM(SharesApiFixture.HomeLatitude, SharesApiFixture.HomeLongitude, p.Lat, p.Lon) > 300, $"{p} is within 300 m of home"));
        Assert.Equal(SharesApiFixture.HomeLongitude + 0.004, points[0].Lon, 6);
        Assert.Equal(SharesApiFixture.HomeLongitude + 0.02, points.Max(p => p.Lon), 6);
        Assert.Equal(fixture.T0.AddSeconds(40), ride.GetProperty("start").GetDateTimeOffset());
        Assert.Equal(fixture.T0.AddSeconds(360), ride.GetProperty("end").GetDateTimeOffset());

        var series = ride.GetProperty("series").EnumerateArray().ToList();
        Assert.Equal(33, series.Count);
        Assert.Equal(fixture.T0.AddSeconds(40).ToUnixTimeMilliseconds(), series[0].GetProperty("t").GetInt64());
        Assert.Equal(fixture.T0.AddSeconds(360).ToUnixTimeMilliseconds(), series[^1].GetProperty("t").GetInt64());
        Assert.Equal(36, series[0].GetProperty("speedKmh").GetDouble());
        Assert.Equal(350 * 30 / 1000.0, series[0].GetProperty("powerKw").GetDouble(), 3);

        // The figures are the whole trip's.
        Assert.Equal(400, ride.GetProperty("durationS").GetDouble());
        Assert.Equal(4.0, ride.GetProperty("distanceKm").GetDouble(), 3);
        // 350 V × 30 A for 400 s; CO2 with the seeded factors (this test car is thirstier than its gasoline twin).
        var energy = ride.GetProperty("energyKwh").GetDouble();
        Assert.Equal(10.5 * 400 / 3600, energy, 2);
        var carbon = new CarbonCalculator(CarbonDefaults.Factors, CarbonDefaults.Baselines).Compute(Domain.VehicleClass.Car, 4.0, energy);
        Assert.Equal(carbon.AvoidedKg, ride.GetProperty("co2AvoidedKg").GetDouble(), 3);
        Assert.Equal(36, ride.GetProperty("maxSpeedKmh").GetDouble());
    }

    [Fact]
    public async Task A_maker_shares_and_revokes_its_own_trips_only_by_key_and_by_cookie()
    {
        using var maker = Server.Client(Server.CreateKey(Roles.MakerViewer, "changan"));
        var own = await CreateAsync(maker, Own);
        Assert.Equal(HttpStatusCode.NotFound, (await maker.PostAsync(SharePath(Foreign), null)).StatusCode);

        var foreign = await CreateAsync(Server.Admin, Foreign);
        var list = await ListAsync(maker);
        Assert.Contains(list, s => Id(s) == Id(own));
        Assert.DoesNotContain(list, s => s.GetProperty("vin").GetString() == Foreign);
        Assert.DoesNotContain(Foreign, await maker.GetStringAsync("/api/shares"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await maker.GetAsync("/api/shares?vin=" + Foreign)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await maker.DeleteAsync("/api/shares/" + Id(foreign))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Server.Http.GetAsync("/api/public/rides/" + Token(foreign))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await maker.DeleteAsync("/api/shares/" + Id(own))).StatusCode);

        // Signed in: the antiforgery token is needed, as for every cookie write.
        Server.App.Services.GetRequiredService<UserStore>().Create("changan-sharer", "changan sharer password", Roles.MakerViewer, "changan");
        using var browser = new AuthTestClient(Server);
        await browser.SignInAsync("changan-sharer", "changan sharer password");
        var csrf = browser.CsrfToken;
        browser.SetCsrf(null);
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.Http.PostAsync(SharePath(Own), null)).StatusCode);
        browser.SetCsrf(csrf);
        var cookieShare = await CreateAsync(browser.Http, Own);
        Assert.Equal("changan-sharer", cookieShare.GetProperty("createdBy").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await browser.Http.PostAsync(SharePath(Foreign), null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.Http.DeleteAsync("/api/shares/" + Id(foreign))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await browser.Http.DeleteAsync("/api/shares/" + Id(cookieShare))).StatusCode);

        // Without credentials nothing but the public ride answers.
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.Http.PostAsync(SharePath(Own), null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.Http.GetAsync("/api/shares")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.Http.DeleteAsync("/api/shares/" + Id(foreign))).StatusCode);
    }

    [Theory]
    [InlineData("{\"expiresInHours\": 0}")]
    [InlineData("{\"expiresInHours\": 721}")]
    [InlineData("{\"expiresInHours\": 10000}")]
    [InlineData("{\"expiresInHours\": -5}")]
    [InlineData("{\"expiresInHours\": 1.5}")]
    [InlineData("{\"expiresInHours\": 99999999999999999999}")]
    [InlineData("{\"expiresInHours\": \"soon\"}")]
    [InlineData("garbage")]
    [InlineData("[1, 2]")]
    public async Task A_bad_expiry_is_a_400_problem(string body)
    {
        using var response = await Server.Admin.PostAsync(SharePath(Own), new StringContent(body, Encoding.UTF8, "application/json"));
        var problem = await JsonAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.True(problem.GetProperty("errors").TryGetProperty("expiresInHours", out _), problem.ToString());
    }

    [Fact]
    public async Task Hostile_ids_tokens_and_trips_are_404s_and_bad_limits_400s()
    {
        var hostile = new[] { new string('a', 4000), "..%2F..%2Fetc", "AAAAAAAA", "zzzzzzzz", "\u4e2d\u6587", "' OR 1=1 --" };
        foreach (var value in hostile)
        {
            var escaped = value.Contains('%', StringComparison.Ordinal) ? value : Uri.EscapeDataString(value);
            Assert.Equal(HttpStatusCode.NotFound, (await Server.Admin.DeleteAsync("/api/shares/" + escaped)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await Server.Http.GetAsync("/api/public/rides/" + escaped)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await Server.Http.GetAsync("/ride/" + escaped)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await Server.Admin.PostAsync($"/api/vehicles/{Own}/trips/{long.MaxValue}/share", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Server.Admin.PostAsync($"/api/vehicles/{Own}/trips/{fixture.T0.AddSeconds(1).ToUnixTimeMilliseconds()}/share", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Server.Admin.PostAsync($"/api/vehicles/{new string('V', 500)}/trips/{fixture.StartMs}/share", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Server.Admin.GetAsync("/api/shares?limit=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Server.Admin.GetAsync("/api/shares?limit=1001")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Server.Admin.GetAsync("/api/shares?vin=NOSUCHVIN")).StatusCode);
    }

    [Fact]
    public async Task The_handed_out_url_redirects_to_the_web_ride_page()
    {
        var share = await CreateAsync(Server.Admin, Own);
        using var handler = new HttpClientHandler { AllowAutoRedirect = false };
        using var browser = new HttpClient(handler) { BaseAddress = Server.Http.BaseAddress };
        using var response = await browser.GetAsync(share.GetProperty("url").GetString());
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/#/ride/" + Token(share), response.Headers.Location!.OriginalString);
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
    }

    [Fact]
    public async Task The_cells_of_the_newest_frame_are_joined_per_subsystem_and_tenant_scoped()
    {
        const string vin = "LSHARECELLS000001";
        await Server.RegisterAsync(vin, maker: "changan");
        using var maker = Server.Client(Server.CreateKey(Roles.MakerViewer, "changan"));
        using var otherMaker = Server.Client(Server.CreateKey(Roles.MakerViewer, "seres"));

        // Before any frame: no subsystems.
        var empty = await JsonAsync(await maker.GetAsync($"/api/vehicles/{vin}/cells"), HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, empty.GetProperty("time").ValueKind);
        Assert.Empty(empty.GetProperty("subsystems").EnumerateArray());

        await using var terminal = await TestTerminal.ConnectAsync(Server.GbtPort, vin);
        await terminal.LoginAsync();
        await terminal.ReceiveAsync();
        var time = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds());
        var report = terminal.Report(time, speedKmh: 0, soc: 70);
        var body = (ReportBody)report.Body;
        var v = terminal.Version;
        // Subsystem 1 has 5 cells sent as two entries (cells 1–3 and 4–5); subsystem 2 only probes.
        body.Blocks.Add(new CellVoltagesBlock(v)
        {
            Packs = new[]
            {
                new CellVoltagePack(v) { Number = 1, Voltage = 3500, Current = 10000, TotalCells = 5, FirstIndex = 1, Cells = new ushort[] { 3301, 3302, 3303 } },
                new CellVoltagePack(v) { Number = 1, Voltage = 3500, Current = 10000, TotalCells = 5, FirstIndex = 4, Cells = new ushort[] { 3304, 3305 } },
            },
        });
        body.Blocks.Add(new TemperaturesBlock(v)
        {
            Packs = new[]
            {
                new TemperaturePack { Number = 1, Probes = new byte[] { 65, 66 } },
                new TemperaturePack { Number = 2, Probes = new byte[] { 60 } },
            },
        });
        await terminal.SendAsync(report);
        Assert.True(await TestServer.EventuallyAsync(() => Task.FromResult(Server.Twin.Get(vin)?.Latest is not null)));

        var cells = await JsonAsync(await maker.GetAsync($"/api/vehicles/{vin}/cells"), HttpStatusCode.OK);
        Assert.Equal(time, cells.GetProperty("time").GetDateTimeOffset());
        var subsystems = cells.GetProperty("subsystems").EnumerateArray().ToList();
        Assert.Equal([1, 2], subsystems.Select(s => s.GetProperty("number").GetInt32()));
        Assert.Equal([3.301, 3.302, 3.303, 3.304, 3.305], subsystems[0].GetProperty("cellVoltagesV").EnumerateArray().Select(c => c.GetDouble()));
        Assert.Equal([25.0, 26.0], subsystems[0].GetProperty("probeTemperaturesC").EnumerateArray().Select(c => c.GetDouble()));
        Assert.Empty(subsystems[1].GetProperty("cellVoltagesV").EnumerateArray());
        Assert.Equal([20.0], subsystems[1].GetProperty("probeTemperaturesC").EnumerateArray().Select(c => c.GetDouble()));

        // A later frame without cells does not hide the newest one that had them.
        await terminal.SendAsync(terminal.Report(time.AddSeconds(10), speedKmh: 0, soc: 70));
        Assert.True(await TestServer.EventuallyAsync(() => Task.FromResult(Server.Twin.Get(vin)?.Latest?.SampleTime == time.AddSeconds(10))));
        Assert.True(await TestServer.EventuallyAsync(async () =>
            (await JsonAsync(await maker.GetAsync($"/api/vehicles/{vin}/cells"), HttpStatusCode.OK)).GetProperty("subsystems").GetArrayLength() == 2));

        Assert.Equal(HttpStatusCode.NotFound, (await otherMaker.GetAsync($"/api/vehicles/{vin}/cells")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Server.Admin.GetAsync("/api/vehicles/NOSUCHVIN/cells")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.Http.GetAsync($"/api/vehicles/{vin}/cells")).StatusCode);
    }
}

/// <summary>The public ride API's per-IP limit, on a server of its own (the limit is per process).</summary>
public sealed class PublicRideRateLimitTests
{
    [Fact]
    public async Task The_public_ride_api_is_rate_limited_per_client_address()
    {
        await using var server = await TestServer.StartAsync(new() { ["NevHub:Share:PublicRequestsPerMinute"] = "3" });
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await server.Http.GetAsync("/api/public/rides/unknownTokenAAAAAAAAAA")).StatusCode);
        }

        using var limited = await server.Http.GetAsync("/api/public/rides/unknownTokenAAAAAAAAAA");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.NotNull(limited.Headers.RetryAfter);

        // The limit is the public endpoints' own: the signed-in API still answers.
        Assert.Equal(HttpStatusCode.OK, (await server.Admin.GetAsync("/api/shares")).StatusCode);
    }
}
