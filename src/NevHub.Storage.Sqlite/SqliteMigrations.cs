using System.Globalization;
using Microsoft.Data.Sqlite;

namespace NevHub.Storage.Sqlite;

/// <summary>
/// Ordered schema steps. Each runs in its own transaction together with its row in <c>schema_version</c>, so a crash mid-way
/// leaves the previous version; a started process re-checks the version inside the transaction, so concurrent starts are safe.
/// Never edit a released step: append a new one.
/// </summary>
internal static class SqliteMigrations
{
    /// <summary>
    /// Width of the time buckets that lead the sample and raw-frame keys: (bucket, vin_id, time, hash). Part of the schema:
    /// never change it for existing files. See docs/storage.md ("Bucketed keys").
    /// </summary>
    public const long BucketTicks = 60 * TimeSpan.TicksPerSecond;

    public static long Bucket(long ticks) => ticks / BucketTicks;

    /// <summary>UTC day of a time: the granularity of <c>vin_days</c>, the per-vehicle directory of days that have data.</summary>
    public static long Day(long ticks) => ticks / TimeSpan.TicksPerDay;

    public const long BucketsPerDay = TimeSpan.TicksPerDay / BucketTicks;

    /// <summary><c>vin_days.kind</c> of samples (by sample time).</summary>
    public const int SampleDays = 0;

    /// <summary><c>vin_days.kind</c> of raw frames (by receive time).</summary>
    public const int FrameDays = 1;

    public static readonly IReadOnlyList<(int Version, string Description, string Sql)> Steps =
    [
        (1, "vehicles, sessions, samples, details, latest, raw frames", """
            CREATE TABLE vehicles (
                vin TEXT NOT NULL PRIMARY KEY,
                maker TEXT NOT NULL,
                model TEXT NOT NULL,
                class INTEGER NOT NULL,
                battery_capacity_kwh REAL NOT NULL,
                chemistry INTEGER NOT NULL,
                plate TEXT,
                auto_registered INTEGER NOT NULL,
                registered_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX vehicles_maker ON vehicles (maker, vin);

            CREATE TABLE sessions (
                session_id TEXT NOT NULL PRIMARY KEY,
                vin TEXT NOT NULL,
                protocol INTEGER NOT NULL,
                login_at INTEGER NOT NULL,
                remote_endpoint TEXT NOT NULL,
                login_serial INTEGER NOT NULL,
                iccid TEXT,
                pack_codes TEXT,
                logout_at INTEGER,
                end_reason TEXT
            );
            CREATE INDEX sessions_vin_login ON sessions (vin, login_at);

            CREATE TABLE vin_keys (
                id INTEGER PRIMARY KEY,
                vin TEXT NOT NULL UNIQUE
            );

            CREATE TABLE samples (
                id INTEGER PRIMARY KEY,
                vin_id INTEGER NOT NULL,
                sample_time INTEGER NOT NULL,
                content_hash INTEGER NOT NULL,
                received_at INTEGER NOT NULL,
                protocol INTEGER NOT NULL,
                kind INTEGER NOT NULL,
                vehicle_state INTEGER,
                charging_state INTEGER,
                run_mode INTEGER,
                speed_kmh REAL,
                odometer_km REAL,
                pack_voltage_v REAL,
                pack_current_a REAL,
                soc_percent REAL,
                dcdc_working INTEGER,
                gear TEXT,
                insulation_kohm REAL,
                accelerator_percent REAL,
                brake_percent REAL,
                latitude REAL,
                longitude REAL,
                position_valid INTEGER NOT NULL,
                coordinates INTEGER NOT NULL,
                heading_degrees REAL,
                altitude_m REAL,
                alarm_level INTEGER,
                alarm_flags INTEGER NOT NULL,
                fault_codes TEXT,
                max_cell_voltage_v REAL,
                min_cell_voltage_v REAL,
                max_temperature_c REAL,
                min_temperature_c REAL,
                invalid_mask INTEGER NOT NULL,
                abnormal_mask INTEGER NOT NULL,
                bucket INTEGER NOT NULL
            );
            CREATE UNIQUE INDEX samples_key ON samples (bucket, vin_id, sample_time, content_hash);

            CREATE TABLE sample_details (
                sample_id INTEGER PRIMARY KEY,
                data BLOB NOT NULL
            );
            CREATE TRIGGER samples_delete_detail AFTER DELETE ON samples
            BEGIN
                DELETE FROM sample_details WHERE sample_id = old.id;
            END;

            CREATE TABLE vehicle_latest (
                vin_id INTEGER PRIMARY KEY,
                sample_time INTEGER,
                sample_id INTEGER,
                first_sample_time INTEGER,
                first_frame_time INTEGER,
                last_frame_time INTEGER
            );

            CREATE TABLE raw_frames (
                id INTEGER PRIMARY KEY,
                vin_id INTEGER NOT NULL,
                received_at INTEGER NOT NULL,
                bytes_hash INTEGER NOT NULL,
                protocol INTEGER NOT NULL,
                command INTEGER NOT NULL,
                sample_time INTEGER,
                bytes BLOB NOT NULL,
                bucket INTEGER NOT NULL
            );
            CREATE UNIQUE INDEX raw_frames_key ON raw_frames (bucket, vin_id, received_at, bytes_hash);

            CREATE TABLE vin_days (
                vin_id INTEGER NOT NULL,
                kind INTEGER NOT NULL,
                day INTEGER NOT NULL,
                PRIMARY KEY (vin_id, kind, day)
            ) WITHOUT ROWID;
            """),
        (2, "JT/T 808 terminal binding: vehicles.terminal_phone", """
            ALTER TABLE vehicles ADD COLUMN terminal_phone TEXT;
            CREATE UNIQUE INDEX vehicles_terminal_phone ON vehicles (terminal_phone) WHERE terminal_phone IS NOT NULL;
            """),
    ];

