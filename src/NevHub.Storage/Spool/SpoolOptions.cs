namespace NevHub.Storage.Spool;

/// <summary>Settings of the <see cref="SpoolingVehicleStore"/>. Section "NevHub:Storage:Spool".</summary>
public sealed class SpoolOptions
{
    public const string Section = "NevHub:Storage:Spool";

    /// <summary>Directory of the spool segments (created when missing). Required; the host puts it in the data directory ("spool").</summary>
    public string Directory { get; set; } = "";

    /// <summary>How long one store write may take before the batch is spooled instead. Default 10 s.</summary>
    public TimeSpan StoreWriteTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>First delay before the replayer tries the store again after a failure; doubles up to <see cref="ReplayMaxDelay"/>. Default 250 ms.</summary>
    public TimeSpan ReplayInitialDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest delay between replay attempts. Default 5 s.</summary>
    public TimeSpan ReplayMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Most records (samples + raw frames) one replay transaction carries; consecutive spooled batches are merged up to it. Default 8192.</summary>
    public int ReplayBatchRecords { get; set; } = 8192;

    /// <summary>A segment is closed and a new one started past this size. Default 64 MiB.</summary>
    public long SegmentBytes { get; set; } = 64L << 20;

    /// <summary>Called when a store write fails and the batch is spooled, or a replay attempt fails; use it to log.</summary>
    public Action<Exception>? OnStoreError { get; set; }

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Directory))
        {
            throw new ArgumentException("The spool directory is required.", nameof(Directory));
        }

        if (StoreWriteTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(StoreWriteTimeout), StoreWriteTimeout, "Must be positive.");
        }

        if (ReplayInitialDelay <= TimeSpan.Zero || ReplayMaxDelay < ReplayInitialDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(ReplayInitialDelay), ReplayInitialDelay, "Must be positive and at most ReplayMaxDelay.");
        }

        if (ReplayBatchRecords is < 1 or > 1_000_000)
        {
            throw new ArgumentOutOfRangeException(nameof(ReplayBatchRecords), ReplayBatchRecords, "Must be between 1 and 1,000,000.");
        }

        if (SegmentBytes < 4096)
        {
            throw new ArgumentOutOfRangeException(nameof(SegmentBytes), SegmentBytes, "Must be at least 4096.");
        }
    }
}
