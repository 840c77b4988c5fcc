using NevHub.Storage.Analytics;
using NevHub.Storage.Sqlite;
using NevHub.Storage.Sqlite.Analytics;

namespace NevHub.Storage.Tests;

/// <summary>The analytics store contract against SQLite.</summary>
public sealed class AnalyticsSqliteStoreTests : AnalyticsStoreContractTests
{
    private readonly string _directory = TempDirectory.Create();

    private SqliteStoreOptions Options => new() { DataDirectory = _directory, FileName = "analytics.db" };

    protected override async Task<IAnalyticsStore> CreateStoreAsync()
    {
        var store = new SqliteAnalyticsStore(Options);
        await store.MigrateAsync();
        return store;
    }

    protected override Task<IAnalyticsStore> OpenSameStoreAsync() => Task.FromResult<IAnalyticsStore>(new SqliteAnalyticsStore(Options));

    protected override TimeSpan QualityReceiptRetention => SqliteAnalyticsStore.QualityReceiptRetention;

    protected override Task CleanUpAsync()
    {
        TempDirectory.Delete(_directory);
        return Task.CompletedTask;
    }
}
