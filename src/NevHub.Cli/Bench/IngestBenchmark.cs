using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Data.Sqlite;
using NevHub.Server.Api;

namespace NevHub.Cli.Bench;

/// <summary>Settings of one `nevhub bench ingest` run.</summary>
internal sealed record IngestBenchSettings(
    int Connections,
    TimeSpan Warmup,
    TimeSpan Duration,
    double Rate,
    int FramesPerWrite,
    string DataDirectory,
    bool Baseline,
    string? ResultPath,
    string Protocol = "gbt32960",
    IReadOnlyDictionary<string, string>? ServerEnvironment = null);

/// <summary>What one target (the platform, or the discard baseline) did under the load.</summary>
internal sealed record TargetResult(
    string Target,
    int Connections,
    double SecondsMeasured,
    long FramesSent,
    double FramesSentPerSecond,
    double FramesAcceptedPerSecond,
    double FramesStoredPerSecond,
    long? FramesStoredTotal,
    long? FramesLost,
    double? TwinLatencyP50Ms,
    double? TwinLatencyP99Ms,
    double ServerCpuCores,
    double PeakWorkingSetMiB,
    double? DrainSeconds);

/// <summary>
/// The end-to-end load harness: starts the platform (and the discard baseline) as child processes on loopback, drives
/// them with thousands of real TCP terminals sending pre-encoded frames, and reports accepted/stored rates, loss,
/// receipt-to-twin latency, CPU and peak memory, and the platform/baseline ratio measured in the same run.
/// </summary>
internal static class IngestBenchmark
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        WriteIndented = true,
    };

    public static async Task<int> RunAsync(IngestBenchSettings settings, TextWriter output, CancellationToken cancellationToken)
    {
        var results = new List<TargetResult>();
        output.WriteLine($"nevhub bench ingest: {settings.Connections} connections, warm-up {settings.Warmup.TotalSeconds} s, " +
            $"measured {settings.Duration.TotalSeconds} s, rate {(settings.Rate > 0 ? settings.Rate.ToString(CultureInfo.InvariantCulture) + " frames/s" : "maximum")}, " +
            $"{Environment.ProcessorCount} cores, protocol {settings.Protocol}");

        if (settings.Baseline)
        {
            results.Add(await RunBaselineAsync(settings, output, cancellationToken).ConfigureAwait(false));
        }

        var platform = await RunPlatformAsync(settings, output, cancellationToken).ConfigureAwait(false);
        results.Add(platform);

        PrintTable(results, output);

        if (results.Count == 2 && results[0].FramesAcceptedPerSecond > 0)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"platform / baseline (accepted frames/s): {platform.FramesAcceptedPerSecond / results[0].FramesAcceptedPerSecond:F3}"));
        }

        if (settings.ResultPath is not null)
        {
            await File.WriteAllTextAsync(settings.ResultPath, JsonSerializer.Serialize(results, Json), cancellationToken).ConfigureAwait(false);
        }

        var ok = platform.FramesLost == 0;
        output.WriteLine(ok ? "zero loss: every frame sent was stored" : $"LOSS: {platform.FramesLost} frames sent were not stored");
        return ok ? 0 : 1;
    }

    /// <summary>The results side by side: one row per target.</summary>
    public static void PrintTable(IEnumerable<TargetResult> results, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine();
        output.WriteLine($"{"target",-10} {"conns",6} {"sent/s",10} {"accepted/s",11} {"stored/s",10} {"lost",6} {"p50 ms",8} {"p99 ms",8} {"cpu",5} {"peak MiB",9}");
        foreach (var r in results)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Target,-10} {r.Connections,6} {r.FramesSentPerSecond,10:F0} {r.FramesAcceptedPerSecond,11:F0} {r.FramesStoredPerSecond,10:F0} " +
                $"{(r.FramesLost?.ToString(CultureInfo.InvariantCulture) ?? "-"),6} {(r.TwinLatencyP50Ms?.ToString("F1", CultureInfo.InvariantCulture) ?? "-"),8} " +
                $"{(r.TwinLatencyP99Ms?.ToString("F1", CultureInfo.InvariantCulture) ?? "-"),8} {r.ServerCpuCores,5:F2} {r.PeakWorkingSetMiB,9:F0}"));
        }
    }

    private static async Task<TargetResult> RunBaselineAsync(IngestBenchSettings settings, TextWriter output, CancellationToken cancellationToken)
    {
        var (tcp, http) = (ChildProcess.FreePort(), ChildProcess.FreePort());
        output.WriteLine($"baseline: frame-and-discard server on 127.0.0.1:{tcp}");
        output.Flush();
        await using var server = ChildProcess.StartNevHub(
            ["bench", "sink", "--tcp-port", tcp.ToString(CultureInfo.InvariantCulture), "--http-port", http.ToString(CultureInfo.InvariantCulture),
                "--protocol", settings.Protocol],
            log: output);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}") };
        await WaitUntilAsync(async () => (await client.GetAsync("/stats", cancellationToken).ConfigureAwait(false)).IsSuccessStatusCode, cancellationToken)
            .ConfigureAwait(false);

        await using var load = await ConnectAsync(settings, tcp, platform: false, cancellationToken).ConfigureAwait(false);
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(settings.Rate, settings.FramesPerWrite, stop.Token);
        await Task.Delay(settings.Warmup, cancellationToken).ConfigureAwait(false);

        var sentA = load.FramesSent;
        var a = await client.GetFromJsonAsync<DiscardServer.SinkStats>("/stats", cancellationToken).ConfigureAwait(false);
        var clock = Stopwatch.StartNew();
        await Task.Delay(settings.Duration, cancellationToken).ConfigureAwait(false);
        var b = await client.GetFromJsonAsync<DiscardServer.SinkStats>("/stats", cancellationToken).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        var sentB = load.FramesSent;
        await stop.CancelAsync().ConfigureAwait(false);
        await running.ConfigureAwait(false);
        await server.StopAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);

        return new TargetResult(
            "baseline", load.Connected, seconds, load.FramesSent, (sentB - sentA) / seconds, (b!.Frames - a!.Frames) / seconds, 0, null, null, null, null,
            (b.ProcessCpuSeconds - a.ProcessCpuSeconds) / seconds, b.PeakWorkingSetBytes / 1048576.0, null);
    }

    /// <summary>The embedded platform (one `nevhub serve`, SQLite, in-process bus) under the run's load.</summary>
    public static async Task<TargetResult> RunPlatformAsync(IngestBenchSettings settings, TextWriter output, CancellationToken cancellationToken)
    {
        var (tcp, http) = (ChildProcess.FreePort(), ChildProcess.FreePort());
        var data = Path.GetFullPath(settings.DataDirectory);
        if (Directory.Exists(data))
        {
            Directory.Delete(data, recursive: true);
        }

        var key = "bench-" + Guid.NewGuid().ToString("N");
        output.WriteLine($"platform: nevhub serve on 127.0.0.1:{tcp}, data in {data}");
        var jt808 = DiscardServer.IsJt808(settings.Protocol);
        var environment = new Dictionary<string, string>
        {
            ["NevHub__AdminApiKey"] = key,
            ["NevHub__Gateways__Gbt32960__BindAddress"] = "127.0.0.1",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (name, value) in settings.ServerEnvironment ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }

        if (jt808)
        {
            // The terminals use the JT/T 808 gateway on tcp; GB/T 32960 listens on another free port, unused.
            environment["NevHub__Gateways__Jt808__Enabled"] = "true";
            environment["NevHub__Gateways__Jt808__Port"] = tcp.ToString(CultureInfo.InvariantCulture);
            environment["NevHub__Gateways__Jt808__BindAddress"] = "127.0.0.1";
        }

        var gbtPort = jt808 ? ChildProcess.FreePort() : tcp;
        await using var server = ChildProcess.StartNevHub(
            ["serve", "--data", data, "--http", $"http://127.0.0.1:{http}", "--gbt32960-port", gbtPort.ToString(CultureInfo.InvariantCulture)],
            environment,
            output);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}"), Timeout = TimeSpan.FromMinutes(5) };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        await WaitUntilAsync(async () => (await client.GetAsync("/health", cancellationToken).ConfigureAwait(false)).IsSuccessStatusCode, cancellationToken)
            .ConfigureAwait(false);

        await RegisterAsync(client, settings.Connections, jt808, cancellationToken).ConfigureAwait(false);

        await using var load = await ConnectAsync(settings, tcp, platform: true, cancellationToken).ConfigureAwait(false);
        output.WriteLine($"platform: {load.Connected} terminals logged in");

        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(settings.Rate, settings.FramesPerWrite, stop.Token);
        await Task.Delay(settings.Warmup, cancellationToken).ConfigureAwait(false);

        var sentA = load.FramesSent;
        var a = await Stats(client, cancellationToken).ConfigureAwait(false);
        (await client.PostAsync("/api/admin/stats/reset", null, cancellationToken).ConfigureAwait(false)).EnsureSuccessStatusCode();
        var clock = Stopwatch.StartNew();
        await Task.Delay(settings.Duration, cancellationToken).ConfigureAwait(false);
        var b = await Stats(client, cancellationToken).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        var sentB = load.FramesSent;
        await stop.CancelAsync().ConfigureAwait(false);
        await running.ConfigureAwait(false);

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"platform: measured {seconds:F1} s: accepted {(b.FramesReceived - a.FramesReceived) / seconds:F0} frames/s, durable {(b.MessagesDurable - a.MessagesDurable) / seconds:F0}/s, twin latency p50 {b.TwinLatencyP50Ms:F1} ms p99 {b.TwinLatencyP99Ms:F1} ms; draining"));

        // Everything sent must become durable: login frames are archived too. JT/T 808: the handshake frames may or may not
        // count as durable messages, so the drain also ends once every report is durable and the count stopped moving.
        var expected = load.FramesSent + load.SetupFrames;
        var drain = Stopwatch.StartNew();
        IngestStats last = b;
        var stable = 0;
        while (drain.Elapsed < TimeSpan.FromMinutes(3))
        {
            var previous = last.MessagesDurable;
            last = await Stats(client, cancellationToken).ConfigureAwait(false);
            if (last.MessagesDurable >= expected)
            {
                break;
            }

            stable = last.MessagesDurable == previous ? stable + 1 : 0;
            if (jt808 && last.MessagesDurable >= load.FramesSent && stable >= 8)
            {
                break;
            }

            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        }

        var drainSeconds = drain.Elapsed.TotalSeconds;
        await load.DisposeAsync().ConfigureAwait(false);
        await server.StopAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);

        // Count what is really in the database, not what the server says.
        var stored = await CountSamplesAsync(Path.Combine(data, "nevhub.db"), cancellationToken).ConfigureAwait(false);
        return new TargetResult(
            "platform", settings.Connections, seconds, load.FramesSent, (sentB - sentA) / seconds,
            (b.FramesReceived - a.FramesReceived) / seconds, (b.MessagesDurable - a.MessagesDurable) / seconds,
            stored, load.FramesSent - stored, b.TwinLatencyP50Ms, b.TwinLatencyP99Ms,
            (b.ProcessCpuSeconds - a.ProcessCpuSeconds) / seconds, last.PeakWorkingSetBytes / 1048576.0, drainSeconds);
    }

    /// <summary>Registers the run's vehicles through the API (CSV import).</summary>
    public static async Task RegisterAsync(HttpClient client, int connections, bool jt808, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var vins = Vins(connections);
        var csv = new StringBuilder(jt808 ? "vin,maker,class,terminal_phone\n" : "vin,maker,class\n");
        for (var i = 0; i < vins.Count; i++)
        {
            // JT/T 808 trackers are bound by their phone (registration needs it).
            csv.Append(vins[i]).Append(jt808 ? ",bench,motorcycle," + Jt808LoadGenerator.Phone(i) + "\n" : ",bench,car\n");
        }

        using var content = new StringContent(csv.ToString(), Encoding.UTF8, "text/csv");
        (await client.PostAsync("/api/vehicles/import", content, cancellationToken).ConfigureAwait(false)).EnsureSuccessStatusCode();
    }

    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.FromHours(8));

    /// <summary>Connects the terminals of the run's protocol; against the platform they log in (GB/T) or register and authenticate (JT/T 808).</summary>
    private static async Task<IBenchLoad> ConnectAsync(IngestBenchSettings settings, int port, bool platform, CancellationToken cancellationToken)
    {
        var target = new IPEndPoint(IPAddress.Loopback, port);
        if (DiscardServer.IsJt808(settings.Protocol))
        {
            var jt808 = new Jt808LoadGenerator(target);
            var phones = Enumerable.Range(0, settings.Connections).Select(Jt808LoadGenerator.Phone).ToList();
            await jt808.ConnectAsync(phones, Start, handshake: platform, cancellationToken).ConfigureAwait(false);
            return jt808;
        }

        var gbt = new LoadGenerator(target);
        await gbt.ConnectAsync(Vins(settings.Connections), Start, awaitAnswers: platform, cancellationToken).ConfigureAwait(false);
        return gbt;
    }

    public static List<string> Vins(int count) =>
        [.. Enumerable.Range(0, count).Select(i => "LBENCH" + i.ToString("D11", CultureInfo.InvariantCulture))];

    public static async Task<IngestStats> Stats(HttpClient client, CancellationToken cancellationToken) =>
        (await client.GetFromJsonAsync<IngestStats>("/api/admin/stats", Json, cancellationToken).ConfigureAwait(false))!;

    private static async Task<long> CountSamplesAsync(string databasePath, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly }.ToString());
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM samples";
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> ready, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                if (await ready().ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException("the server did not become ready within 60 s");
    }
}
