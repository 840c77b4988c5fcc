using System.CommandLine;

namespace NevHub.Cli.Bench;

/// <summary>`nevhub bench`: end-to-end load runs (micro-benchmarks live in bench/ with BenchmarkDotNet).</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var load = new LoadOptions(connections: 10_000, duration: 30, warmup: 5, Path.Combine(Path.GetTempPath(), "nevhub-bench"));
        var noBaseline = new Option<bool>("--no-baseline") { Description = "Skip the frame-and-discard baseline run." };
        var protocol = new Option<string>("--protocol")
        {
            Description = "Terminal protocol: gbt32960 (logins + realtime reports) or jt808 (registration, authentication, 0x0200 with battery items).",
            DefaultValueFactory = _ => "gbt32960",
        };
        protocol.AcceptOnlyFromAmong("gbt32960", "jt808");

        var ingest = new Command("ingest", "Drive the platform with many GB/T 32960 or JT/T 808 terminals and report throughput, loss, latency, CPU and memory against a discard baseline.")
        {
            noBaseline, protocol,
        };
        load.AddTo(ingest);
        ingest.SetAction((parse, cancellationToken) =>
        {
            if (load.Invalid(parse) is { } problem)
            {
                Console.Error.WriteLine(problem);
                return Task.FromResult(2);
            }

            return IngestBenchmark.RunAsync(
                load.Settings(parse) with { Baseline = !parse.GetValue(noBaseline), Protocol = parse.GetValue(protocol)! }, Console.Out, cancellationToken);
        });

        var tcpPort = new Option<int>("--tcp-port") { Required = true };
        var httpPort = new Option<int>("--http-port") { Required = true };
        var sinkProtocol = new Option<string>("--protocol") { Description = "gbt32960 or jt808.", DefaultValueFactory = _ => "gbt32960" };
        sinkProtocol.AcceptOnlyFromAmong("gbt32960", "jt808");
        var sink = new Command("sink", "The baseline server: frames GB/T 32960 (or JT/T 808) and discards (used by `bench ingest`).") { tcpPort, httpPort, sinkProtocol };
        sink.Hidden = true;
        sink.SetAction(async (parse, cancellationToken) =>
        {
            await DiscardServer.RunAsync(parse.GetValue(tcpPort), parse.GetValue(httpPort), parse.GetValue(sinkProtocol)!, cancellationToken).ConfigureAwait(false);
            return 0;
        });

        return new Command("bench", "End-to-end load runs.") { ingest, sink, Cluster() };
    }

    /// <summary>`bench cluster`: the distributed deployment as processes on this machine, next to the embedded one.</summary>
    private static Command Cluster()
    {
        var load = new LoadOptions(connections: 2000, duration: 20, warmup: 10, Path.Combine(Path.GetTempPath(), "nevhub-bench-cluster"));
        var postgres = new Option<string?>("--postgres")
        {
            Description = "PostgreSQL connection string (default: NEVHUB_BENCH_POSTGRES, else NEVHUB_TEST_POSTGRES; scripts/services/postgres.sh prints one). The run uses its own schema and drops it.",
        };
        var rabbitmq = new Option<string?>("--rabbitmq")
        {
            Description = "RabbitMQ AMQP URI (default: NEVHUB_BENCH_RABBITMQ, else NEVHUB_TEST_RABBITMQ; scripts/services/rabbitmq.sh prints one). The run uses its own exchange and queues and deletes them.",
        };
        var gateways = new Option<int>("--gateways") { Description = "Gateway processes.", DefaultValueFactory = _ => 2 };
        var processors = new Option<int>("--processors") { Description = "Processor processes (each prefers its share of the partitions).", DefaultValueFactory = _ => 2 };
        var partitions = new Option<int>("--partitions") { Description = "Partition queues.", DefaultValueFactory = _ => 16 };
        var analytics = new Option<bool>("--analytics") { Description = "Run the analytics processors on processors and on the embedded node (default: ingestion only, on both)." };
        var noEmbedded = new Option<bool>("--no-embedded") { Description = "Skip the embedded single-process run." };
        var command = new Command("cluster", "Run 2 gateway and 2 processor processes over the local PostgreSQL and RabbitMQ under the ingest harness' load, then the embedded platform under the same load; report throughput, loss, latency, CPU and memory per role.")
        {
            postgres, rabbitmq, gateways, processors, partitions, analytics, noEmbedded,
        };
        load.AddTo(command);
        command.SetAction((parse, cancellationToken) =>
        {
            var pg = parse.GetValue(postgres) ?? Variable("NEVHUB_BENCH_POSTGRES") ?? Variable("NEVHUB_TEST_POSTGRES");
            var mq = parse.GetValue(rabbitmq) ?? Variable("NEVHUB_BENCH_RABBITMQ") ?? Variable("NEVHUB_TEST_RABBITMQ");
            if (pg is null || mq is null)
            {
                Console.Error.WriteLine("bench cluster needs PostgreSQL and RabbitMQ: --postgres and --rabbitmq (or NEVHUB_BENCH_POSTGRES / NEVHUB_BENCH_RABBITMQ); " +
                    "scripts/services/postgres.sh and scripts/services/rabbitmq.sh start local ones and print both.");
                return Task.FromResult(2);
            }

            var partitionCount = parse.GetValue(partitions);
            if (load.Invalid(parse) is { } problem)
            {
                Console.Error.WriteLine(problem);
                return Task.FromResult(2);
            }

            if (parse.GetValue(gateways) is < 1 or > 16 || partitionCount is < 1 or > 1024 || parse.GetValue(processors) < 1 || parse.GetValue(processors) > partitionCount)
            {
                Console.Error.WriteLine("gateways must be 1..16, partitions 1..1024, processors 1..partitions");
                return Task.FromResult(2);
            }

            return ClusterBenchmark.RunAsync(
                new ClusterBenchSettings(
                    load.Settings(parse), pg, mq, parse.GetValue(gateways), parse.GetValue(processors), partitionCount, parse.GetValue(analytics), !parse.GetValue(noEmbedded)),
                Console.Out,
                cancellationToken);
        });
        return command;
    }

    private static string? Variable(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;

    /// <summary>The harness' load options, shared by `bench ingest` and `bench cluster` (each with its own defaults).</summary>
    private sealed class LoadOptions(int connections, int duration, int warmup, string data)
    {
        private readonly Option<int> _connections = new("--connections") { Description = "Concurrent terminal connections.", DefaultValueFactory = _ => connections };
        private readonly Option<int> _duration = new("--duration") { Description = "Measured seconds.", DefaultValueFactory = _ => duration };
        private readonly Option<int> _warmup = new("--warmup") { Description = "Warm-up seconds before measuring.", DefaultValueFactory = _ => warmup };
        private readonly Option<double> _rate = new("--rate") { Description = "Total frames per second to offer; 0 = as fast as the server takes them.", DefaultValueFactory = _ => 0 };
        private readonly Option<int> _batch = new("--frames-per-write") { Description = "Frames per socket write.", DefaultValueFactory = _ => 8 };
        private readonly Option<string> _data = new("--data") { Description = "Data directory for the platform under test (deleted first).", DefaultValueFactory = _ => data };
        private readonly Option<string?> _result = new("--json") { Description = "Also write the results as JSON to this file." };

        public void AddTo(Command command)
        {
            foreach (var option in new Option[] { _connections, _duration, _warmup, _rate, _batch, _data, _result })
            {
                command.Options.Add(option);
            }
        }

        public string? Invalid(ParseResult parse) =>
            parse.GetValue(_connections) is < 1 or > 60_000 || parse.GetValue(_duration) < 1 || parse.GetValue(_batch) is < 1 or > 1000
                ? "connections must be 1..60000, duration >= 1, frames-per-write 1..1000"
                : null;

        public IngestBenchSettings Settings(ParseResult parse) => new(
            parse.GetValue(_connections),
            TimeSpan.FromSeconds(parse.GetValue(_warmup)),
            TimeSpan.FromSeconds(parse.GetValue(_duration)),
            parse.GetValue(_rate),
            parse.GetValue(_batch),
            parse.GetValue(_data)!,
            Baseline: false,
            parse.GetValue(_result));
    }
}
