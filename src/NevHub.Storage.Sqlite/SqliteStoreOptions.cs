namespace NevHub.Storage.Sqlite;

/// <summary>How SQLite makes a commit durable (PRAGMA synchronous), in WAL mode.</summary>
public enum SqliteSynchronous
{
    /// <summary>
    /// fsync the WAL on every commit. An acknowledged batch survives a process crash (SIGKILL) and an OS crash or power loss.
    /// The default: group commit amortizes the fsync over a whole batch.
    /// </summary>
    Full = 2,

    /// <summary>
    /// No fsync on commit (only at checkpoints). An acknowledged batch survives a process crash (SIGKILL), because the WAL is in
    /// the OS page cache, but the last commits may be lost on an OS crash or power loss. Faster on slow disks.
    /// </summary>
    Normal = 1,
}

/// <summary>Settings of <see cref="SqliteVehicleStore"/> (configuration section <c>Storage:Sqlite</c>).</summary>
public sealed class SqliteStoreOptions
{
    /// <summary>Folder of the database file; created when missing. Default <c>data</c> (relative to the working directory).</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>Name of the database file inside <see cref="DataDirectory"/>. Default <c>nevhub.db</c>.</summary>
    public string FileName { get; set; } = "nevhub.db";

    /// <summary>Durability of a commit. Default <see cref="SqliteSynchronous.Full"/>; see docs/storage.md.</summary>
    public SqliteSynchronous Synchronous { get; set; } = SqliteSynchronous.Full;

    /// <summary>Page cache of the writer connection in KiB (PRAGMA cache_size = -N). Default 65,536 (64 MiB).</summary>
    public int CacheSizeKib { get; set; } = 65_536;

    /// <summary>Page cache of each reader connection in KiB. Default 16,384 (16 MiB).</summary>
    public int ReaderCacheSizeKib { get; set; } = 16_384;

    /// <summary>Database page size in bytes, applied only when the file is created (a power of two, 4096–65536). Default 4096.</summary>
    public int PageSize { get; set; } = 4096;

    /// <summary>How long a connection waits for a lock held by another connection or process. Default 5 s.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Idle reader connections kept open for queries (more are opened on demand and closed after use). Default 4.</summary>
    public int ReaderConnections { get; set; } = 4;

    /// <summary>WAL pages after which a commit checkpoints the WAL into the database (PRAGMA wal_autocheckpoint). Default 4000 (16 MB at 4 KiB pages).</summary>
    public int WalAutoCheckpointPages { get; set; } = 4000;

    /// <summary>Memory-mapped I/O for reads, in bytes (PRAGMA mmap_size); 0 disables. Default 256 MiB.</summary>
    public long MmapSizeBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Rows deleted per retention transaction, so a purge never holds the write lock for long. Default 5,000.</summary>
    public int PurgeChunkSize { get; set; } = 5_000;

    /// <summary>Largest page a query returns; a larger <c>Limit</c> is reduced to this. Default 10,000.</summary>
    public int MaxPageSize { get; set; } = 10_000;

    /// <summary>VIN-to-key mappings the writer caches in memory. Default 1,000,000 (about 100 MB at that size).</summary>
    public int VinCacheSize { get; set; } = 1_000_000;

    /// <summary>Full path of the database file.</summary>
    public string DatabasePath => Path.GetFullPath(Path.Combine(DataDirectory, FileName));

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            throw new ArgumentException("DataDirectory is required.", nameof(DataDirectory));
        }

        if (string.IsNullOrWhiteSpace(FileName) || FileName.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || FileName.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException("FileName must be a plain file name.", nameof(FileName));
        }

        if (!Enum.IsDefined(Synchronous))
        {
            throw new ArgumentOutOfRangeException(nameof(Synchronous), Synchronous, "Must be Full or Normal.");
        }

        Check(CacheSizeKib, 256, 64 * 1024 * 1024, nameof(CacheSizeKib));
        Check(ReaderCacheSizeKib, 256, 64 * 1024 * 1024, nameof(ReaderCacheSizeKib));
        if (PageSize is < 4096 or > 65536 || (PageSize & (PageSize - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(PageSize), PageSize, "Must be a power of two between 4096 and 65536.");
        }

        if (BusyTimeout < TimeSpan.Zero || BusyTimeout > TimeSpan.FromMinutes(10))
        {
            throw new ArgumentOutOfRangeException(nameof(BusyTimeout), BusyTimeout, "Must be between 0 and 10 minutes.");
        }

        Check(ReaderConnections, 0, 256, nameof(ReaderConnections));
        Check(WalAutoCheckpointPages, 100, 10_000_000, nameof(WalAutoCheckpointPages));
        if (MmapSizeBytes < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MmapSizeBytes), MmapSizeBytes, "Must not be negative.");
        }

        Check(PurgeChunkSize, 1, 1_000_000, nameof(PurgeChunkSize));
        Check(MaxPageSize, 1, 1_000_000, nameof(MaxPageSize));
        Check(VinCacheSize, 1, 100_000_000, nameof(VinCacheSize));
    }

    private static void Check(int value, int min, int max, string name)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(name, value, $"Must be between {min} and {max}.");
        }
    }
}
