namespace NevHub.Storage;

/// <summary>Settings of the <see cref="GroupCommitWriter"/>. Defaults suit one embedded SQLite store at tens of thousands of records per second.</summary>
public sealed class GroupCommitOptions
{
    /// <summary>Most records (samples + raw frames) written in one transaction. Default 4096.</summary>
    public int MaxBatchSize { get; set; } = 4096;

    /// <summary>
    /// Most enqueued requests waiting for the writer (each request is a sample and/or a raw frame, or one <see cref="IngestBatch"/>).
    /// When the queue is full, producers wait (back-pressure). Default 65,536.
    /// </summary>
    public int QueueCapacity { get; set; } = 65_536;

    /// <summary>
    /// Upper bound on how long the writer keeps collecting one batch while records keep arriving. The writer never waits to fill a
    /// batch: it writes as soon as the queue is drained (or the batch is full), so under load a batch is whatever arrived during the
    /// previous write. Default 200 ms; at most 10 s.
    /// </summary>
    public TimeSpan CommitWindow { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>First delay before retrying a failed write; doubles per failure up to <see cref="RetryMaxDelay"/>. Default 100 ms.</summary>
    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest delay between retries of a failed write. Default 5 s.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long <see cref="GroupCommitWriter.DisposeAsync"/> keeps draining (and retrying) before it gives up and faults the tasks of
    /// the records not yet durable, so their producers never acknowledge them. Default 30 s.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Called on every failed write attempt (the writer retries); use it to log. Runs on the writer loop: keep it quick.</summary>
    public Action<Exception, int>? OnWriteError { get; set; }

    public void Validate()
    {
        if (MaxBatchSize is < 1 or > 1_000_000)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBatchSize), MaxBatchSize, "Must be between 1 and 1,000,000.");
        }

        if (QueueCapacity is < 1 or > 10_000_000)
        {
            throw new ArgumentOutOfRangeException(nameof(QueueCapacity), QueueCapacity, "Must be between 1 and 10,000,000.");
        }

        if (CommitWindow < TimeSpan.Zero || CommitWindow > TimeSpan.FromSeconds(10))
        {
            throw new ArgumentOutOfRangeException(nameof(CommitWindow), CommitWindow, "Must be between 0 and 10 s.");
        }

        if (RetryInitialDelay <= TimeSpan.Zero || RetryMaxDelay < RetryInitialDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(RetryInitialDelay), RetryInitialDelay, "Must be positive and at most RetryMaxDelay.");
        }

        if (ShutdownTimeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ShutdownTimeout), ShutdownTimeout, "Must not be negative.");
        }
    }
}
