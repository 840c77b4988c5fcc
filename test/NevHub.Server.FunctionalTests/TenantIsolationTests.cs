using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using NevHub.Domain;
using NevHub.Server.Api;
using NevHub.Server.Security;
using NevHub.Storage;

namespace NevHub.Server.FunctionalTests;

/// <summary>
/// Tenant isolation on every endpoint the host maps, enumerated from its <see cref="EndpointDataSource"/>, so an endpoint
/// added later is covered without touching this test: a maker (by API key and by sign-in cookie) never gets another
/// maker's vehicle data and never changes it.
/// </summary>
public sealed class TenantIsolationTests : IAsyncLifetime
{
    private const string Own = "LISOLATE000000001";
    private const string Foreign = "LISOLATE000000002";
    // Raw frames are served as hex, so a leaked frame shows the VIN hex-encoded.
    private static readonly string ForeignHex = Convert.ToHexStringLower(Encoding.ASCII.GetBytes(Foreign));
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(new() { ["NevHub:InitialAdminPassword"] = "isolation admin password" });
        await _server.RegisterAsync(Own, maker: "changan");
        await _server.RegisterAsync(Foreign, maker: "seres");

        // Both vehicles have samples, raw frames and sessions, so a leak would have data to show.
        foreach (var vin in new[] { Own, Foreign })
        {
            await using var terminal = await TestTerminal.ConnectAsync(_server.GbtPort, vin);
            await terminal.LoginAsync();
            await terminal.ReceiveAsync();
            await terminal.SendAsync(terminal.Report(DateTimeOffset.UtcNow.AddSeconds(-5), speedKmh: 42, soc: 66));
            Assert.True(await TestServer.EventuallyAsync(() => Task.FromResult(_server.Twin.Get(vin)?.Latest is not null)));
        }

        Assert.True(await TestServer.EventuallyAsync(async () =>
            (await _server.GetAsync<Page<VehicleSample>>($"/api/vehicles/{Foreign}/samples")).Items.Count > 0
            && (await _server.GetAsync<Page<VehicleSample>>($"/api/vehicles/{Own}/samples")).Items.Count > 0));
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>Every (method, route pattern) the app maps.</summary>
    private List<(string Method, RouteEndpoint Endpoint)> Endpoints()
    {
        var source = _server.App.Services.GetRequiredService<EndpointDataSource>();
        return [.. source.Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (m, e)))
            // Sign-out last, so the cookie caller stays signed in for every other endpoint.
            .OrderBy(x => x.Item2.RoutePattern.RawText == "/api/auth/logout")];
    }

    /// <summary>A path for the pattern with every parameter set to <paramref name="value"/>.</summary>
    private static string PathFor(RoutePattern pattern, string value)
    {
        var path = new StringBuilder();
        foreach (var segment in pattern.PathSegments)
        {
            path.Append('/');
            foreach (var part in segment.Parts)
            {
                path.Append(part switch
                {
                    RoutePatternLiteralPart literal => literal.Content,
                    RoutePatternParameterPart => Uri.EscapeDataString(value),
                    RoutePatternSeparatorPart separator => separator.Content,
                    _ => "",
                });
            }
        }

        return path.Length == 0 ? "/" : path.ToString();
    }

    private static HttpRequestMessage Request(string method, string path)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "POST" or "PUT" or "PATCH")
        {
            // A body that tries to write the foreign maker's vehicle, in the shapes the API accepts.
            request.Content = path.EndsWith("/import", StringComparison.Ordinal)
                ? new StringContent($"vin,maker,model\n{Foreign},seres,taken-over\n", Encoding.UTF8, "text/csv")
                : JsonContent.Create(new { vin = Foreign, maker = "seres", model = "taken-over", @class = "Car", batteryCapacityKwh = 1 });
        }

        return request;
    }

    [Fact]
    public async Task No_endpoint_gives_a_maker_another_makers_vehicle_data_by_key_or_by_cookie()
    {
        var endpoints = Endpoints();

        // The enumeration really finds the API (so this test cannot pass on an empty list).
        var patterns = endpoints.Select(e => e.Endpoint.RoutePattern.RawText).ToHashSet();
        foreach (var expected in new[] { "/api/vehicles/", "/api/vehicles/{vin}", "/api/vehicles/{vin}/samples", "/api/vehicles/{vin}/frames",
                     "/api/vehicles/{vin}/sessions", "/api/admin/stats", "/api/users/", "/api/keys/", "/api/auth/me", "/hubs/live" })
        {
            Assert.Contains(expected, patterns);
        }

        // Control: the admin does see the foreign vehicle's data, so "not in the body" below is a real check.
        Assert.Contains(Foreign, await _server.Admin.GetStringAsync("/api/vehicles"), StringComparison.Ordinal);
        Assert.Contains(ForeignHex, await _server.Admin.GetStringAsync($"/api/vehicles/{Foreign}/frames"), StringComparison.Ordinal);

        var admin = _server.App.Services.GetRequiredService<UserStore>();
        admin.Create("changan-user", "changan password", Roles.MakerViewer, "changan");
        using var keyClient = _server.Client(_server.CreateKey(Roles.MakerViewer, "changan"));
        using var browser = new AuthTestClient(_server);
        await browser.SignInAsync("changan-user", "changan password");

        var checkedRequests = 0;
        foreach (var (caller, client) in new[] { ("key", keyClient), ("cookie", browser.Http) })
        {
            foreach (var (method, endpoint) in endpoints)
            {
                foreach (var value in new[] { Foreign, Own })
                {
                    var path = PathFor(endpoint.RoutePattern, value);
                    using var request = Request(method, path);
                    using var response = await client.SendAsync(request);
                    var body = await response.Content.ReadAsStringAsync();
                    var what = $"{caller} {method} {path} -> {(int)response.StatusCode}";
                    Assert.True(!body.Contains(Foreign, StringComparison.Ordinal), $"{what} leaked {Foreign}: {body}");
                    Assert.True(!body.Contains(ForeignHex, StringComparison.Ordinal), $"{what} leaked a frame of {Foreign}: {body}");
                    Assert.True(!body.Contains("seres", StringComparison.Ordinal), $"{what} leaked the maker seres: {body}");
                    if (path.Contains(Foreign, StringComparison.Ordinal))
                    {
                        Assert.True(!response.IsSuccessStatusCode, $"{what}: a foreign vehicle's route must not succeed");
                    }

                    checkedRequests++;
                }
            }
        }

        Assert.True(checkedRequests >= 40, $"only {checkedRequests} requests checked");

        // Nothing the makers sent changed the foreign vehicle.
        var foreign = await _server.GetAsync<VehicleView>($"/api/vehicles/{Foreign}");
        Assert.Equal(("seres", "test"), (foreign.Maker, foreign.Model));

        // And the maker still sees its own vehicle (isolation is not simply "nothing works").
        Assert.Contains(Own, await keyClient.GetStringAsync("/api/vehicles"), StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexStringLower(Encoding.ASCII.GetBytes(Own)), await keyClient.GetStringAsync($"/api/vehicles/{Own}/frames"), StringComparison.Ordinal);
    }
}
