using System.Diagnostics;
using System.Globalization;
using NevHub.Storage.Sqlite;
using static NevHub.Storage.Tests.TestData;

namespace NevHub.Storage.Tests;

/// <summary>
/// The child process of <see cref="DurabilityTests"/>: writes samples and raw frames through a <see cref="GroupCommitWriter"/>
/// from several producers and prints <c>ACK vin seq .</c> for each one whose task completed, i.e. that the writer declared
/// durable, until it is killed.
/// </summary>
internal static class CrashWriter
{
    public const int Producers = 16;

    public static async Task RunAsync(string directory, string synchronous)
    {
        var options = new SqliteStoreOptions { DataDirectory = directory, Synchronous = Enum.Parse<SqliteSynchronous>(synchronous) };
        var store = await SqliteVehicleStore.OpenAsync(options);
        var writer = new GroupCommitWriter(store, new GroupCommitOptions { MaxBatchSize = 512 });
        var output = Console.Out;
        var gate = new object();
        var producers = Enumerable.Range(0, Producers).Select(p => Task.Run(async () =>
        {
            for (var seq = 0; seq < 10_000_000; seq++)
            {
                var sample = Sample(Vin(p), Start.AddSeconds(seq), seq, cells: 16);
                await writer.EnqueueAsync(sample, Frame(Vin(p), sample.ReceivedAt, 64, seq));
                lock (gate)
                {
                    output.Write(string.Create(CultureInfo.InvariantCulture, $"ACK {p} {seq} .\n"));
                    output.Flush();
                }
            }
        })).ToArray();
        await Task.WhenAll(producers);
    }
}

public sealed class DurabilityTests
{
    [Theory]
    [InlineData("Full")]
    [InlineData("Normal")]
    public async Task Every_acknowledged_record_survives_a_sigkill_of_the_writer_process(string synchronous)
    {
        var directory = TempDirectory.Create();
        try
        {
            var acked = await RunAndKillAsync(directory, synchronous, acknowledgementsBeforeKill: 3000);
            Assert.True(acked.Count >= 3000, $"only {acked.Count} acknowledgements were read");

            await using var store = await SqliteVehicleStore.OpenAsync(new SqliteStoreOptions { DataDirectory = directory });
            for (var p = 0; p < CrashWriter.Producers; p++)
            {
                var storedSamples = new HashSet<int>();
                string? cursor = null;
                do
                {
                    var page = await store.GetSamplesAsync(new SampleQuery { Vin = Vin(p), Limit = 5000, Cursor = cursor });
                    storedSamples.UnionWith(page.Items.Select(s => (int)s.OdometerKm!.Value));
                    cursor = page.NextCursor;
                }
                while (cursor is not null);

                var storedFrames = 0;
                cursor = null;
                do
                {
                    var page = await store.GetRawFramesAsync(new RawFrameQuery { Vin = Vin(p), Limit = 5000, Cursor = cursor });
                    storedFrames += page.Items.Count;
                    cursor = page.NextCursor;
                }
                while (cursor is not null);

                var ackedHere = acked.Where(a => a.Producer == p).Select(a => a.Seq).ToArray();
                var missing = ackedHere.Where(seq => !storedSamples.Contains(seq)).ToArray();
                Assert.True(missing.Length == 0, $"producer {p}: {missing.Length} acknowledged samples missing, e.g. {string.Join(",", missing.Take(5))}");
                Assert.True(storedFrames >= ackedHere.Length, $"producer {p}: {storedFrames} frames stored, {ackedHere.Length} acknowledged");
            }

            // The reopened store accepts writes.
            Assert.Equal(1, (await store.WriteAsync(new IngestBatch([Sample(Vin(99), Start)], []))).SamplesStored);
        }
        finally
        {
            TempDirectory.Delete(directory);
        }
    }

    private static async Task<List<(int Producer, int Seq)>> RunAndKillAsync(string directory, string synchronous, int acknowledgementsBeforeKill)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (string.IsNullOrEmpty(dotnet) || !File.Exists(dotnet))
        {
            dotnet = "dotnet";
        }

        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "exec", typeof(CrashWriter).Assembly.Location, "crash-writer", directory, synchronous })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("The child process did not start.");
        var errors = process.StandardError.ReadToEndAsync();
        var acked = new List<(int, int)>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            while (acked.Count < acknowledgementsBeforeKill && await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                Parse(line, acked);
            }
        }
        finally
        {
            process.Kill(); // SIGKILL: no finalizers, no flush, no clean close of the database
        }

        // Lines the child printed before it died were acknowledged too.
        while (await process.StandardOutput.ReadLineAsync(CancellationToken.None) is { } line)
        {
            Parse(line, acked);
        }

        await process.WaitForExitAsync(CancellationToken.None);
        Assert.True(acked.Count >= acknowledgementsBeforeKill, "The child stopped early: " + await errors);
        Assert.NotEqual(0, process.ExitCode);
        return acked;
    }

    private static void Parse(string line, List<(int, int)> acked)
    {
        // Only complete lines count: "ACK <producer> <seq> ." (a line cut by the kill lacks the final dot).
        var parts = line.Split(' ');
        if (parts is ["ACK", var producer, var seq, "."])
        {
            acked.Add((int.Parse(producer, CultureInfo.InvariantCulture), int.Parse(seq, CultureInfo.InvariantCulture)));
        }
    }
}
