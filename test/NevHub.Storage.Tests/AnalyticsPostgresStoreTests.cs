using NevHub.Storage.Analytics;
using NevHub.Storage.Postgres;
using NevHub.Storage.Postgres.Analytics;
using Npgsql;

namespace NevHub.Storage.Tests;

/// <summary>
/// The analytics store contract against a real PostgreSQL (<c>NEVHUB_TEST_POSTGRES</c>), each test in a schema of its own that is
/// dropped afterwards; plus what only a store shared by several nodes needs (migration track, claimed webhooks, concurrent writers).
/// </summary>
[RequiresPostgres]
public sealed class AnalyticsPostgresStoreTests : AnalyticsStoreContractTests
{
    private readonly string _schema = PostgresTestEnvironment.NewSchema();

    private PostgresStoreOptions Options => new()
    {
        ConnectionString = PostgresTestEnvironment.ConnectionString ?? throw new InvalidOperationException(PostgresTestEnvironment.SkipReason),
        Schema = _schema,
    };

    protected override TimeSpan QualityReceiptRetention => PostgresAnalyticsStore.QualityReceiptRetention;

    protected override async Task<IAnalyticsStore> CreateStoreAsync()
    {
        var store = new PostgresAnalyticsStore(Options);
        await store.MigrateAsync();
        return store;
    }

    protected override Task<IAnalyticsStore> OpenSameStoreAsync() => Task.FromResult<IAnalyticsStore>(new PostgresAnalyticsStore(Options));

    protected override Task CleanUpAsync() => PostgresTestEnvironment.DropSchemaAsync(_schema);

    [Fact]
    public async Task The_analytics_track_is_at_its_latest_version_beside_the_vehicle_stores_own()
    {
        Assert.Equal(2, await ((PostgresAnalyticsStore)Store).GetSchemaVersionAsync());
        await using var vehicles = await PostgresVehicleStore.OpenAsync(Options);
        Assert.Equal(1, await vehicles.GetSchemaVersionAsync());
        // Migrating again, from another instance, changes nothing.
        await using var again = new PostgresAnalyticsStore(Options);
        await again.MigrateAsync();
        Assert.Equal(2, await again.GetSchemaVersionAsync());
        Assert.Single(await again.ListFactorsAsync(), f => f.Active);
    }

    [Fact]
    public async Task An_analytics_schema_from_a_newer_build_is_refused()
    {
        await ExecuteAsync($"INSERT INTO \"{_schema}\".analytics_schema_version (version, description) VALUES (999, 'future')");
        await using var newer = new PostgresAnalyticsStore(Options);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => newer.MigrateAsync());
        Assert.Contains("999", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_dispatchers_polling_at_once_never_get_the_same_delivery()
    {
        var webhooks = Enumerable.Range(0, 200)
            .Select(i => new WebhookDelivery { Url = "http://127.0.0.1:1/hook", Payload = $"{{\"n\":{i}}}", CreatedAt = T0, NextAttemptAt = T0.AddMilliseconds(i) })
            .ToArray();
        await Store.ApplyAsync(new AnalyticsBatch { Webhooks = webhooks });
        await using var other = new PostgresAnalyticsStore(Options);
        var now = T0.AddMinutes(1);

        async Task<List<long>> DrainAsync(IAnalyticsStore dispatcher)
        {
            var claimed = new List<long>();
            while (await dispatcher.GetDueWebhooksAsync(now, 7) is { Count: > 0 } due)
            {
                claimed.AddRange(due.Select(d => d.Id));
            }

            return claimed;
        }

        var claims = await Task.WhenAll(Task.Run(() => DrainAsync(Store)), Task.Run(() => DrainAsync(other)));
        var all = claims.SelectMany(c => c).ToList();
        Assert.Equal(200, all.Count);
        Assert.Equal(200, all.Distinct().Count());
        Assert.NotEmpty(claims[0]);
        Assert.NotEmpty(claims[1]);

        // A claim that is neither completed nor rescheduled (its dispatcher died) comes back after the lease.
        Assert.Empty(await Store.GetDueWebhooksAsync(now + PostgresAnalyticsStore.WebhookLease - TimeSpan.FromSeconds(1), 500));
        Assert.Equal(200, (await other.GetDueWebhooksAsync(now + PostgresAnalyticsStore.WebhookLease, 500)).Count);
    }

    [Fact]
    public async Task Two_nodes_applying_the_same_receipts_at_once_count_each_frame_once()
    {
        await using var other = new PostgresAnalyticsStore(Options);
        QualityReceipt Receipt(int i) => new(VinA, T0.AddSeconds(i).UtcTicks, i, T0.AddSeconds(i + 1).UtcTicks,
            new QualityDay { Vin = VinA, Day = DateOnly.FromDateTime(T0.UtcDateTime), Frames = 1 },
            new QualityDay { Vin = VinA, Day = DateOnly.FromDateTime(T0.UtcDateTime), Frames = 1, Duplicates = 1 });
        var batches = Enumerable.Range(0, 300).Select(Receipt).Chunk(25).Select(c => new AnalyticsBatch { QualityReceipts = c }).ToArray();
        await Task.WhenAll(
            Task.Run(async () => { foreach (var b in batches) { await Store.ApplyAsync(b); } }),
            Task.Run(async () => { foreach (var b in batches.AsEnumerable().Reverse()) { await other.ApplyAsync(b); } }));
        var day = Assert.Single(await Store.GetQualityDaysAsync(new DailyQuery { Vin = VinA }));
        Assert.Equal((300, 0), (day.Frames, day.Duplicates));
    }

    private static async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresTestEnvironment.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
