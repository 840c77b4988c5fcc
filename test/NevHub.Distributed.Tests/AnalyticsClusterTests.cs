using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NevHub.Processing.Analytics;
using NevHub.Server.FunctionalTests;
using NevHub.Server.Hosting;
using NevHub.Server.Security;
using NevHub.Storage.Analytics;
using NevHub.Storage.Postgres;
using NevHub.Storage.Postgres.Analytics;
using NevHub.Storage.Sqlite;
using NevHub.Storage.Sqlite.Analytics;
using Xunit.Abstractions;

namespace NevHub.Distributed.Tests;

/// <summary>
/// Analytics in the distributed deployment, on loopback: a gateway, two processors and an API node over RabbitMQ and PostgreSQL.
/// A vehicle drives the scripted trip, charge and level-3 alarm through the gateway; the processors derive them into the shared
/// PostgreSQL analytics store, and the API node, which derives nothing itself, serves them. Both processors deliver webhooks from
/// the one outbox, and the alarm's webhook arrives exactly once.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class AnalyticsClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Vin = "LANCLUSTER0000001";
    private const string Secret = "cluster webhook secret";
    private readonly TestCluster _cluster = new("an");
    private readonly ConcurrentQueue<string> _webhooks = new();
    private WebApplication? _receiver;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }

        await _cluster.DisposeAsync();
    }

    private Dictionary<string, string?> Settings(string role, string webhookUrl)
    {
        // No NevHub:Analytics:Store: the analytics follow the vehicle store to PostgreSQL.
        var settings = _cluster.Settings(role);
        settings["NevHub:Analytics:FlushInterval"] = "00:00:00.100";
        settings["NevHub:Analytics:WebhookUrls:0"] = webhookUrl;
        settings["NevHub:Analytics:WebhookSecret"] = Secret;
        return settings;
    }

    [DistributedFact]
    public async Task Frames_through_a_gateway_become_trips_charges_and_alarms_on_the_api_node_with_one_webhook()
    {
        var webhookUrl = await StartReceiverAsync();
        await using var processorA = await TestServer.StartAsync(Settings("processor", webhookUrl));
        await using var processorB = await TestServer.StartAsync(Settings("processor", webhookUrl));
        await using var gateway = await TestServer.StartAsync(Settings("gateway", webhookUrl));
        await using var api = await TestServer.StartAsync(Settings("api", webhookUrl));
        Assert.IsType<PostgresAnalyticsStore>(api.App.Services.GetRequiredService<IAnalyticsStore>());

        await api.RegisterAsync(Vin, maker: "changan");
        var sent = 0;
        var t0 = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds());
        await using (var terminal = await TestTerminal.ConnectAsync(gateway.GbtPort, Vin))
        {
            await terminal.LoginAsync();
            await terminal.ReceiveAsync();
            sent = await AnalyticsScript.SendAsync(terminal, t0);
            output.WriteLine($"{sent} reports sent through the gateway");
        }

        // The alarm clears at the end of the script: once the API node lists it closed, the records before it are stored too.
        Assert.True(await TestServer.EventuallyAsync(async () =>
            Items(await api.GetAsync<JsonElement>($"/api/vehicles/{Vin}/alarms")).Any(a => a.TryGetProperty("end", out var end) && end.ValueKind != JsonValueKind.Null), 90),
            "the API node never listed the closed alarm");

        var trip = Assert.Single(Items(await api.GetAsync<JsonElement>($"/api/vehicles/{Vin}/trips")));
        Assert.Equal(t0, trip.GetProperty("start").GetDateTimeOffset());
        Assert.Equal(6.0, trip.GetProperty("distanceOdometerKm").GetDouble(), 3);
        Assert.Contains(Items(await api.GetAsync<JsonElement>("/api/trips")), t => t.GetProperty("vin").GetString() == Vin);
        var startMs = t0.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        Assert.True((await api.GetAsync<JsonElement>($"/api/vehicles/{Vin}/trips/{startMs}")).GetProperty("route").GetArrayLength() >= 2);

        var charge = Assert.Single(Items(await api.GetAsync<JsonElement>($"/api/vehicles/{Vin}/charges")));
        Assert.Equal(t0.AddMinutes(15), charge.GetProperty("session").GetProperty("start").GetDateTimeOffset());

        var alarm = Assert.Single(Items(await api.GetAsync<JsonElement>("/api/alarms?minLevel=3")));
        Assert.Equal(("HighTemperature", 3), (alarm.GetProperty("kind").GetString(), alarm.GetProperty("peakLevel").GetInt32()));
        Assert.True(await TestServer.EventuallyAsync(async () =>
            (await api.GetAsync<JsonElement>($"/api/quality/vehicles/{Vin}")).GetProperty("summary").GetProperty("frames").GetInt64() == sent, 30),
            "the API node's quality summary does not count every report once");

        // What the API node serves comes from the shared store: it derives nothing itself, the processor that owns the vehicle does.
        Assert.Equal(0, api.App.Services.GetRequiredService<DerivationProcessor>().WindowCount(Vin));
        Assert.True(processorA.App.Services.GetRequiredService<DerivationProcessor>().WindowCount(Vin)
            + processorB.App.Services.GetRequiredService<DerivationProcessor>().WindowCount(Vin) > 0);

        // Handling on the API node is shared too, and tenants stay apart: another maker's viewer gets 404.
        var path = "/api/alarms/" + Uri.EscapeDataString(alarm.GetProperty("id").GetString()!);
        using (var operatorClient = api.Client(api.CreateKey(Roles.Operator)))
        {
            Assert.Equal(HttpStatusCode.OK, (await operatorClient.PostAsJsonAsync(path + "/acknowledge", new { note = "on it" })).StatusCode);
        }

        var handling = await processorA.App.Services.GetRequiredService<IAnalyticsStore>().GetAlarmHandlingAsync(alarm.GetProperty("id").GetString()!);
        Assert.Equal(AlarmStatus.Acknowledged, handling!.Status);
        using (var otherMaker = api.Client(api.CreateKey(Roles.MakerViewer, "seres")))
        {
            Assert.Equal(HttpStatusCode.NotFound, (await otherMaker.GetAsync($"/api/vehicles/{Vin}/trips")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await otherMaker.GetAsync(path)).StatusCode);
            Assert.Empty(Items(await api.GetAsync<JsonElement>("/api/alarms", otherMaker)));
        }

        // A processor started now rebuilds the vehicle's derivation window from PostgreSQL (samples and stored records).
        await using (var restarted = await TestServer.StartAsync(Settings("processor", webhookUrl)))
        {
            var primed = restarted.App.Services.GetRequiredService<DerivationProcessor>();
            Assert.Equal(sent, primed.WindowCount(Vin));
            Assert.Equal([t0], primed.CurrentTrips(Vin).Select(t => t.Start));
        }

        // Two processors poll the one outbox: the alarm's webhook is delivered once, not once per node.
        var outbox = api.App.Services.GetRequiredService<IAnalyticsStore>();
        Assert.True(await TestServer.EventuallyAsync(async () => !_webhooks.IsEmpty && await outbox.CountPendingWebhooksAsync() == 0, 30), "the webhook was not delivered");
        await Task.Delay(TimeSpan.FromSeconds(2)); // a second delivery, if any, would arrive within a few polls
        Assert.Single(_webhooks);
        Assert.Contains("alarm.serious", _webhooks.Single(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgres", null, typeof(PostgresAnalyticsStore))]
    [InlineData("postgres", "sqlite", typeof(SqliteAnalyticsStore))]
    [InlineData("sqlite", null, typeof(SqliteAnalyticsStore))]
    [InlineData("sqlite", "postgres", typeof(PostgresAnalyticsStore))]
    [InlineData(null, null, typeof(SqliteAnalyticsStore))]
    public async Task The_analytics_store_follows_the_vehicle_store_unless_overridden(string? storage, string? analytics, Type expected)
    {
        var directory = Path.Combine(Path.GetTempPath(), "nevhub-analytics-choice-" + Guid.NewGuid().ToString("N"));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [AnalyticsHosting.StorageProviderKey] = storage,
            [AnalyticsHosting.StoreKey] = analytics,
            ["NevHub:Storage:Sqlite:DataDirectory"] = directory,
            ["NevHub:Storage:Postgres:ConnectionString"] = "Host=127.0.0.1;Database=unused",
            ["NevHub:Analytics:Postgres:Schema"] = "analytics_elsewhere",
        }).Build();
        await using var services = ServiceProviderOf(configuration);
        var store = AnalyticsHosting.CreateStore(services);
        try
        {
            Assert.IsType(expected, store);
        }
        finally
        {
            await store.DisposeAsync();
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }

        Assert.Equal("analytics_elsewhere", AnalyticsHosting.AnalyticsDatabase(new() { ConnectionString = "Host=x", Schema = "public" }, configuration).Schema);
    }

    [Fact]
    public async Task An_unknown_analytics_store_is_refused_naming_the_setting()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [AnalyticsHosting.StoreKey] = "mongo" }).Build();
        await using var services = ServiceProviderOf(configuration);
        var error = Assert.Throws<InvalidOperationException>(() => AnalyticsHosting.CreateStore(services));
        Assert.Contains(AnalyticsHosting.StoreKey, error.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider ServiceProviderOf(IConfiguration configuration)
    {
        var services = new ServiceCollection().AddSingleton(configuration);
        services.AddOptions<SqliteStoreOptions>().BindConfiguration("NevHub:Storage:Sqlite");
        services.AddOptions<PostgresStoreOptions>().BindConfiguration(PostgresStoreOptions.Section);
        return services.BuildServiceProvider();
    }

    /// <summary>A webhook receiver on 127.0.0.1 port 0 that answers 200 and keeps every body.</summary>
    private async Task<string> StartReceiverAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _receiver = builder.Build();
        _receiver.MapPost("/hook", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            _webhooks.Enqueue(await reader.ReadToEndAsync());
            return Results.Ok();
        });
        await _receiver.StartAsync();
        return _receiver.Urls.Single() + "/hook";
    }

    private static List<JsonElement> Items(JsonElement page) => [.. page.GetProperty("items").EnumerateArray()];
}
