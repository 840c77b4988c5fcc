using System.CommandLine;

namespace NevHub.Cli.Bench;

/// <summary>`nevhub bench`: end-to-end load runs (micro-benchmarks live in bench/ with BenchmarkDotNet).</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var connections = new Option<int>("--connections") { Description = "Concurrent terminal connections.", DefaultValueFactory = _ => 10_000 };
        var duration = new Option<int>("--duration") { Description = "Measured seconds.", DefaultValueFactory = _ => 30 };
        var warmup = new Option<int>("--warmup") { Description = "Warm-up seconds before measuring.", DefaultValueFactory = _ => 5 };
        var rate = new Option<double>("--rate") { Description = "Total frames per second to offer; 0 = as fast as the server takes them.", DefaultValueFactory = _ => 0 };
        var batch = new Option<int>("--frames-per-write") { Description = "Frames per socket write.", DefaultValueFactory = _ => 8 };
        var data = new Option<string>("--data") { Description = "Data directory for the platform under test (deleted first).", DefaultValueFactory = _ => Path.Combine(Path.GetTempPath(), "nevhub-bench") };
        var noBaseline = new Option<bool>("--no-baseline") { Description = "Skip the frame-and-discard baseline run." };
        var result = new Option<string?>("--json") { Description = "Also write the results as JSON to this file." };
        var protocol = new Option<string>("--protocol")
        {
            Description = "Terminal protocol: gbt32960 (logins + realtime reports) or jt808 (registration, authentication, 0x0200 with battery items).",
            DefaultValueFactory = _ => "gbt32960",
        };
        protocol.AcceptOnlyFromAmong("gbt32960", "jt808");

        var ingest = new Command("ingest", "Drive the platform with many GB/T 32960 or JT/T 808 terminals and report throughput, loss, latency, CPU and memory against a discard baseline.")
        {
            connections, duration, warmup, rate, batch, data, noBaseline, result, protocol,
        };
        ingest.SetAction((parse, cancellationToken) =>
        {
            if (parse.GetValue(connections) is < 1 or > 60_000 || parse.GetValue(duration) < 1 || parse.GetValue(batch) is < 1 or > 1000)
            {
                Console.Error.WriteLine("connections must be 1..60000, duration >= 1, frames-per-write 1..1000");
                return Task.FromResult(2);
            }

            return IngestBenchmark.RunAsync(new IngestBenchSettings(
                parse.GetValue(connections),
                TimeSpan.FromSeconds(parse.GetValue(warmup)),
                TimeSpan.FromSeconds(parse.GetValue(duration)),
                parse.GetValue(rate),
                parse.GetValue(batch),
                parse.GetValue(data)!,
                !parse.GetValue(noBaseline),
                parse.GetValue(result),
                parse.GetValue(protocol)!), Console.Out, cancellationToken);
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

        return new Command("bench", "End-to-end load runs.") { ingest, sink };
    }
}
