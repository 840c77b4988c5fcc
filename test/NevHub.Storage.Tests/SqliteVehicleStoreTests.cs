using Microsoft.Data.Sqlite;
using NevHub.Storage.Sqlite;
using static NevHub.Storage.Tests.TestData;

namespace NevHub.Storage.Tests;

/// <summary>The contract tests against SQLite, plus what only SQLite has (file, pragmas, options).</summary>
public sealed class SqliteVehicleStoreTests : VehicleStoreContractTests
{
    private readonly string _directory = TempDirectory.Create();

    private SqliteStoreOptions Options => OptionsFor("store.db");

    private SqliteStoreOptions OptionsFor(string fileName) => new() { DataDirectory = _directory, FileName = fileName, PurgeChunkSize = 7 };

    protected override async Task<IVehicleStore> CreateStoreAsync() => await SqliteVehicleStore.OpenAsync(Options);

    protected override Task<IVehicleStore> OpenSameStoreAsync() => Task.FromResult<IVehicleStore>(new SqliteVehicleStore(Options));

    protected override Task CleanUpAsync()
    {
        TempDirectory.Delete(_directory);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task The_file_is_in_wal_mode_at_the_latest_schema_version()
    {
        var store = (SqliteVehicleStore)Store;
        Assert.Equal(Path.Combine(_directory, "store.db"), store.DatabasePath);
        Assert.Equal(2, await store.GetSchemaVersionAsync());
        await using var connection = new SqliteConnection($"Data Source={store.DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
        command.CommandText = "SELECT count(*) FROM schema_version";
        Assert.Equal(2L, (long?)await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_database_from_a_newer_build_is_refused()
    {
        await using (var connection = new SqliteConnection($"Data Source={((SqliteVehicleStore)Store).DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO schema_version (version, description, applied_at) VALUES (999, 'future', 0)";
            await command.ExecuteNonQueryAsync();
        }

        await using var newer = new SqliteVehicleStore(Options);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => newer.MigrateAsync());
        Assert.Contains("999", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Queries_before_migrating_migrate_first()
    {
        await using var store = new SqliteVehicleStore(OptionsFor("lazy.db"));
        Assert.Empty(await store.GetLatestSamplesAsync());
        Assert.True(File.Exists(Path.Combine(_directory, "lazy.db")));
    }

    [Fact]
    public async Task A_disposed_store_refuses_work()
    {
        var store = await SqliteVehicleStore.OpenAsync(OptionsFor("disposed.db"));
        await store.DisposeAsync();
        await store.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.WriteAsync(IngestBatch.Empty));
    }

    [Fact]
    public async Task Synchronous_normal_is_configurable()
    {
        var options = OptionsFor("normal.db");
        options.Synchronous = SqliteSynchronous.Normal;
        options.PageSize = 8192;
        await using var store = await SqliteVehicleStore.OpenAsync(options);
        Assert.Equal(new WriteResult(1, 0, 0, 0), await store.WriteAsync(new IngestBatch([Sample(Vin(1), Start)], [])));
        await using var connection = new SqliteConnection($"Data Source={store.DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA page_size";
        Assert.Equal(8192L, (long?)await command.ExecuteScalarAsync());
    }

    [Theory]
    [InlineData("DataDirectory")]
    [InlineData("FileName")]
    [InlineData("PageSize")]
    [InlineData("CacheSizeKib")]
    [InlineData("Synchronous")]
    [InlineData("BusyTimeout")]
    [InlineData("PurgeChunkSize")]
    public void Invalid_options_are_rejected_naming_the_setting(string setting)
    {
        var options = setting switch
        {
            "DataDirectory" => new SqliteStoreOptions { DataDirectory = " " },
            "FileName" => new SqliteStoreOptions { FileName = "a/b.db" },
            "PageSize" => new SqliteStoreOptions { PageSize = 5000 },
            "CacheSizeKib" => new SqliteStoreOptions { CacheSizeKib = 0 },
            "Synchronous" => new SqliteStoreOptions { Synchronous = (SqliteSynchronous)7 },
            "BusyTimeout" => new SqliteStoreOptions { BusyTimeout = TimeSpan.FromSeconds(-1) },
            _ => new SqliteStoreOptions { PurgeChunkSize = 0 },
        };
        var error = Assert.ThrowsAny<ArgumentException>(() => new SqliteVehicleStore(options));
        Assert.Equal(setting, error.ParamName);
    }

    [Fact]
    public void The_default_options_are_valid() => new SqliteStoreOptions().Validate();
}

internal static class TempDirectory
{
    public static string Create()
    {
        var path = Path.Combine(Path.GetTempPath(), "nevhub-storage-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    public static void Delete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder left behind is harmless.
        }
    }
}
