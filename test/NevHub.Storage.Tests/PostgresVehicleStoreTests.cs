using NevHub.Storage.Postgres;
using Npgsql;
using static NevHub.Storage.Tests.TestData;

namespace NevHub.Storage.Tests;

/// <summary>
/// The contract tests against a real PostgreSQL (<c>NEVHUB_TEST_POSTGRES</c>), each in a schema of its own; plus what only the
/// PostgreSQL store has (partitions, retention by dropping them, migrations, concurrent writers).
/// </summary>
[RequiresPostgres]
public sealed class PostgresVehicleStoreTests : VehicleStoreContractTests
{
    private readonly string _schema = PostgresTestEnvironment.NewSchema();

    private PostgresStoreOptions Options => new()
    {
        ConnectionString = PostgresTestEnvironment.ConnectionString ?? throw new InvalidOperationException(PostgresTestEnvironment.SkipReason),
        Schema = _schema,
        PartitionsAhead = 2,
    };

    protected override async Task<IVehicleStore> CreateStoreAsync() => await PostgresVehicleStore.OpenAsync(Options);

    protected override Task<IVehicleStore> OpenSameStoreAsync() => Task.FromResult<IVehicleStore>(new PostgresVehicleStore(Options));

    protected override Task CleanUpAsync() => PostgresTestEnvironment.DropSchemaAsync(_schema);

    [Fact]
    public async Task The_schema_is_at_the_latest_version_with_partitions_ahead()
    {
        Assert.Equal(1, await ((PostgresVehicleStore)Store).GetSchemaVersionAsync());
        var partitions = await PartitionsAsync("samples");
        var today = DateTime.UtcNow.Date;
        Assert.Contains("samples_p" + today.ToString("yyyyMMdd"), partitions);
        Assert.Contains("samples_p" + today.AddDays(2).ToString("yyyyMMdd"), partitions);
        Assert.Contains("raw_frames_p" + today.AddDays(1).ToString("yyyyMMdd"), await PartitionsAsync("raw_frames"));
    }

    [Fact]
    public async Task Writing_creates_the_day_partitions_it_needs_and_purging_drops_whole_old_days()
    {
        await Store.WriteAsync(new IngestBatch(
            [Sample(Vin(1), Start.AddDays(-30)), Sample(Vin(1), Start.AddDays(-29)), Sample(Vin(1), Start)],
            [Frame(Vin(1), Start.AddDays(-30))]));
        var day = Start.AddDays(-30).UtcDateTime.ToString("yyyyMMdd");
        Assert.Contains("samples_p" + day, await PartitionsAsync("samples"));
        Assert.Contains("raw_frames_p" + day, await PartitionsAsync("raw_frames"));

        Assert.Equal(3, await Store.PurgeAsync(Start.AddDays(-1)));
        Assert.DoesNotContain("samples_p" + day, await PartitionsAsync("samples"));
        Assert.DoesNotContain("raw_frames_p" + day, await PartitionsAsync("raw_frames"));
        Assert.Single((await Store.GetSamplesAsync(new SampleQuery { Vin = Vin(1) })).Items);
    }

    [Fact]
    public async Task A_database_from_a_newer_build_is_refused()
    {
        await using (var connection = new NpgsqlConnection(PostgresTestEnvironment.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"INSERT INTO \"{_schema}\".schema_version (version, description) VALUES (999, 'future')", connection);
            await command.ExecuteNonQueryAsync();
        }

        await using var newer = new PostgresVehicleStore(Options);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => newer.MigrateAsync());
        Assert.Contains("999", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_stores_writing_the_same_records_at_once_store_each_once()
    {
        await using var other = await PostgresVehicleStore.OpenAsync(Options);
        var samples = Enumerable.Range(0, 400).Select(i => Sample(Vin(i % 7), Start.AddSeconds(i), i, cells: 4)).ToArray();
        var frames = Enumerable.Range(0, 400).Select(i => Frame(Vin(i % 7), Start.AddSeconds(i), 32, i)).ToArray();
        var batches = samples.Chunk(50).Zip(frames.Chunk(50), (s, f) => new IngestBatch(s, f)).ToArray();
        var results = await Task.WhenAll(
            Task.Run(async () => { var r = new List<WriteResult>(); foreach (var b in batches) { r.Add(await Store.WriteAsync(b)); } return r; }),
            Task.Run(async () => { var r = new List<WriteResult>(); foreach (var b in batches.Reverse()) { r.Add(await other.WriteAsync(b)); } return r; }));
        var all = results.SelectMany(r => r).ToArray();
        Assert.Equal(400, all.Sum(r => r.SamplesStored));
        Assert.Equal(400, all.Sum(r => r.SamplesDuplicate));
        Assert.Equal(400, all.Sum(r => r.RawFramesStored));
        var page = await Store.GetSamplesAsync(new SampleQuery { Vin = Vin(3), Limit = 1000 });
        Assert.Equal(samples.Count(s => s.Vin == Vin(3)), page.Items.Count);
    }

    [Fact]
    public void Invalid_options_are_rejected_naming_the_setting()
    {
        Assert.Equal("ConnectionString", Assert.ThrowsAny<ArgumentException>(() => new PostgresStoreOptions().Validate()).ParamName);
        Assert.Equal("Schema", Assert.ThrowsAny<ArgumentException>(() => new PostgresStoreOptions { ConnectionString = "Host=x", Schema = "a;drop" }.Validate()).ParamName);
        Assert.Equal("MaxPageSize", Assert.ThrowsAny<ArgumentException>(() => new PostgresStoreOptions { ConnectionString = "Host=x", MaxPageSize = 0 }.Validate()).ParamName);
    }

    private async Task<List<string>> PartitionsAsync(string parent)
    {
        await using var connection = new NpgsqlConnection(PostgresTestEnvironment.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = @parent::regclass", connection);
        command.Parameters.AddWithValue("parent", $"\"{_schema}\".{parent}");
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }
}
