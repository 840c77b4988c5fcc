using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using NevHub.Messaging.RabbitMq;
using NevHub.Server.Api;
using Npgsql;
using RabbitMQ.Client;

namespace NevHub.Cli.Bench;

/// <summary>Settings of one `nevhub bench cluster` run.</summary>
/// <param name="Load">The harness' load (connections, rate, durations, data directory, JSON result path), as for `bench ingest`.</param>
internal sealed record ClusterBenchSettings(
    IngestBenchSettings Load,
    string Postgres,
    string RabbitMq,
    int Gateways,
    int Processors,
    int Partitions,
    bool Analytics,
    bool Embedded);

/// <summary>CPU and memory of one process (or service) of the cluster over the measured window.</summary>
internal sealed record RoleUsage(string Role, double CpuCores, double MemoryMiB, double? TwinLatencyP50Ms = null, double? TwinLatencyP99Ms = null);

/// <summary>
/// The multi-process benchmark: the distributed deployment on this machine — gateway and processor nodes as `nevhub serve --role …`
/// processes over the local PostgreSQL and RabbitMQ — driven by the load harness of `bench ingest` (its terminals split evenly over
/// the gateways), then, in the same run and with the same load, the embedded single-process platform as the baseline.
/// Durable/s and loss count rows in PostgreSQL itself; latency is the processors' receipt-to-twin histogram, which starts at the
/// gateway's receipt of the frame (so it spans gateway, broker and processor).
/// </summary>
internal static class ClusterBenchmark
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static async Task<int> RunAsync(ClusterBenchSettings settings, TextWriter output, CancellationToken cancellationToken)
    {
        var load = settings.Load;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"nevhub bench cluster: {settings.Gateways} gateways, {settings.Processors} processors, {settings.Partitions} partitions, " +
            $"{load.Connections} connections, warm-up {load.Warmup.TotalSeconds} s, measured {load.Duration.TotalSeconds} s, " +
            $"rate {(load.Rate > 0 ? load.Rate.ToString(CultureInfo.InvariantCulture) + " frames/s" : "maximum")}, " +
            $"analytics {(settings.Analytics ? "on" : "off")}, {Environment.ProcessorCount} cores, load average {ServiceUsage.LoadAverage()}"));

        var (cluster, roles) = await RunClusterAsync(settings, output, cancellationToken).ConfigureAwait(false);
        var results = new List<TargetResult> { cluster };
        if (settings.Embedded)
        {
            output.WriteLine($"embedded baseline, load average {ServiceUsage.LoadAverage()}");
            results.Add(await IngestBenchmark.RunPlatformAsync(
                load with { DataDirectory = Path.Combine(load.DataDirectory, "embedded"), ServerEnvironment = ProcessingEnvironment(settings) },
                output, cancellationToken).ConfigureAwait(false) with { Target = "embedded" });
        }

        IngestBenchmark.PrintTable(results, output);
        output.WriteLine();
        output.WriteLine($"{"cluster role",-14} {"cpu cores",10} {"memory MiB",11} {"p50 ms",8} {"p99 ms",8}");
        foreach (var role in roles)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{role.Role,-14} {role.CpuCores,10:F2} {role.MemoryMiB,11:F0} {role.TwinLatencyP50Ms?.ToString("F1", CultureInfo.InvariantCulture) ?? "-",8} " +
                $"{role.TwinLatencyP99Ms?.ToString("F1", CultureInfo.InvariantCulture) ?? "-",8}"));
        }

        output.WriteLine("cluster cpu and memory: every role above, PostgreSQL and RabbitMQ included (memory: peak working set of each node; proportional resident set (PSS) of each service at the end of the window); " +
            "latency: gateway receipt to processor twin, the slower processor");
        if (load.ResultPath is not null)
        {
            await File.WriteAllTextAsync(load.ResultPath, JsonSerializer.Serialize(new { results, roles }, Json), cancellationToken).ConfigureAwait(false);
        }

        var lost = results.Sum(r => r.FramesLost ?? 0);
        output.WriteLine(lost == 0 ? "zero loss: every frame sent was stored, in both deployments" : $"LOSS: {lost} frames sent were not stored");
        return lost == 0 ? 0 : 1;
    }

    /// <summary>Analytics on or off for every node of both deployments, so they do the same work.</summary>
    private static Dictionary<string, string> ProcessingEnvironment(ClusterBenchSettings settings) =>
        new() { ["NevHub__Processing__RunProcessors"] = settings.Analytics ? "true" : "false" };

    private static async Task<(TargetResult Result, List<RoleUsage> Roles)> RunClusterAsync(
        ClusterBenchSettings settings, TextWriter output, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString("N")[..10];
        var bus = new RabbitMqBusOptions
        {
            Uri = settings.RabbitMq,
            Exchange = "nevhub.bench." + id,
            LiveExchange = "nevhub.bench." + id + ".live",
            Partitions = settings.Partitions,
        };
        bus.Validate();
        var schema = "nevhub_bench_" + id;
        var key = "bench-" + Guid.NewGuid().ToString("N");
        var data = Path.GetFullPath(Path.Combine(settings.Load.DataDirectory, "cluster"));
        if (Directory.Exists(data))
        {
            Directory.Delete(data, recursive: true);
        }

        var shared = ProcessingEnvironment(settings);
        shared["NevHub__AdminApiKey"] = key;
        shared["NevHub__Storage__Provider"] = "postgres";
        shared["NevHub__Storage__Postgres__ConnectionString"] = settings.Postgres;
        shared["NevHub__Storage__Postgres__Schema"] = schema;
        shared["NevHub__Bus__Provider"] = "rabbitmq";
        shared["NevHub__Bus__RabbitMq__Uri"] = bus.Uri;
        shared["NevHub__Bus__RabbitMq__Exchange"] = bus.Exchange;
        shared["NevHub__Bus__RabbitMq__LiveExchange"] = bus.LiveExchange;
        shared["NevHub__Bus__RabbitMq__Partitions"] = bus.Partitions.ToString(CultureInfo.InvariantCulture);
        shared["NevHub__Gateways__Gbt32960__BindAddress"] = "127.0.0.1";
        shared["Logging__LogLevel__Default"] = "Warning";

        var nodes = new List<Node>();
        try
        {
            // Processors first, each preferring its share of the partitions (the rest it stands by for).
            for (var i = 0; i < settings.Processors; i++)
            {
                var environment = new Dictionary<string, string>(shared)
                {
                    ["NevHub__Bus__RabbitMq__PreferredPartitions"] = Share(i, settings.Processors, settings.Partitions),
                };
                nodes.Add(StartNode("processor" + i, "processor", Path.Combine(data, "processor" + i), environment, output));
            }

            for (var i = 0; i < settings.Gateways; i++)
            {
                nodes.Add(StartNode("gateway" + i, "gateway", Path.Combine(data, "gateway" + i), shared, output));
            }

            foreach (var node in nodes)
            {
                node.Http.DefaultRequestHeaders.Add("X-Api-Key", key);
                await IngestBenchmark.WaitUntilAsync(
                    async () => (await node.Http.GetAsync("/health", cancellationToken).ConfigureAwait(false)).IsSuccessStatusCode, cancellationToken)
                    .ConfigureAwait(false);
            }

            var gateways = nodes.Where(n => n.Role == "gateway").ToList();
            var processors = nodes.Where(n => n.Role == "processor").ToList();
            await IngestBenchmark.RegisterAsync(gateways[0].Http, settings.Load.Connections, jt808: false, cancellationToken).ConfigureAwait(false);

            // The terminals are spread over the gateways as a TCP load balancer would.
            var vins = IngestBenchmark.Vins(settings.Load.Connections);
            var loads = new List<LoadGenerator>();
            try
            {
                for (var g = 0; g < gateways.Count; g++)
                {
                    var load = new LoadGenerator(new IPEndPoint(IPAddress.Loopback, gateways[g].TcpPort));
                    loads.Add(load);
                    await load.ConnectAsync([.. vins.Where((_, i) => i % gateways.Count == g)], IngestBenchmark.Start, awaitAnswers: true, cancellationToken)
                        .ConfigureAwait(false);
                }

                output.WriteLine($"cluster: {loads.Sum(l => l.Connected)} terminals logged in over {gateways.Count} gateways");
                return await MeasureAsync(settings.Load, nodes, loads, new PostgresCount(settings.Postgres, schema), output, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                foreach (var load in loads)
                {
                    await load.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync().ConfigureAwait(false);
            }

            await DeleteAsync(bus, settings.Postgres, schema).ConfigureAwait(false);
        }
    }

    private static async Task<(TargetResult, List<RoleUsage>)> MeasureAsync(
        IngestBenchSettings settings, List<Node> nodes, List<LoadGenerator> loads, PostgresCount rows, TextWriter output, CancellationToken cancellationToken)
    {
        using var stop = new CancellationTokenSource();
        var running = loads.Select(l => l.RunAsync(settings.Rate / loads.Count, settings.FramesPerWrite, stop.Token)).ToList();
        await Task.Delay(settings.Warmup, cancellationToken).ConfigureAwait(false);

        var sentA = loads.Sum(l => l.FramesSent);
        var statsA = await AllStatsAsync(nodes, cancellationToken).ConfigureAwait(false);
        var servicesA = Services();
        var rowsA = await rows.CountAsync(cancellationToken).ConfigureAwait(false);
        foreach (var node in nodes.Where(n => n.Role == "processor"))
        {
            (await node.Http.PostAsync("/api/admin/stats/reset", null, cancellationToken).ConfigureAwait(false)).EnsureSuccessStatusCode();
        }

        var clock = Stopwatch.StartNew();
        await Task.Delay(settings.Duration, cancellationToken).ConfigureAwait(false);
        var statsB = await AllStatsAsync(nodes, cancellationToken).ConfigureAwait(false);
        var servicesB = Services();
        var rowsB = await rows.CountAsync(cancellationToken).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        var sentB = loads.Sum(l => l.FramesSent);
        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(running).ConfigureAwait(false);

        var roles = nodes.Select((n, i) => new RoleUsage(
                n.Name,
                (statsB[i].ProcessCpuSeconds - statsA[i].ProcessCpuSeconds) / seconds,
                statsB[i].PeakWorkingSetBytes / 1048576.0,
                n.Role == "processor" ? statsB[i].TwinLatencyP50Ms : null,
                n.Role == "processor" ? statsB[i].TwinLatencyP99Ms : null))
            .Concat(servicesA.Zip(servicesB, (a, b) => new RoleUsage(b.Service, (b.CpuSeconds - a.CpuSeconds) / seconds, b.ResidentMiB)))
            .ToList();
        var accepted = nodes.Select((n, i) => n.Role == "gateway" ? statsB[i].FramesReceived - statsA[i].FramesReceived : 0).Sum();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cluster: measured {seconds:F1} s: accepted {accepted / seconds:F0} frames/s, durable {(rowsB - rowsA) / seconds:F0} rows/s; draining"));

        // Everything sent must reach PostgreSQL: wait while the row count still moves (at most 10 minutes: an unpaced run leaves
        // millions of frames in socket buffers and queues, and "lost" must not mean "not drained yet").
        var sent = loads.Sum(l => l.FramesSent);
        var drain = Stopwatch.StartNew();
        var stored = await rows.CountAsync(cancellationToken).ConfigureAwait(false);
        var still = Stopwatch.StartNew();
        while (stored < sent && drain.Elapsed < TimeSpan.FromMinutes(10) && still.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(500, cancellationToken).ConfigureAwait(false);
            var now = await rows.CountAsync(cancellationToken).ConfigureAwait(false);
            if (now != stored)
            {
                still.Restart();
            }

            stored = now;
        }

        var processors = roles.Where(r => r.TwinLatencyP50Ms is not null).ToList();
        return (new TargetResult(
            "cluster", settings.Connections, seconds, sent, (sentB - sentA) / seconds, accepted / seconds, (rowsB - rowsA) / seconds,
            stored, sent - stored, processors.Max(r => r.TwinLatencyP50Ms), processors.Max(r => r.TwinLatencyP99Ms),
            roles.Sum(r => r.CpuCores), roles.Sum(r => r.MemoryMiB), drain.Elapsed.TotalSeconds), roles);
    }

    private static ServiceUsage[] Services() =>
        [ServiceUsage.Of("postgresql", "postgres"), ServiceUsage.Of("rabbitmq", "beam.smp")];

    private static async Task<IngestStats[]> AllStatsAsync(List<Node> nodes, CancellationToken cancellationToken) =>
        await Task.WhenAll(nodes.Select(n => IngestBenchmark.Stats(n.Http, cancellationToken))).ConfigureAwait(false);

    /// <summary>Processor <paramref name="index"/>'s contiguous share of the partitions, e.g. "0-7" of 16 for the first of two.</summary>
    public static string Share(int index, int processors, int partitions)
    {
        var first = index * partitions / processors;
        var last = ((index + 1) * partitions / processors) - 1;
        return first.ToString(CultureInfo.InvariantCulture) + "-" + last.ToString(CultureInfo.InvariantCulture);
    }

    private static Node StartNode(string name, string role, string data, IDictionary<string, string> environment, TextWriter output)
    {
        var (tcp, http) = (ChildProcess.FreePort(), ChildProcess.FreePort());
        output.WriteLine($"{name}: nevhub serve --role {role} on http://127.0.0.1:{http}" + (role == "gateway" ? $", GB/T 32960 on 127.0.0.1:{tcp}" : ""));
        var process = ChildProcess.StartNevHub(
            ["serve", "--role", role, "--data", data, "--http", $"http://127.0.0.1:{http}", "--gbt32960-port", tcp.ToString(CultureInfo.InvariantCulture)],
            environment,
            output);
        return new Node(name, role, tcp, process, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}"), Timeout = TimeSpan.FromMinutes(5) });
    }

    /// <summary>Removes the run's schema, queues and exchanges, so runs never mix and nothing is left behind.</summary>
    private static async Task DeleteAsync(RabbitMqBusOptions bus, string postgres, string schema)
    {
        var factory = new ConnectionFactory { Uri = new Uri(bus.Uri) };
        await using (var connection = await factory.CreateConnectionAsync().ConfigureAwait(false))
        await using (var channel = await connection.CreateChannelAsync().ConfigureAwait(false))
        {
            for (var p = 0; p < bus.Partitions; p++)
            {
                await channel.QueueDeleteAsync(bus.QueueName(p)).ConfigureAwait(false);
            }

            await channel.ExchangeDeleteAsync(bus.Exchange).ConfigureAwait(false);
            await channel.ExchangeDeleteAsync(bus.LiveExchange).ConfigureAwait(false);
        }

        await using var database = new NpgsqlConnection(postgres);
        await database.OpenAsync().ConfigureAwait(false);
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", database);
        await drop.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private sealed record Node(string Name, string Role, int TcpPort, ChildProcess Process, HttpClient Http) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await Process.StopAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            await Process.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Counts the samples in the run's schema: what is really durable, not what a node says.</summary>
    private sealed class PostgresCount(string connectionString, string schema)
    {
        public async Task<long> CountAsync(CancellationToken cancellationToken)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand($"SELECT count(*) FROM \"{schema}\".samples", connection);
            try
            {
                return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
            {
                return 0; // no node has migrated yet
            }
        }
    }
}
