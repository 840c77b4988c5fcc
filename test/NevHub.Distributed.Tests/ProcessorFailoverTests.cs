using System.Collections.Concurrent;
using NevHub.Messaging.RabbitMq;
using NevHub.Processing;
using NevHub.Storage;
using NevHub.Storage.Postgres;
using Npgsql;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace NevHub.Distributed.Tests;

/// <summary>
/// Gateway → RabbitMQ (consistent hash over quorum partitions, single active consumer) → processors → PostgreSQL, on loopback.
/// A processor is killed under load; its partitions move to the other, and every confirmed message is stored exactly once.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class ProcessorFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _schema = "nevhub_d_" + Guid.NewGuid().ToString("N")[..16];
    private readonly RabbitMqBusOptions _bus = new()
    {
        Uri = Services.RabbitMq ?? "amqp://127.0.0.1/",
        Exchange = "nevhub.test." + Guid.NewGuid().ToString("N")[..8],
        Partitions = 4,
        Prefetch = 256,
    };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (Services.RabbitMq is null || Services.Postgres is null)
        {
            return;
        }

        var factory = new ConnectionFactory { Uri = new Uri(_bus.Uri) };
        await using (var connection = await factory.CreateConnectionAsync())
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
    public async Task A_processor_killed_under_load_hands_its_partitions_over_without_loss_or_duplicates()
    {
        var (beforeKill, processorB) = await RunAndKillAsync(_bus, _bus);
        await using var b = processorB;
        // Single active consumer: A registered first on every partition, so B stood by until A died, then took them all over.
        Assert.True(beforeKill.A > 0, "Processor A should have been active before the kill.");
        Assert.Equal(0, beforeKill.B);
        Assert.True(processorB.Consumer.Acknowledged > 0, "Processor B should have taken the partitions over.");
    }

    [DistributedFact]
    public async Task Processors_preferring_disjoint_partitions_share_the_work_and_stand_by_for_each_other()
    {
        RabbitMqBusOptions Prefer(string partitions) => new()
        {
            Uri = _bus.Uri, Exchange = _bus.Exchange, Partitions = _bus.Partitions, Prefetch = _bus.Prefetch,
            PreferredPartitions = partitions, StandbyDelay = TimeSpan.FromSeconds(1),
        };

        var (beforeKill, processorB) = await RunAndKillAsync(Prefer("0-1"), Prefer("2-3"));
        await using var b = processorB;
        Assert.True(beforeKill.A > 0 && beforeKill.B > 0, $"Both processors should have been active (A {beforeKill.A}, B {beforeKill.B}).");
    }

    /// <summary>
    /// 40 vehicles publish through a gateway's publisher; processor A is killed after 3 s, B goes on; then every confirmed message
    /// must be stored exactly once. Returns what each had acknowledged before the kill, and B (the caller disposes it).
    /// </summary>
    private async Task<((long A, long B) BeforeKill, Processor B)> RunAndKillAsync(RabbitMqBusOptions busA, RabbitMqBusOptions busB)
    {
        var storeOptions = new PostgresStoreOptions { ConnectionString = Services.Postgres!, Schema = _schema };
        await using var processorA = await Processor.StartAsync("processor-a", busA, storeOptions);
        var processorB = await Processor.StartAsync("processor-b", busB, storeOptions);
        try
        {
            return (await LoadKillAndCheckAsync(processorA, processorB, storeOptions), processorB);
        }
        catch
        {
            await processorB.DisposeAsync();
            throw;
        }
    }

    private async Task<(long A, long B)> LoadKillAndCheckAsync(Processor processorA, Processor processorB, PostgresStoreOptions storeOptions)
    {
        await using var gateway = new RabbitMqIngestPublisher(_bus);

        const int Vehicles = 40;
        var confirmed = new ConcurrentDictionary<int, int>();
        using var stopLoad = new CancellationTokenSource();
        var producers = Enumerable.Range(0, Vehicles).Select(v => Task.Run(async () =>
        {
            var seq = 0;
            while (!stopLoad.IsCancellationRequested)
            {
                var sample = Load.Sample(Load.Vin(1000 + v), seq);
                await gateway.PublishAsync(new IngestMessage { Vin = sample.Vin, Sample = sample, Raw = Load.Frame(sample, seq) });
                confirmed[v] = ++seq;
                await Task.Delay(5);
            }
        })).ToArray();

        await Task.Delay(TimeSpan.FromSeconds(3));
        var beforeKill = (processorA.Consumer.Acknowledged, processorB.Consumer.Acknowledged);
        await processorA.KillAsync(); // the active consumer of some partitions dies with deliveries in flight
        output.WriteLine($"killed processor A (acknowledged so far: A {beforeKill.Item1}, B {beforeKill.Item2})");
        await Task.Delay(TimeSpan.FromSeconds(3));
        await stopLoad.CancelAsync();
        await Task.WhenAll(producers);
        var total = confirmed.Values.Sum();
        output.WriteLine($"{total} messages confirmed by the broker");

        // Processor B drains everything, including what A had in flight.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await Load.CountSamplesAsync(storeOptions) < total && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        output.WriteLine($"B acknowledged {processorB.Consumer.Acknowledged}, redelivered to B: {processorB.Consumer.Redelivered}");
        await using var store = await PostgresVehicleStore.OpenAsync(storeOptions);
        for (var v = 0; v < Vehicles; v++)
        {
            var samples = await Load.AllSamplesAsync(store, Load.Vin(1000 + v));
            Assert.Equal(Enumerable.Range(0, confirmed[v]).Select(i => (double)i), samples.Select(s => s.OdometerKm!.Value).Order());
        }

        Assert.Equal(total, await Load.CountSamplesAsync(storeOptions));
        return beforeKill;
    }

    /// <summary>A processor node: consumer → ordered hand-off → group-commit writer → PostgreSQL; acks after durable.</summary>
    private sealed class Processor : IAsyncDisposable
    {
        private readonly PostgresVehicleStore _store;
        private readonly GroupCommitWriter _writer;
        private bool _killed;

        private Processor(PostgresVehicleStore store, RabbitMqBusOptions bus)
        {
            _store = store;
            _writer = new GroupCommitWriter(store, new GroupCommitOptions { MaxBatchSize = 1024 });
            Consumer = new RabbitMqIngestConsumer(bus, HandleAsync);
        }

        public RabbitMqIngestConsumer Consumer { get; }

        public static async Task<Processor> StartAsync(string name, RabbitMqBusOptions bus, PostgresStoreOptions storeOptions)
        {
            var processor = new Processor(await PostgresVehicleStore.OpenAsync(storeOptions), bus);
            await processor.Consumer.StartAsync(name);
            return processor;
        }

        public async Task KillAsync()
        {
            _killed = true;
            await Consumer.AbortAsync();
        }

        public async ValueTask DisposeAsync()
        {
            if (!_killed)
            {
                await Consumer.DisposeAsync();
            }

            await _writer.DisposeAsync();
            await _store.DisposeAsync();
        }

        private ValueTask HandleAsync(IngestMessage message, CancellationToken cancellationToken)
        {
            _ = CompleteAsync(message, _writer.EnqueueAsync(message.Sample, message.Raw, cancellationToken));
            return ValueTask.CompletedTask;
        }

        private static async Task CompleteAsync(IngestMessage message, ValueTask durable)
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
    }
}