    public static int LatestVersion => Steps[^1].Version;

    /// <summary>Brings the schema up to <see cref="LatestVersion"/>; returns the number of steps applied.</summary>
    public static int Apply(SqliteConnection connection)
    {
        Execute(connection, null, """
            CREATE TABLE IF NOT EXISTS schema_version (
                version INTEGER PRIMARY KEY,
                description TEXT NOT NULL,
                applied_at INTEGER NOT NULL
            )
            """);

        var applied = 0;
        foreach (var (version, description, sql) in Steps)
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            var current = CurrentVersion(connection, transaction);
            if (current > LatestVersion)
            {
                throw new InvalidOperationException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"The database schema is version {current}, newer than this build supports ({LatestVersion}). Upgrade NevHub."));
            }

            if (current >= version)
            {
                continue;
            }

            Execute(connection, transaction, sql);
            using (var insert = connection.CreateCommand())
            {
                insert.Transaction = transaction;
                insert.CommandText = "INSERT INTO schema_version (version, description, applied_at) VALUES ($v, $d, $t)";
                insert.Parameters.AddWithValue("$v", version);
                insert.Parameters.AddWithValue("$d", description);
                insert.Parameters.AddWithValue("$t", DateTimeOffset.UtcNow.UtcTicks);
                insert.ExecuteNonQuery();
            }

            transaction.Commit();
            applied++;
        }

        using (var transaction = connection.BeginTransaction(deferred: true))
        {
            var current = CurrentVersion(connection, transaction);
            if (current > LatestVersion)
            {
                throw new InvalidOperationException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"The database schema is version {current}, newer than this build supports ({LatestVersion}). Upgrade NevHub."));
            }
        }

        return applied;
    }

    public static long CurrentVersion(SqliteConnection connection, SqliteTransaction? transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_version";
        return (long)command.ExecuteScalar()!;
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
