using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using NevHub.Domain;
using NevHub.Gateways;
using NevHub.Processing;
using NevHub.Server.Hosting;
using NevHub.Server.Security;

namespace NevHub.Server.FunctionalTests;

/// <summary>The real platform host on 127.0.0.1 with port 0 everywhere and a fresh data directory; disposed = stopped and deleted.</summary>
public sealed class TestServer : IAsyncDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private TestServer(WebApplication app, string dataDirectory, string adminKey)
    {
        App = app;
        DataDirectory = dataDirectory;
        AdminKey = adminKey;
        var endpoints = app.Services.GetRequiredService<GatewayEndpoints>();
        GbtPort = endpoints.Gbt32960Port;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{endpoints.HttpPort}") };
        Admin = Client(adminKey);
    }

    public WebApplication App { get; }

    public string DataDirectory { get; }

    public string AdminKey { get; }

    public int GbtPort { get; }

    /// <summary>An HTTP client with no credentials.</summary>
    public HttpClient Http { get; }

    /// <summary>An HTTP client with the admin API key.</summary>
    public HttpClient Admin { get; }

    public LiveTwin Twin => App.Services.GetRequiredService<LiveTwin>();

    public static async Task<TestServer> StartAsync(Dictionary<string, string?>? settings = null, string? dataDirectory = null)
    {
        dataDirectory ??= Path.Combine(Path.GetTempPath(), "nevhub-test-" + Guid.NewGuid().ToString("N"));
        var adminKey = "test-admin-" + Guid.NewGuid().ToString("N");
        var overrides = new Dictionary<string, string?>
        {
            ["NevHub:DataDirectory"] = dataDirectory,
            ["NevHub:AdminApiKey"] = adminKey,
            ["NevHub:HttpUrls"] = "http://127.0.0.1:0",
            ["NevHub:Gateways:Gbt32960:Port"] = "0",
            ["NevHub:Gateways:Gbt32960:BindAddress"] = "127.0.0.1",
            ["NevHub:Storage:GroupCommit:CommitWindow"] = "00:00:00.050",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? [])
        {
            overrides[key] = value;
        }

        var app = NevHubHost.Build([], overrides);
        await app.StartAsync();
        return new TestServer(app, dataDirectory, adminKey);
    }

    public HttpClient Client(string apiKey)
    {
        var client = new HttpClient { BaseAddress = Http.BaseAddress };
        client.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, apiKey);
        return client;
    }

    /// <summary>Creates an API key directly in the key store (the key API comes with the dashboard).</summary>
    public string CreateKey(string role, string? maker = null) =>
        App.Services.GetRequiredService<ApiKeyStore>().Create("test-" + role, role, maker).Secret;

    public async Task RegisterAsync(string vin, string maker = "changan", VehicleClass vehicleClass = VehicleClass.Car)
    {
        var response = await Admin.PostAsJsonAsync("/api/vehicles", new Vehicle
        {
            Vin = vin,
            Maker = maker,
            Model = "test",
            Class = vehicleClass,
            BatteryCapacityKwh = 60,
        }, Json);
        response.EnsureSuccessStatusCode();
    }

    public async Task<T> GetAsync<T>(string path, HttpClient? client = null)
    {
        var response = await (client ?? Admin).GetAsync(path);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<T>(Json))!;
    }

    /// <summary>Polls until <paramref name="condition"/> holds or the deadline passes (no timing assertion: a generous bound).</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, double seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(50);
        }

        return await condition();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        Admin.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public static class HttpClientExtensions
{
    public static void UseKey(this HttpClient client, string key) =>
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
}
