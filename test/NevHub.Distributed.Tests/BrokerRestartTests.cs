using System.Collections.Concurrent;
using System.Diagnostics;
using NevHub.Messaging.RabbitMq;
using NevHub.Processing;
using NevHub.Storage;
using NevHub.Storage.Postgres;
using Npgsql;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace NevHub.Distributed.Tests;

/// <summary>The tests that use the broker run one at a time: one of them restarts it.</summary>
[CollectionDefinition(Name)]
public sealed class BrokerCollection
{
    public const string Name = "RabbitMQ broker";
}

/// <summary>
/// RabbitMQ restarted under load (<c>rabbitmqctl stop_app</c> / <c>start_app</c> on the local broker): the gateway resends what was
/// not confirmed (as a device whose frame was not acknowledged does), the processor's connection recovers, quorum queues keep what
/// they confirmed, and every confirmed message is stored exactly once.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class BrokerRestartTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _schema = "nevhub_b_" + Guid.NewGuid().ToString("N")[..16];
    private readonly RabbitMqBusOptions _bus = new()
    {
        Uri = Services.RabbitMq ?? "amqp://127.0.0.1/",
        Exchange = "nevhub.test." + Guid.NewGuid().ToString("N")[..8],
        Partitions = 2,
        Prefetch = 128,
    };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (Services.RabbitMq is null || Services.Postgres is null)
        {
            return;
        }

        await using (var connection = await new ConnectionFactory { Uri = new Uri(_bus.Uri) }.CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            for (var p = 0; p < _bus.Partitions; p++)
            {
                await channel.QueueDeleteAsync(_bus.QueueName(p));
            }

            await channel.ExchangeDeleteAsync(_bus.Exchange);
        }

        await using var pg = new NpgsqlConnection(Services.Postgres);
        await pg.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE", pg);
        await drop.ExecuteNonQueryAsync();
    }

    [DistributedFact]
    public async Task A_broker_restart_under_load_loses_nothing_and_duplicates_nothing()
    {
        var storeOptions = new PostgresStoreOptions { ConnectionString = Services.Postgres!, Schema = _schema };
        await using var store = await PostgresVehicleStore.OpenAsync(storeOptions);
        await using var writer = new GroupCommitWriter(store);
        await using var consumer = new RabbitMqIngestConsumer(_bus, (message, ct) =>
        {
            _ = Complete(message, writer.EnqueueAsync(message.Sample, message.Raw, ct));
            return ValueTask.CompletedTask;
        });
        await consumer.StartAsync("processor-restart-test");
        await using var gateway = new RabbitMqIngestPublisher(_bus);

        const int Vehicles = 8;
        var confirmed = new ConcurrentDictionary<int, int>();
        var resends = 0;
        using var stopLoad = new CancellationTokenSource();
        var producers = Enumerable.Range(0, Vehicles).Select(v => Task.Run(async () =>
        {
            var seq = 0;
            while (!stopLoad.IsCancellationRequested)
            {
                var sample = Load.Sample(Load.Vin(2000 + v), seq);
                try
                {
                    await gateway.PublishAsync(new IngestMessage { Vin = sample.Vin, Sample = sample, Raw = Load.Frame(sample, seq) });
                }
                catch (Exception)
                {
                    // Not confirmed: not acknowledged to the device, which sends it again.
                    Interlocked.Increment(ref resends);
                    await Task.Delay(200);
                    continue;
                }

                confirmed[v] = ++seq;
                await Task.Delay(10);
            }
        })).ToArray();

        await Task.Delay(TimeSpan.FromSeconds(2));
        await RabbitMqCtlAsync("stop_app");
        output.WriteLine($"broker stopped with {confirmed.Values.Sum()} confirmed");
        await RabbitMqCtlAsync("start_app");
        output.WriteLine("broker started");
        await Task.Delay(TimeSpan.FromSeconds(3));
        await stopLoad.CancelAsync();
        await Task.WhenAll(producers);
        var total = confirmed.Values.Sum();
        output.WriteLine($"{total} confirmed, {resends} publishes resent");

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await Load.CountSamplesAsync(storeOptions) < total && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        Assert.True(resends > 0, "The restart should have interrupted publishing.");
        for (var v = 0; v < Vehicles; v++)
        {
            var samples = await Load.AllSamplesAsync(store, Load.Vin(2000 + v));
            Assert.Equal(Enumerable.Range(0, confirmed[v]).Select(i => (double)i), samples.Select(s => s.OdometerKm!.Value).Order());
        }

        Assert.Equal(total, await Load.CountSamplesAsync(storeOptions));
    }

    private static async Task Complete(IngestMessage message, ValueTask durable)
    {
        try
        {
            await durable;
            message.Durable?.TrySetResult();
        }
        catch (Exception ex)
        {
            message.Durable?.TrySetException(ex);
        }
    }

    private static async Task RabbitMqCtlAsync(string command)
    {
        using var process = Process.Start(new ProcessStartInfo("rabbitmqctl", ["-q", command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"rabbitmqctl {command} failed: {await process.StandardError.ReadToEndAsync()}");
    }
}
