using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using NevHub.Storage.Analytics;

namespace NevHub.Storage.Sqlite.Analytics;

/// <summary>
/// The analytics schema's own migration track in the shared database file: table <c>analytics_schema_version</c> and
/// <see cref="Steps"/>. Independent of <see cref="SqliteMigrations"/>, so the two tracks never collide. Each step runs in
/// its own <c>BEGIN IMMEDIATE</c> transaction with its version row, re-checking the version inside it. Never edit a
/// released step; append one.
/// </summary>
public static class SqliteAnalyticsMigrations
{
    public static IReadOnlyList<(long Version, string Description, Action<SqliteConnection, SqliteTransaction> Apply)> Steps { get; } =
    [
        (1, "trips, charges, alarms, alarm handling, quality, factors, baselines, webhook outbox", Initial),
        (2, "quality receipts (idempotent quality counters)", QualityReceipts),
        (3, "ride share links (token hashes only)", ShareLinks),
    ];

    public static long LatestVersion => Steps[^1].Version;

    public static long CurrentVersion(SqliteConnection connection, SqliteTransaction? tx)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'analytics_schema_version'";
        if (Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture) == 0)
        {
            return 0;
        }

        cmd.CommandText = "SELECT coalesce(max(version), 0) FROM analytics_schema_version";
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    public static void Apply(SqliteConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        SqliteAnalyticsStore.Exec(connection, null, """
            CREATE TABLE IF NOT EXISTS analytics_schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)
            """);
        foreach (var (version, description, apply) in Steps)
        {
            using var tx = connection.BeginTransaction(deferred: false);
            var current = CurrentVersion(connection, tx);
            if (current > LatestVersion)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"The analytics schema is at version {current}, newer than this build knows ({LatestVersion})."));
            }

            if (current >= version)
            {
                continue;
            }

            apply(connection, tx);
            SqliteAnalyticsStore.Exec(connection, tx, "INSERT INTO analytics_schema_version (version, description, applied_at) VALUES ($v, $d, $t)",
                ("$v", version), ("$d", description), ("$t", DateTimeOffset.UtcNow.UtcTicks));
            tx.Commit();
        }
    }

    internal static void PutFactor(SqliteConnection c, SqliteTransaction tx, EmissionFactor f) =>
        SqliteAnalyticsStore.Exec(c, tx, """
            INSERT INTO an_factors (id, kind, active, data) VALUES ($id, $kind, $active, $data)
            ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, active = excluded.active, data = excluded.data
            """, ("$id", f.Id), ("$kind", (int)f.Kind), ("$active", f.Active ? 1 : 0), ("$data", JsonSerializer.Serialize(f, SqliteAnalyticsStore.Json)));

    internal static void PutBaseline(SqliteConnection c, SqliteTransaction tx, FossilBaseline b) =>
        SqliteAnalyticsStore.Exec(c, tx, """
            INSERT INTO an_baselines (class, data) VALUES ($class, $data) ON CONFLICT (class) DO UPDATE SET data = excluded.data
            """, ("$class", (int)b.Class), ("$data", JsonSerializer.Serialize(b, SqliteAnalyticsStore.Json)));

    private static void Initial(SqliteConnection c, SqliteTransaction tx)
    {
        SqliteAnalyticsStore.Exec(c, tx, """
            CREATE TABLE an_trips (vin TEXT NOT NULL, start INTEGER NOT NULL, end_time INTEGER NOT NULL, maker TEXT NOT NULL, day INTEGER NOT NULL,
              distance_km REAL NOT NULL, energy_kwh REAL NOT NULL, soc_used REAL NOT NULL, complete INTEGER NOT NULL, data TEXT NOT NULL,
              PRIMARY KEY (vin, start)) WITHOUT ROWID;
            CREATE INDEX an_trips_start ON an_trips (start);
            CREATE INDEX an_trips_maker_day ON an_trips (maker, day);
            CREATE INDEX an_trips_day ON an_trips (day);
            CREATE TABLE an_charges (vin TEXT NOT NULL, start INTEGER NOT NULL, end_time INTEGER NOT NULL, maker TEXT NOT NULL,
              complete INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (vin, start)) WITHOUT ROWID;
            CREATE INDEX an_charges_start ON an_charges (start);
            CREATE TABLE an_alarms (id TEXT PRIMARY KEY, vin TEXT NOT NULL, start INTEGER NOT NULL, end_time INTEGER, last_seen INTEGER NOT NULL,
              maker TEXT NOT NULL, kind TEXT NOT NULL, peak_level INTEGER NOT NULL, open INTEGER NOT NULL, data TEXT NOT NULL);
            CREATE INDEX an_alarms_vin_start ON an_alarms (vin, start);
            CREATE INDEX an_alarms_start ON an_alarms (start);
            CREATE TABLE an_alarm_handling (alarm_id TEXT PRIMARY KEY, data TEXT NOT NULL);
            CREATE TABLE an_quality (vin TEXT NOT NULL, day INTEGER NOT NULL, maker TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (vin, day)) WITHOUT ROWID;
            CREATE INDEX an_quality_day ON an_quality (day);
            CREATE TABLE an_factors (id TEXT PRIMARY KEY, kind INTEGER NOT NULL, active INTEGER NOT NULL, data TEXT NOT NULL);
            CREATE TABLE an_baselines (class INTEGER PRIMARY KEY, data TEXT NOT NULL);
            CREATE TABLE an_webhooks (id INTEGER PRIMARY KEY AUTOINCREMENT, url TEXT NOT NULL, payload TEXT NOT NULL, attempts INTEGER NOT NULL,
              next_attempt INTEGER NOT NULL, created_at INTEGER NOT NULL, last_error TEXT);
            CREATE INDEX an_webhooks_due ON an_webhooks (next_attempt);
            """);
        foreach (var f in CarbonDefaults.Factors)
        {
            PutFactor(c, tx, f);
        }

        foreach (var b in CarbonDefaults.Baselines)
        {
            PutBaseline(c, tx, b);
        }
    }

    private static void QualityReceipts(SqliteConnection c, SqliteTransaction tx) =>
        SqliteAnalyticsStore.Exec(c, tx, """
            CREATE TABLE an_quality_receipts (vin TEXT NOT NULL, sample_ticks INTEGER NOT NULL, hash INTEGER NOT NULL, received_ticks INTEGER NOT NULL,
              PRIMARY KEY (vin, sample_ticks, hash, received_ticks)) WITHOUT ROWID;
            """);

    private static void ShareLinks(SqliteConnection c, SqliteTransaction tx) =>
        SqliteAnalyticsStore.Exec(c, tx, """
            CREATE TABLE an_shares (id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, vin TEXT NOT NULL, maker TEXT NOT NULL,
              created_at INTEGER NOT NULL, data TEXT NOT NULL);
            CREATE INDEX an_shares_created ON an_shares (created_at);
            CREATE INDEX an_shares_vin ON an_shares (vin, created_at);
            """);
}
