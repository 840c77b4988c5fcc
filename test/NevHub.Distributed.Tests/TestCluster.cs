using NevHub.Messaging.RabbitMq;
using NevHub.Storage.Postgres;
using Npgsql;
using RabbitMQ.Client;

namespace NevHub.Distributed.Tests;

/// <summary>
/// One test's private cluster names on the shared PostgreSQL and RabbitMQ: its own schema, ingest exchange (4 partitions) and live
/// exchange, the configuration of a node in a given role, and the clean-up of all of them.
/// </summary>
public sealed class TestCluster(string prefix) : IAsyncDisposable
{
    public const int Partitions = 4;

    private readonly string _id = Guid.NewGuid().ToString("N")[..12];

    public string Schema => "nevhub_" + prefix + "_" + _id;

    public RabbitMqBusOptions Bus => new()
    {
        Uri = Services.RabbitMq ?? "amqp://127.0.0.1/",
        Exchange = "nevhub.test." + _id,
        LiveExchange = "nevhub.test." + _id + ".live",
        Partitions = Partitions,
    };

    public PostgresStoreOptions Store => new() { ConnectionString = Services.Postgres ?? "", Schema = Schema };

    /// <summary>The configuration keys of a node in <paramref name="role"/> (as NevHub__… environment variables use them).</summary>
    public Dictionary<string, string?> Settings(string role) => new()
    {
        ["NevHub:Role"] = role,
        ["NevHub:Bus:Provider"] = "rabbitmq",
        ["NevHub:Bus:RabbitMq:Uri"] = Bus.Uri,
        ["NevHub:Bus:RabbitMq:Exchange"] = Bus.Exchange,
        ["NevHub:Bus:RabbitMq:LiveExchange"] = Bus.LiveExchange,
        ["NevHub:Bus:RabbitMq:Partitions"] = Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["NevHub:Storage:Provider"] = "postgres",
        ["NevHub:Storage:Postgres:ConnectionString"] = Services.Postgres,
        ["NevHub:Storage:Postgres:Schema"] = Schema,
    };

    public Task<long> CountSamplesAsync() => Load.CountSamplesAsync(Store);

    public async ValueTask DisposeAsync()
    {
        if (Services.RabbitMq is null || Services.Postgres is null)
        {
            return;
        }

        var bus = Bus;
        await using (var connection = await new ConnectionFactory { Uri = new Uri(bus.Uri) }.CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            for (var p = 0; p < bus.Partitions; p++)
            {
                await channel.QueueDeleteAsync(bus.QueueName(p));
            }

            await channel.ExchangeDeleteAsync(bus.Exchange);
            await channel.ExchangeDeleteAsync(bus.LiveExchange);
        }

        await using var pg = new NpgsqlConnection(Services.Postgres);
        await pg.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{Schema}\" CASCADE", pg);
        await drop.ExecuteNonQueryAsync();
    }
}
