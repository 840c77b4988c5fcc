using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NevHub.Storage.Analytics;

namespace NevHub.Server.FunctionalTests;

/// <summary>
/// Serious-alarm webhooks end to end: the scripted level-3 alarm through the real gateway, delivered to a local Kestrel
/// receiver on 127.0.0.1 port 0 that checks the HMAC signature itself, fails on demand, and counts deliveries.
/// </summary>
public sealed class WebhookTests
{
    private const string Secret = "webhook test secret";
    private const string Vin = "LWEBHOOK000000001";

    private static Dictionary<string, string?> Settings(WebhookReceiver receiver) => new()
    {
        ["NevHub:Analytics:FlushInterval"] = "00:00:00.100",
        ["NevHub:Analytics:WebhookUrls:0"] = receiver.Url,
        ["NevHub:Analytics:WebhookSecret"] = Secret,
        ["NevHub:Analytics:WebhookInitialDelay"] = "00:00:01",
        ["NevHub:Analytics:WebhookMaxDelay"] = "00:00:02",
    };

    private static async Task DriveAlarmAsync(TestServer server)
    {
        await server.RegisterAsync(Vin, maker: "changan");
        await using var terminal = await TestTerminal.ConnectAsync(server.GbtPort, Vin);
        await terminal.LoginAsync();
        await terminal.ReceiveAsync();
        await AnalyticsScript.SendAsync(terminal, DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds()));
    }

    [Fact]
    public async Task A_new_level_3_alarm_is_posted_signed_retried_with_back_off_and_delivered_once()
    {
        await using var receiver = await WebhookReceiver.StartAsync(500, 500);
        await using var server = await TestServer.StartAsync(Settings(receiver));
        await DriveAlarmAsync(server);

        Assert.True(await TestServer.EventuallyAsync(() => Task.FromResult(receiver.Delivered >= 1), 60), "no successful delivery");
        var store = server.App.Services.GetRequiredService<IAnalyticsStore>();
        Assert.True(await TestServer.EventuallyAsync(async () => await store.CountPendingWebhooksAsync() == 0));

        var received = receiver.Received.ToList();
        Assert.Equal(3, received.Count);
        Assert.Equal([500, 500, 200], received.Select(r => r.Status));
        Assert.All(received, r => Assert.True(r.SignatureValid, "signature does not verify: " + r.Signature));
        Assert.Single(received.Select(r => r.Body).Distinct());

        using var payload = JsonDocument.Parse(received[0].Body);
        Assert.Equal("alarm.serious", payload.RootElement.GetProperty("event").GetString());
        var alarm = payload.RootElement.GetProperty("alarm");
        Assert.Equal(Vin, alarm.GetProperty("vin").GetString());
        Assert.Equal("HighTemperature", alarm.GetProperty("kind").GetString());
        Assert.Equal(3, alarm.GetProperty("peakLevel").GetInt32());

        // Back-off: the second retry waited at least twice the initial delay (lower bounds only: the dispatcher never sends early).
        Assert.True(received[1].At - received[0].At >= TimeSpan.FromSeconds(0.99), $"first retry after {received[1].At - received[0].At}");
        Assert.True(received[2].At - received[1].At >= TimeSpan.FromSeconds(1.99), $"second retry after {received[2].At - received[1].At}");
    }

    [Fact]
    public async Task A_delivery_pending_at_a_restart_is_sent_from_the_durable_outbox()
    {
        await using var receiver = await WebhookReceiver.StartAsync(500);
        var directory = Path.Combine(Path.GetTempPath(), "nevhub-test-" + Guid.NewGuid().ToString("N"));
        var first = await TestServer.StartAsync(Settings(receiver), directory);
        try
        {
            await DriveAlarmAsync(first);
            Assert.True(await TestServer.EventuallyAsync(() => Task.FromResult(receiver.Received.Count >= 1), 30), "no attempt before the restart");
            var pending = await first.App.Services.GetRequiredService<IAnalyticsStore>().CountPendingWebhooksAsync();
            Assert.Equal(1, pending);
        }
        finally
        {
            // Stop the process's host but keep its data directory.
            first.Http.Dispose();
            first.Admin.Dispose();
            await first.App.StopAsync();
            await first.App.DisposeAsync();
        }

        Assert.Equal(0, receiver.Delivered);
        await using var second = await TestServer.StartAsync(Settings(receiver), directory);
        Assert.True(await TestServer.EventuallyAsync(() => Task.FromResult(receiver.Delivered >= 1), 30), "not delivered after the restart");
        var store = second.App.Services.GetRequiredService<IAnalyticsStore>();
        Assert.True(await TestServer.EventuallyAsync(async () => await store.CountPendingWebhooksAsync() == 0));
        Assert.Equal(1, receiver.Delivered);
        Assert.All(receiver.Received, r => Assert.True(r.SignatureValid));
        Assert.Single(receiver.Received.Select(r => r.Body).Distinct());
    }

    private sealed record Delivery(DateTimeOffset At, string Body, string? Signature, bool SignatureValid, int Status);

    /// <summary>A tiny Kestrel app on 127.0.0.1 port 0: answers the given statuses first, then 200.</summary>
    private sealed class WebhookReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentQueue<int> _failures;

        private WebhookReceiver(WebApplication app, ConcurrentQueue<int> failures)
        {
            _app = app;
            _failures = failures;
        }

        public ConcurrentQueue<Delivery> Received { get; } = new();

        public int Delivered => Received.Count(r => r.Status == 200);

        public string Url => _app.Urls.First() + "/hook";

        public static async Task<WebhookReceiver> StartAsync(params int[] failFirst)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var receiver = new WebhookReceiver(app, new ConcurrentQueue<int>(failFirst));
            app.MapPost("/hook", async (HttpRequest request) =>
            {
                using var reader = new StreamReader(request.Body, Encoding.UTF8);
                var body = await reader.ReadToEndAsync();
                var signature = request.Headers["X-NevHub-Signature"].ToString();
                var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(body)));
                var status = receiver._failures.TryDequeue(out var failure) ? failure : 200;
                receiver.Received.Enqueue(new Delivery(DateTimeOffset.UtcNow, body, signature,
                    CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(signature), Encoding.ASCII.GetBytes(expected)), status));
                return Results.StatusCode(status);
            });
            await app.StartAsync();
            return receiver;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
