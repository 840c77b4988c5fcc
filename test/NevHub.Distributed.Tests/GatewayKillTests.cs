using System.Diagnostics;
using NevHub.Server.FunctionalTests;
using NevHub.Storage.Postgres;
using Xunit.Abstractions;

namespace NevHub.Distributed.Tests;

/// <summary>
/// A gateway node killed as a process: two gateways run as real <c>nevhub serve --role gateway</c> processes configured by
/// environment variables, a processor node consumes into PostgreSQL. Vehicles report through gateway A with
/// <c>AnswerReports</c> on; A gets SIGKILL mid-load; the vehicles reconnect to gateway B and reissue what A never answered.
/// <para>
/// Loss is defined from the vehicle's side: a report is delivered only when the platform answered it, and a vehicle keeps
/// (and reissues) every report until then, so at the end every report a vehicle made must be in the store — exactly once, since
/// a report stored but not yet answered when A died arrives twice and the store's natural keys must absorb the second copy.
/// </para>
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class GatewayKillTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TestCluster _cluster = new("k");
    private readonly List<string> _directories = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        foreach (var directory in _directories.Where(Directory.Exists))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [DistributedFact]
    public async Task A_gateway_process_killed_mid_load_loses_nothing_its_vehicles_considered_sent_and_duplicates_nothing()
    {
        await using var processor = await TestServer.StartAsync(_cluster.Settings("processor"));
        await using var gatewayA = await StartGatewayAsync();
        await using var gatewayB = await StartGatewayAsync();

        const int Vehicles = 20;
        var start = new DateTimeOffset(2026, 6, 2, 8, 0, 0, TimeSpan.FromHours(8));
        var vehicles = Enumerable.Range(0, Vehicles)
            .Select(v => new ReissuingVehicle(Load.Vin(5000 + v), start, [gatewayA.GbtPort, gatewayB.GbtPort]))
            .ToList();
        using var stopLoad = new CancellationTokenSource();
        var running = vehicles.Select(v => Task.Run(() => v.RunAsync(burst: 5, TimeSpan.FromMilliseconds(50), stopLoad.Token, TimeSpan.FromSeconds(30)))).ToArray();

        // Mid-load: reports stored through A, others sent to A but not answered yet.
        Assert.True(
            await TestServer.EventuallyAsync(async () => await _cluster.CountSamplesAsync() >= 300, 20),
            $"reports should flow through gateway A first ({vehicles.Sum(v => v.Logins)} logins, {vehicles.Sum(v => v.Made)} made, last error {vehicles[0].LastError}):\n{gatewayA.Log}");
        var beforeKill = (Made: vehicles.Sum(v => v.Made), Unanswered: vehicles.Sum(v => v.Unanswered));
        await gatewayA.KillAsync(); // SIGKILL of the whole process: no shutdown code, its sockets reset by the kernel
        output.WriteLine($"killed gateway A: {beforeKill.Made} reports made, {beforeKill.Unanswered} not answered yet");

        await Task.Delay(TimeSpan.FromSeconds(3));
        await stopLoad.CancelAsync();
        await Task.WhenAll(running);

        var made = vehicles.Sum(v => v.Made);
        output.WriteLine($"{made} reports made, {vehicles.Sum(v => v.Reissued)} reissued after reconnecting, " +
            $"{vehicles.Sum(v => v.Logins)} logins, {vehicles.Sum(v => v.Unanswered)} never answered");
        Assert.All(vehicles, v => Assert.Equal(0, v.Unanswered));
        Assert.All(vehicles, v => Assert.True(v.Logins >= 2, $"{v.Vin} should have logged in again on gateway B"));
        Assert.True(vehicles.Sum(v => v.Reissued) > 0, "some reports should have been unanswered when A died, and reissued to B");

        // Every report every vehicle made is stored exactly once (the processor drains what B published).
        Assert.True(await TestServer.EventuallyAsync(async () => await _cluster.CountSamplesAsync() >= made, 30));
        await using var store = await PostgresVehicleStore.OpenAsync(_cluster.Store);
        foreach (var vehicle in vehicles)
        {
            var stored = (await Load.AllSamplesAsync(store, vehicle.Vin)).Select(s => (int)s.OdometerKm!.Value).Order();
            Assert.Equal(Enumerable.Range(0, vehicle.Made), stored);
        }

        Assert.Equal(made, await _cluster.CountSamplesAsync());
    }

    /// <summary>`dotnet nevhub.dll serve --role gateway`, configured like a deployment: environment variables for the shared settings.</summary>
    private async Task<ServerProcess> StartGatewayAsync()
    {
        var data = Path.Combine(Path.GetTempPath(), "nevhub-gw-" + Guid.NewGuid().ToString("N"));
        _directories.Add(data);
        var environment = _cluster.Settings("gateway").ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value!);
        environment["NevHub__Gateways__Gbt32960__AnswerReports"] = "true";
        environment["NevHub__Registry__Policy"] = "AutoRegister";
        environment["Logging__LogLevel__Default"] = "Warning";
        var clock = Stopwatch.StartNew();
        var gateway = await ServerProcess.StartAsync(data, "kill-test-" + Guid.NewGuid().ToString("N"), environment);
        output.WriteLine($"gateway process on port {gateway.GbtPort} ready in {clock.Elapsed.TotalSeconds:F1} s");
        return gateway;
    }
}
