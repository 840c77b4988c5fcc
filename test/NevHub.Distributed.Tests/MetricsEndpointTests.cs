using System.Globalization;
using NevHub.Server.FunctionalTests;

namespace NevHub.Distributed.Tests;

/// <summary><c>/metrics</c> serves every role's meters in the Prometheus text format (here: the embedded node).</summary>
public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task Metrics_are_served_in_prometheus_text_format_and_count_ingestion()
    {
        await using var server = await TestServer.StartAsync(new() { ["NevHub:Registry:Policy"] = "AutoRegister" });
        await using (var terminal = await TestTerminal.ConnectAsync(server.GbtPort, "LMETRIC0000000001"))
        {
            var start = new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.FromHours(8));
            await terminal.LoginAsync(1, start);
            for (var i = 0; i < 5; i++)
            {
                await terminal.SendAsync(terminal.Report(start.AddSeconds(i), 40, 70));
            }

            Assert.True(await TestServer.EventuallyAsync(async () => Value(await ScrapeAsync(server), "nevhub_storage_records_total{kind=\"sample\"}") >= 5));
        }

        using var anonymous = new HttpClient { BaseAddress = server.Http.BaseAddress };
        var response = await anonymous.GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("# TYPE nevhub_ingest_messages_total counter\n", text, StringComparison.Ordinal);
        Assert.True(Value(text, "nevhub_ingest_messages_total") >= 5); // at least the five reports
        Assert.Contains("# TYPE nevhub_storage_write_duration summary\n", text, StringComparison.Ordinal);
        Assert.True(Value(text, "nevhub_storage_write_duration_count") >= 1);
    }

    private static async Task<string> ScrapeAsync(TestServer server) => await server.Http.GetStringAsync("/metrics");

    private static double Value(string text, string series)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return -1;
    }
}
