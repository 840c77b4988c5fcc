using NevHub.Messaging.RabbitMq;
using NevHub.Server.FunctionalTests;
using NevHub.Storage;
using Npgsql;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace NevHub.Distributed.Tests;

/// <summary>
/// The real host in its distributed roles, in-process on loopback: two gateway nodes and a processor node over RabbitMQ and
/// PostgreSQL. A vehicle reports through gateway A; A goes away; the vehicle reconnects to gateway B and reissues everything; the
/// store holds every report exactly once.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class RolesTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _schema = "nevhub_r_" + Guid.NewGuid().ToString("N")[..16];
    private readonly string _exchange = "nevhub.test." + Guid.NewGuid().ToString("N")[..8];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (Services.RabbitMq is null || Services.Postgres is null)
        {
            return;
        }

        var bus = new RabbitMqBusOptions { Uri = Services.RabbitMq, Exchange = _exchange, Partitions = 4 };
        await using (var connection = await new ConnectionFactory { Uri = new Uri(bus.Uri) }.CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            for (var p = 0; p < bus.Partitions; p++)
            {
                await channel.QueueDeleteAsync(bus.QueueName(p));
            }

            await channel.ExchangeDeleteAsync(bus.Exchange);
        }

        await using var pg = new NpgsqlConnection(Services.Postgres);
        await pg.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE", pg);
        await drop.ExecuteNonQueryAsync();
    }

    private Dictionary<string, string?> Settings(string role) => new()
    {
        ["NevHub:Role"] = role,
        ["NevHub:Bus:Provider"] = "rabbitmq",
        ["NevHub:Bus:RabbitMq:Uri"] = Services.RabbitMq,
        ["NevHub:Bus:RabbitMq:Exchange"] = _exchange,
        ["NevHub:Bus:RabbitMq:Partitions"] = "4",
        ["NevHub:Storage:Provider"] = "postgres",
        ["NevHub:Storage:Postgres:ConnectionString"] = Services.Postgres,
        ["NevHub:Storage:Postgres:Schema"] = _schema,
        ["NevHub:Registry:Policy"] = "AutoRegister",
    };

    [DistributedFact]
    public async Task A_lost_gateways_vehicle_reconnects_to_another_and_reissues_without_loss_or_duplicates()
    {
        await using var processor = await TestServer.StartAsync(Settings("processor"));
        var gatewayA = await TestServer.StartAsync(Settings("gateway"));
        await using var gatewayB = await TestServer.StartAsync(Settings("gateway"));
        Assert.Equal(0, processor.GbtPort); // a processor does not listen to devices

        const string Vin = "LDIST000000000001";
        var start = new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.FromHours(8));
        const int Reports = 40;
        await using (var terminal = await TestTerminal.ConnectAsync(gatewayA.GbtPort, Vin))
        {
            await terminal.LoginAsync(1, start);
            for (var i = 0; i < Reports / 2; i++)
            {
                await terminal.SendAsync(terminal.Report(start.AddSeconds(i), 30 + i, 80, odometerKm: 1000 + i));
            }

            // Some of what was sent reaches the processor through the bus before the gateway goes away.
            Assert.True(await TestServer.EventuallyAsync(async () => await CountAsync(processor) > 0, 30));
        }

        // Gateway A goes away (stopped in-process; the vehicle's connection is gone first, as when its process dies).
        await gatewayA.DisposeAsync();

        // The vehicle reconnects to the other gateway and reissues everything it is not sure of (here: all), then goes on.
        await using (var terminal = await TestTerminal.ConnectAsync(gatewayB.GbtPort, Vin))
        {
            await terminal.LoginAsync(2, start.AddSeconds(Reports));
            for (var i = 0; i < Reports / 2; i++)
            {
                await terminal.SendAsync(terminal.Report(start.AddSeconds(i), 30 + i, 80, reissue: true, odometerKm: 1000 + i));
            }

            for (var i = Reports / 2; i < Reports; i++)
            {
                await terminal.SendAsync(terminal.Report(start.AddSeconds(i), 30 + i, 80, odometerKm: 1000 + i));
            }

            Assert.True(await TestServer.EventuallyAsync(async () => await CountAsync(processor) >= Reports, 60));
        }

        var store = processor.App.Services.GetService(typeof(IVehicleStore)) as IVehicleStore;
        var samples = await Load.AllSamplesAsync(store!, Vin);
        output.WriteLine($"{samples.Count} samples stored for {Vin}");
        Assert.Equal(Enumerable.Range(0, Reports).Select(i => 1000.0 + i), samples.Select(s => s.OdometerKm!.Value));
        Assert.NotNull(processor.Twin.Get(Vin)); // the processor's live twin follows the vehicle
    }

    private async Task<long> CountAsync(TestServer node) =>
        await Load.CountSamplesAsync(new Storage.Postgres.PostgresStoreOptions { ConnectionString = Services.Postgres!, Schema = _schema });
}
