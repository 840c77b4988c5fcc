using System.Globalization;
using Npgsql;

namespace NevHub.Storage.Postgres;

/// <summary>The schema that holds NevHub's tables, shared by the vehicle and analytics stores.</summary>
internal static class PostgresSchema
{
    /// <summary>Pooled connections of a store: searching its schema first, with its command timeout.</summary>
    public static NpgsqlDataSource CreateDataSource(PostgresStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString)
        {
            SearchPath = options.Schema,
            CommandTimeout = options.CommandTimeoutSeconds,
        };
        return NpgsqlDataSource.Create(builder.ConnectionString);
    }

    /// <summary>The highest version recorded in a track's version table.</summary>
    public static async Task<long> VersionAsync(NpgsqlDataSource dataSource, string versionTable, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT COALESCE(MAX(version), 0) FROM {versionTable}", connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    /// <summary>Creates <paramref name="schema"/> when missing (the name is validated by <see cref="PostgresStoreOptions"/>).</summary>
    public static async Task EnsureExistsAsync(NpgsqlConnection connection, string schema, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"CREATE SCHEMA IF NOT EXISTS \"{schema}\"", connection);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateSchema)
        {
            // Another node created it at the same moment.
        }
    }

    /// <summary>
    /// Brings one migration track up to date: creates <paramref name="schema"/> when missing, then in one transaction under the advisory
    /// lock <paramref name="lockKey"/> (an SQL expression; nodes that start together migrate once) applies every step newer than the
    /// highest version in <paramref name="versionTable"/>, recording each. <paramref name="afterStep"/> runs in the same transaction
    /// after each applied step (e.g. to seed data). A database newer than the steps is refused.
    /// </summary>
    public static async Task MigrateAsync(
        NpgsqlConnection connection,
        string schema,
        string versionTable,
        string lockKey,
        IReadOnlyList<(int Version, string Description, string Sql)> steps,
        Func<int, NpgsqlTransaction, Task>? afterStep,
        CancellationToken cancellationToken)
    {
        await EnsureExistsAsync(connection, schema, cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({lockKey})", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, $"""
            CREATE TABLE IF NOT EXISTS {versionTable} (
                version integer PRIMARY KEY,
                description text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """, cancellationToken).ConfigureAwait(false);
        long current;
        await using (var version = new NpgsqlCommand($"SELECT COALESCE(MAX(version), 0) FROM {versionTable}", connection, transaction))
        {
            current = Convert.ToInt64(await version.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }

        var latest = steps[^1].Version;
        if (current > latest)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"The database schema ({versionTable}) is version {current}, newer than this build supports ({latest}). Upgrade NevHub."));
        }

        foreach (var (step, description, sql) in steps)
        {
            if (step <= current)
            {
                continue;
            }

            await ExecuteAsync(connection, transaction, sql, cancellationToken).ConfigureAwait(false);
            if (afterStep is not null)
            {
                await afterStep(step, transaction).ConfigureAwait(false);
            }

            await using var insert = new NpgsqlCommand($"INSERT INTO {versionTable} (version, description) VALUES (@v, @d)", connection, transaction);
            insert.Parameters.AddWithValue("v", step);
            insert.Parameters.AddWithValue("d", description);
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
