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

    protected override Task CleanUpAsync()
    {
        TempDirectory.Delete(_directory);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Quality_receipts_older_than_the_retention_behind_the_newest_are_forgotten()
    {
        var t0 = new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);
        QualityDay Day(DateTimeOffset t, long duplicates) => new() { Vin = VinA, Day = DateOnly.FromDateTime(t.UtcDateTime), Frames = 1, Duplicates = duplicates };
        QualityReceipt Receipt(DateTimeOffset t) => new(VinA, t.UtcTicks, 7, t.UtcTicks + 1, Day(t, 0), Day(t, 1));
        var old = new AnalyticsBatch { QualityReceipts = [Receipt(t0)] };
        await Store.ApplyAsync(old);
        await Store.ApplyAsync(old);
        Assert.Equal(1, (await Store.GetQualityDaysAsync(new DailyQuery { Vin = VinA })).Sum(d => d.Frames));

        // A frame more than the retention later: the old receipt is pruned, so a replay of the old frame counts again.
        await Store.ApplyAsync(new AnalyticsBatch { QualityReceipts = [Receipt(t0 + SqliteAnalyticsStore.QualityReceiptRetention + TimeSpan.FromHours(1))] });
        await Store.ApplyAsync(old);
        Assert.Equal(3, (await Store.GetQualityDaysAsync(new DailyQuery { Vin = VinA })).Sum(d => d.Frames));
    }
}
