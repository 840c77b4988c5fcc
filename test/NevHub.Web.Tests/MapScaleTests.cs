using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using NevHub.Domain;
using NevHub.Processing;
using NevHub.Server.Security;
using Xunit.Abstractions;

namespace NevHub.Web.Tests;

/// <summary>
/// 10,000 vehicles on the live map through the real server: registered by CSV import over HTTP, their positions published on
/// the ingestion bus (twin → live hub → SignalR → the page's fleet → the canvas), then the canvas redraw time (the page's own
/// <c>nevhubMapDraws</c>, performance.now() around each redraw) and the frame time (requestAnimationFrame intervals) while
/// the map is dragged and while 10,000 position changes arrive. Prints the figures and writes TestResults/map-scale.json.
/// No timing assertion (the numbers depend on the machine); it asserts that all 10,000 are drawn.
/// Run only this: dotnet test test/NevHub.Web.Tests --filter Category=Measurement
/// </summary>
[Trait("Category", "Measurement")]
public sealed class MapScaleTests(WebHost host, ITestOutputHelper output) : IClassFixture<WebHost>
{
    private const int Count = 10_000;
    private static readonly string[] Makers = ["scale-a", "scale-b", "scale-c", "scale-d"];
    private static readonly string[] Classes = ["Car", "Taxi", "Bus", "Motorcycle"];

    private static string Vin(int i) => "LMAPSCALE" + i.ToString("D8", CultureInfo.InvariantCulture);

    [ChromiumFact]
    public async Task Ten_thousand_vehicles_are_drawn_and_the_redraw_is_measured()
    {
        var (secret, _) = host.Services.GetRequiredService<ApiKeyStore>().Create("map-scale", Roles.Admin, null);
        using var http = new HttpClient { BaseAddress = new Uri(host.BaseUrl) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        var csv = new StringBuilder("vin,maker,model,class,battery_kwh\n");
        for (var i = 0; i < Count; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{Vin(i)},{Makers[i % Makers.Length]},scale,{Classes[i % Classes.Length]},50\n");
        }

        var import = await http.PostAsync("/api/vehicles/import", new StringContent(csv.ToString(), Encoding.UTF8, "text/csv"));
        Assert.True(import.IsSuccessStatusCode, await import.Content.ReadAsStringAsync());

        var page = await host.SignInAsync("admin", WebHost.AdminPassword, 1600, 1000);
        await page.GotoAsync(host.BaseUrl + "/#/map");
        await page.WaitForSelectorAsync("canvas.fleet-canvas");
        var bus = host.Services.GetRequiredService<IngestBus>();
        var random = new Random(32960);
        await PublishPositionsAsync(bus, random, login: true);
        var count = page.Locator("[data-testid=map-count]");
        await page.WaitForFunctionAsync($"() => Number(document.querySelector('[data-testid=map-count]').dataset.shown) >= {Count}", null,
            new() { Timeout = 120_000 });
        var label = await count.TextContentAsync();

        // Dragging: every mouse move pans the map and repaints every point.
        var drag = await MeasureAsync(page, async () =>
        {
            await page.Mouse.MoveAsync(800, 500);
            await page.Mouse.DownAsync();
            for (var step = 1; step <= 60; step++)
            {
                await page.Mouse.MoveAsync(800 + (step % 20) * 6, 500 + (step % 15) * 4);
            }

            await page.Mouse.UpAsync();
        });

        // Live: 10,000 position changes arrive through the hub while the map is still.
        var live = await MeasureAsync(page, async () =>
        {
            await PublishPositionsAsync(bus, random, login: false);
            await Task.Delay(3000);
        });

        var load = File.Exists("/proc/loadavg") ? (await File.ReadAllTextAsync("/proc/loadavg")).Split(' ')[0] : "?";
        var result = new { vehicles = Count, label, loadAverage1m = load, drag, live };
        var json = JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true });
        output.WriteLine(json);
        await File.WriteAllTextAsync(Path.Combine(WebHost.ScreenshotDirectory, "..", "map-scale.json"), json);
        await WebHost.ScreenshotAsync(page, "map-10k");
        Assert.True(drag.Redraws > 0, "dragging the map did not redraw it");
        Assert.True(live.Redraws > 0, "the live changes did not redraw the map");
        await page.Context.CloseAsync();
    }

    /// <summary>One position per vehicle over the middle of Chongqing's districts; the first round also logs them in (online).</summary>
    private static async Task PublishPositionsAsync(IngestBus bus, Random random, bool login)
    {
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < Count; i++)
        {
            var vin = Vin(i);
            await bus.PublishAsync(new IngestMessage
            {
                Vin = vin,
                Session = login ? new VehicleSession { SessionId = "scale-" + vin, Vin = vin, Protocol = TelemetryProtocol.Gbt32960V2016, LoginAt = now } : null,
                Sample = new VehicleSample
                {
                    Vin = vin, SampleTime = now, ReceivedAt = now, Protocol = TelemetryProtocol.Gbt32960V2016,
                    Latitude = 29.3 + random.NextDouble() * 1.2, Longitude = 106.3 + random.NextDouble() * 2.2, PositionValid = true,
                    SpeedKmh = random.Next(0, 80), SocPercent = random.Next(10, 100),
                },
            });
        }
    }

    public sealed record Timing(int Redraws, double RedrawMedianMs, double RedrawP95Ms, double RedrawMaxMs, int Frames, double FrameMedianMs,
        double FrameP95Ms, double FrameMaxMs);

    /// <summary>Redraw times recorded by the page and requestAnimationFrame intervals while <paramref name="action"/> runs.</summary>
    private static async Task<Timing> MeasureAsync(IPage page, Func<Task> action)
    {
        await page.EvaluateAsync("""
            () => { window.nevhubMapDraws.length = 0; window.frameGaps = []; let last = performance.now(); window.measuring = true;
                    const loop = (t) => { window.frameGaps.push(t - last); last = t; if (window.measuring) requestAnimationFrame(loop); };
                    requestAnimationFrame(loop); }
            """);
        await action();
        var draws = await page.EvaluateAsync<double[]>("() => { window.measuring = false; return window.nevhubMapDraws.filter(d => d.vehicles >= 10000).map(d => d.ms); }");
        var frames = await page.EvaluateAsync<double[]>("() => window.frameGaps.slice(1)");
        static double Quantile(double[] values, double q) =>
            values.Length == 0 ? double.NaN : Math.Round(values.Order().ElementAt((int)Math.Min(values.Length - 1, Math.Floor(q * values.Length))), 2);
        return new Timing(draws.Length, Quantile(draws, 0.5), Quantile(draws, 0.95), Quantile(draws, 1), frames.Length, Quantile(frames, 0.5),
            Quantile(frames, 0.95), Quantile(frames, 1));
    }
}
