using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using NevHub.Domain;
using NevHub.Protocols.Gbt32960;
using NevHub.Storage;

namespace NevHub.Server.FunctionalTests;

public sealed class CrashTests
{
    private static readonly TimeSpan CommitWindow = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task A_server_killed_under_load_restarts_cleanly_and_keeps_everything_it_acknowledged()
    {
        var data = Path.Combine(Path.GetTempPath(), "nevhub-crash-" + Guid.NewGuid().ToString("N"));
        var key = "crash-" + Guid.NewGuid().ToString("N");
        // Reports are acknowledged only once durable, so the test knows exactly what the server promised.
        var settings = new Dictionary<string, string>
        {
            ["NevHub__Gateways__Gbt32960__AnswerReports"] = "true",
            ["NevHub__Storage__GroupCommit__CommitWindow"] = "00:00:00.200",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        var vins = Enumerable.Range(0, 20).Select(i => $"LCRASH{i:D11}").ToList();
        var t0 = new DateTimeOffset(2026, 10, 1, 8, 0, 0, TimeSpan.FromHours(8));
        var sent = new ConcurrentDictionary<string, ConcurrentDictionary<int, long>>(); // vin -> index -> send timestamp
        var acked = new ConcurrentDictionary<string, ConcurrentDictionary<int, byte>>();
        long killedAt;

        try
        {
            await using (var server = await ServerProcess.StartAsync(data, key, settings))
            {
                foreach (var vin in vins)
                {
                    (await server.Http.PostAsJsonAsync("/api/vehicles", new Vehicle { Vin = vin, Maker = "crash" }, TestServer.Json)).EnsureSuccessStatusCode();
                }

                using var stop = new CancellationTokenSource();
                var terminals = await Task.WhenAll(vins.Select(async vin =>
                {
                    var terminal = await TestTerminal.ConnectAsync(server.GbtPort, vin);
                    await terminal.LoginAsync();
                    Assert.Equal(Gbt32960ResponseFlag.Success, (await terminal.ReceiveAsync())!.ResponseFlag);
                    return terminal;
                }));

                var load = terminals.Select(terminal => Task.Run(async () =>
                {
                    var mySent = sent.GetOrAdd(terminal.Vin, _ => new());
                    var myAcked = acked.GetOrAdd(terminal.Vin, _ => new());
                    var reader = Task.Run(async () =>
                    {
                        // Acks carry the report's own time: that names the report that is durable.
                        while (await terminal.ReceiveAsync(TimeSpan.FromSeconds(30)) is { } answer)
                        {
                            var time = ((AcknowledgementBody)answer.Body).Time!.Value;
                            myAcked[(int)(time - t0).TotalSeconds] = 0;
                        }
                    });
                    for (var i = 0; !stop.IsCancellationRequested; i++)
                    {
                        mySent[i] = Stopwatch.GetTimestamp();
                        try
                        {
                            await terminal.SendAsync(terminal.Report(t0.AddSeconds(i), i % 100, 60));
                        }
                        catch (IOException)
                        {
                            mySent.TryRemove(i, out _);
                            break;
                        }

                        // 50 reports/s per terminal (1,000/s in all): below capacity even in a Debug build, so "sent" means
                        // "received" within milliseconds and the missing tail measures the commit window, not a TCP backlog.
                        await Task.Delay(20);
                    }

                    await reader;
                })).ToList();

                await Task.Delay(TimeSpan.FromSeconds(4));
                killedAt = Stopwatch.GetTimestamp();
                await server.KillAsync();
                await stop.CancelAsync();
                await Task.WhenAll(load);
                foreach (var terminal in terminals)
                {
                    await terminal.DisposeAsync();
                }
            }

            Assert.True(acked.Values.Sum(a => a.Count) > 100, "the load acknowledged too little to mean anything");

            await using var restarted = await ServerProcess.StartAsync(data, key, settings);
            foreach (var vin in vins)
            {
                var stored = new HashSet<int>();
                string? cursor = null;
                do
                {
                    var page = (await restarted.Http.GetFromJsonAsync<Page<VehicleSample>>(
                        $"/api/vehicles/{vin}/samples?limit=1000" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)), TestServer.Json))!;
                    stored.UnionWith(page.Items.Select(s => (int)(s.SampleTime - t0).TotalSeconds));
                    cursor = page.NextCursor;
                }
                while (cursor is not null);

                // Nothing acknowledged is lost.
                var lostAcknowledged = acked[vin].Keys.Where(i => !stored.Contains(i)).ToList();
                Assert.True(lostAcknowledged.Count == 0, $"{vin}: acknowledged reports lost: {string.Join(", ", lostAcknowledged)}");

                // One terminal's reports are stored in order, so what survived is a prefix of what was sent...
                Assert.Equal(Enumerable.Range(0, stored.Count), stored.Order());

                // ...and what is missing was sent within the last group-commit window (plus scheduling slack) before the kill.
                var slack = CommitWindow + TimeSpan.FromSeconds(1);
                var missing = sent[vin].Where(s => !stored.Contains(s.Key)).ToList();
                Assert.All(missing, m => Assert.True(
                    Stopwatch.GetElapsedTime(m.Value, killedAt) <= slack,
                    $"{vin} report {m.Key} was sent {Stopwatch.GetElapsedTime(m.Value, killedAt).TotalMilliseconds:F0} ms before the kill and is missing"));
            }
        }
        finally
        {
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
