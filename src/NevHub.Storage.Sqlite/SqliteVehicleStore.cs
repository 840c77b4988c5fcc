using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace NevHub.Storage.Sqlite;

/// <summary>
/// The embedded <see cref="IVehicleStore"/>: one SQLite file in WAL mode. One writer connection (all writes are serialized and
/// each <see cref="WriteAsync"/> batch is one transaction with prepared statements reused across batches); queries run on
/// separate reader connections, so they never wait for the writer. Schema, keys and durability: docs/storage.md.
/// </summary>
/// <remarks>
/// Times are stored as UTC ticks (exact to 100 ns) and read back with offset zero: equal instants, so records compare equal,
/// but the original offset (e.g. +08:00) is not kept. Thread-safe.
/// </remarks>
public sealed partial class SqliteVehicleStore : IVehicleStore
{
    private const string JournalSizeLimit = "67108864";

    private readonly SqliteStoreOptions _options;
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentBag<SqliteConnection> _idleReaders = [];
    private SqliteConnection? _writer;
    private WriteCommands? _commands;
    private int _idleReaderCount;
    private volatile bool _ready;
    private volatile bool _disposed;

    public SqliteVehicleStore(SqliteStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        DatabasePath = options.DatabasePath;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = false,
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(options.BusyTimeout.TotalSeconds)),
        }.ToString();
    }

    /// <summary>Full path of the database file.</summary>
    public string DatabasePath { get; }

    /// <summary>Creates the store and brings its schema up to date.</summary>
    public static async Task<SqliteVehicleStore> OpenAsync(SqliteStoreOptions options, CancellationToken cancellationToken = default)
    {
        var store = new SqliteVehicleStore(options);
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

    /// <summary>The schema version of the open database.</summary>
    public async Task<long> GetSchemaVersionAsync(CancellationToken cancellationToken = default)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        using var lease = RentReader();
        return SqliteMigrations.CurrentVersion(lease.Connection, null);
    }

    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var writer = OpenWriter();
            SqliteMigrations.Apply(writer);
            _commands ??= new WriteCommands(writer);
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
            _commands?.Dispose();
            _commands = null;
            _writer?.Dispose();
            _writer = null;
            while (_idleReaders.TryTake(out var reader))
            {
                reader.Dispose();
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async ValueTask EnsureReadyAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_ready)
        {
            await MigrateAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Opens the writer connection once (caller holds the write lock).</summary>
    private SqliteConnection OpenWriter()
    {
        if (_writer is not null)
        {
            return _writer;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();

            // page_size only takes effect before the first table exists; it must precede the switch to WAL.
            Pragma(connection, "page_size", _options.PageSize.ToString(CultureInfo.InvariantCulture));
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "PRAGMA journal_mode = WAL";
                var mode = command.ExecuteScalar() as string;
                if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                {
                    throw new InvalidOperationException($"SQLite refused WAL mode for {DatabasePath} (journal_mode = {mode}).");
                }
            }

            Pragma(connection, "synchronous", _options.Synchronous == SqliteSynchronous.Full ? "FULL" : "NORMAL");
            Pragma(connection, "busy_timeout", ((long)_options.BusyTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
            Pragma(connection, "cache_size", (-_options.CacheSizeKib).ToString(CultureInfo.InvariantCulture));
            Pragma(connection, "temp_store", "MEMORY");
            Pragma(connection, "wal_autocheckpoint", _options.WalAutoCheckpointPages.ToString(CultureInfo.InvariantCulture));
            Pragma(connection, "journal_size_limit", JournalSizeLimit);
            Pragma(connection, "mmap_size", _options.MmapSizeBytes.ToString(CultureInfo.InvariantCulture));
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        _writer = connection;
        return connection;
    }

    private SqliteConnection OpenReader()
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            Pragma(connection, "busy_timeout", ((long)_options.BusyTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
            Pragma(connection, "cache_size", (-_options.ReaderCacheSizeKib).ToString(CultureInfo.InvariantCulture));
            Pragma(connection, "mmap_size", _options.MmapSizeBytes.ToString(CultureInfo.InvariantCulture));
            Pragma(connection, "query_only", "ON");
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        return connection;
    }

    private ReaderLease RentReader()
    {
        if (_idleReaders.TryTake(out var connection))
        {
            Interlocked.Decrement(ref _idleReaderCount);
            return new ReaderLease(this, connection);
        }

        return new ReaderLease(this, OpenReader());
    }

    private void ReturnReader(SqliteConnection connection)
    {
        // Keep up to ReaderConnections idle; close the rest, and everything once the store is disposed.
        if (!_disposed && Interlocked.Increment(ref _idleReaderCount) <= _options.ReaderConnections)
        {
            _idleReaders.Add(connection);
            if (_disposed && _idleReaders.TryTake(out var late))
            {
                late.Dispose(); // DisposeAsync ran while this was being returned
            }

            return;
        }

        if (!_disposed)
        {
            Interlocked.Decrement(ref _idleReaderCount);
        }

        connection.Dispose();
    }

    private static void Pragma(SqliteConnection connection, string name, string value)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA " + name + " = " + value;
        command.ExecuteNonQuery();
    }

    private int PageLimit(int limit, string name)
    {
        if (limit < 1)
        {
            throw new ArgumentOutOfRangeException(name, limit, "The page size must be at least 1.");
        }

        return Math.Min(limit, _options.MaxPageSize);
    }

    private static long Ticks(DateTimeOffset time) => time.UtcTicks;

    private static DateTimeOffset Time(long ticks) => new(ticks, TimeSpan.Zero);

    /// <summary>A terminal's time (sample time) reads back at the terminals' offset (<see cref="Domain.DeviceTime"/>).</summary>
    private static DateTimeOffset DeviceTime(long ticks) => Domain.DeviceTime.Of(Time(ticks));

    private readonly struct ReaderLease : IDisposable
    {
        private readonly SqliteVehicleStore _store;

        public ReaderLease(SqliteVehicleStore store, SqliteConnection connection)
        {
            _store = store;
            Connection = connection;
        }

        public SqliteConnection Connection { get; }

        public void Dispose() => _store.ReturnReader(Connection);
    }
}
