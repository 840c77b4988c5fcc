using NevHub.Domain;

namespace NevHub.Storage;

/// <summary>
/// Durable storage of vehicles, sessions, samples and raw frames. Every write is idempotent on a natural key,
/// so reissue, replay and redelivery never duplicate data. Implementations: SQLite (embedded) and PostgreSQL.
/// </summary>
public interface IVehicleStore : IAsyncDisposable
{
    /// <summary>Creates or upgrades the schema. Safe to call on every start.</summary>
    Task MigrateAsync(CancellationToken cancellationToken = default);

    /// <summary>Inserts or updates a vehicle by VIN. Returns true when it was new. Throws <see cref="TerminalPhoneConflictException"/> when its terminal phone is bound to another vehicle.</summary>
    Task<bool> UpsertVehicleAsync(Vehicle vehicle, CancellationToken cancellationToken = default);

    Task<Vehicle?> GetVehicleAsync(string vin, CancellationToken cancellationToken = default);

    /// <summary>
    /// The vehicle bound to a JT/T 808 terminal, by its phone number in canonical form (<see cref="TerminalPhoneNumber.Normalize"/>;
    /// the argument is normalised first). A phone is bound to at most one vehicle: <see cref="UpsertVehicleAsync"/> throws
    /// <see cref="TerminalPhoneConflictException"/> when another vehicle already holds it.
    /// </summary>
    Task<Vehicle?> GetVehicleByTerminalAsync(string terminalPhone, CancellationToken cancellationToken = default);

    Task<Page<Vehicle>> ListVehiclesAsync(VehicleQuery query, CancellationToken cancellationToken = default);

    /// <summary>Inserts or updates a session by its id.</summary>
    Task SaveSessionAsync(VehicleSession session, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<VehicleSession>> ListSessionsAsync(string vin, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes a batch in one transaction and returns once it is durable (group commit).
    /// A sample whose (VIN, sample time, content) is already stored is skipped; the same holds for raw frames.
    /// </summary>
    Task<WriteResult> WriteAsync(IngestBatch batch, CancellationToken cancellationToken = default);

    /// <summary>The newest sample of every vehicle, by sample time; used to restore the live twin at start.</summary>
    Task<IReadOnlyList<VehicleSample>> GetLatestSamplesAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// One vehicle's samples in a time range, ordered by sample time, paged by a keyset cursor.
    /// A cursor this store did not issue for this kind of query throws <see cref="InvalidCursorException"/> (an <see cref="ArgumentException"/>).
    /// </summary>
    Task<Page<VehicleSample>> GetSamplesAsync(SampleQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// One vehicle's raw frames in a receive-time range, ordered by receive time, paged by a keyset cursor.
    /// A cursor this store did not issue for this kind of query throws <see cref="InvalidCursorException"/>.
    /// </summary>
    Task<Page<RawFrame>> GetRawFramesAsync(RawFrameQuery query, CancellationToken cancellationToken = default);

    /// <summary>Deletes samples and raw frames older than <paramref name="cutoff"/> (retention). Returns the number of rows removed.</summary>
    Task<long> PurgeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default);
}

/// <summary>What one group commit carries.</summary>
public sealed record IngestBatch(IReadOnlyList<VehicleSample> Samples, IReadOnlyList<RawFrame> RawFrames)
{
    public static IngestBatch Empty { get; } = new([], []);

    public int Count => Samples.Count + RawFrames.Count;
}

/// <summary>How many records a write stored, and how many it skipped as duplicates.</summary>
public readonly record struct WriteResult(int SamplesStored, int SamplesDuplicate, int RawFramesStored, int RawFramesDuplicate);

/// <summary>A page of results and the opaque cursor for the next page (null on the last page).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

public sealed record VehicleQuery
{
    /// <summary>Only vehicles of these makers (tenant scope); null = all makers.</summary>
    public IReadOnlyCollection<string>? Makers { get; init; }

    public VehicleClass? Class { get; init; }

    /// <summary>Case-insensitive substring of VIN, model or plate.</summary>
    public string? Search { get; init; }

    /// <summary>Page size, at least 1 (a store may cap it).</summary>
    public int Limit { get; init; } = 100;

    public string? Cursor { get; init; }
}

public sealed record SampleQuery
{
    public required string Vin { get; init; }

    /// <summary>Inclusive lower bound of the sample time.</summary>
    public DateTimeOffset From { get; init; } = DateTimeOffset.MinValue;

    /// <summary>Exclusive upper bound of the sample time.</summary>
    public DateTimeOffset To { get; init; } = DateTimeOffset.MaxValue;

    public int Limit { get; init; } = 500;

    public string? Cursor { get; init; }

    /// <summary>Also load cell voltages, probe temperatures and motors.</summary>
    public bool IncludeDetail { get; init; }

    /// <summary>Newest first instead of oldest first.</summary>
    public bool Descending { get; init; }
}

public sealed record RawFrameQuery
{
    public required string Vin { get; init; }

    /// <summary>Inclusive lower bound of the receive time.</summary>
    public DateTimeOffset From { get; init; } = DateTimeOffset.MinValue;

    /// <summary>Exclusive upper bound of the receive time.</summary>
    public DateTimeOffset To { get; init; } = DateTimeOffset.MaxValue;

    public int Limit { get; init; } = 500;

    public string? Cursor { get; init; }
}
