using System.Globalization;
using Npgsql;

namespace NevHub.Storage.Postgres;

/// <summary>
/// The production <see cref="IVehicleStore"/> on PostgreSQL. Writes go through one dedicated writer connection: each batch is
/// binary-COPYed into session-local staging tables and moved into the real tables with <c>INSERT … ON CONFLICT DO NOTHING</c>
/// (idempotent on the natural keys), in one transaction. Queries run on pooled reader connections. <c>samples</c> and
/// <c>raw_frames</c> are partitioned by day; retention drops whole partitions. Schema and sizing: docs/operations.md.
/// </summary>
/// <remarks>
/// Times are stored as <c>timestamptz</c>, i.e. to the microsecond (a .NET time's last digit of 100 ns is dropped), and read back
/// with offset zero. Keys, content hashes (<see cref="SampleContentHash"/>), detail blobs (<see cref="SampleDetailCodec"/>) and
/// cursors (<see cref="PageCursor"/>) are the same as the SQLite store's. Thread-safe; several processes may share one database.
/// </remarks>
public sealed partial class PostgresVehicleStore : IVehicleStore
{
    private readonly PostgresStoreOptions _options;
    private readonly NpgsqlDataSource _dataSource;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly HashSet<(char Table, long Day)> _partitions = [];
    private long _partitionsAheadFrom = long.MinValue;
    private volatile bool _ready;
    private volatile bool _disposed;

    public PostgresVehicleStore(PostgresStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _dataSource = PostgresSchema.CreateDataSource(options);
        _options = options;
    }

    /// <summary>Creates the store and brings its schema up to date.</summary>
    public static async Task<PostgresVehicleStore> OpenAsync(PostgresStoreOptions options, CancellationToken cancellationToken = default)
    {
        var store = new PostgresVehicleStore(options);
        try
        {
            await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
            return store;
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The schema version of the database.</summary>
    public async Task<long> GetSchemaVersionAsync(CancellationToken cancellationToken = default)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        return await PostgresSchema.VersionAsync(_dataSource, "schema_version", cancellationToken).ConfigureAwait(false);
    }

    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await PostgresSchema.MigrateAsync(connection, _options.Schema, "schema_version", MigrationLockKey, PostgresMigrations.Steps, afterStep: null,
                cancellationToken).ConfigureAwait(false);
            _partitions.Clear();
            _partitionsAheadFrom = long.MinValue;
            await EnsurePartitionsAheadAsync(cancellationToken).ConfigureAwait(false);
            _ready = true;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            if (_writer is not null)
            {
                await _writer.DisposeAsync().ConfigureAwait(false);
                _writer = null;
            }

            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>The advisory-lock key of this schema's migrations and partition DDL (per schema, so test schemas do not contend).</summary>
    private string MigrationLockKey => $"hashtext('nevhub.ddl.{_options.Schema}')";

    private async ValueTask EnsureReadyAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_ready)
        {
            await MigrateAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private int PageLimit(int limit, string name)
    {
        if (limit < 1)
        {
            throw new ArgumentOutOfRangeException(name, limit, "The page size must be at least 1.");
        }

        return Math.Min(limit, _options.MaxPageSize);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A time as PostgreSQL stores it: UTC, truncated to the microsecond.</summary>
    private static DateTime Db(DateTimeOffset time) => new(time.UtcTicks - (time.UtcTicks % 10), DateTimeKind.Utc);

    private static DateTime DbTicks(long ticks) => new(ticks, DateTimeKind.Utc);

    private static DateTimeOffset Time(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc).Ticks, TimeSpan.Zero);

    /// <summary>Ticks rounded up to a whole microsecond (bounds against microsecond-truncated stored times).</summary>
    private static long CeilMicro(long ticks) => ticks % 10 == 0 ? ticks : ticks + (10 - (ticks % 10));

    /// <summary>The UTC day of a time (partition granularity).</summary>
    private static long Day(DateTime utc) => utc.Ticks / TimeSpan.TicksPerDay;
}
