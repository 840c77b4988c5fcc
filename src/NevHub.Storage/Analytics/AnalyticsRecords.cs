using NevHub.Domain;

namespace NevHub.Storage.Analytics;

/// <summary>One point of a trip's simplified route (WGS-84 or whatever the terminal sent), with its sample time.</summary>
public sealed record RoutePoint(DateTimeOffset Time, double Latitude, double Longitude);

/// <summary>
/// A trip (ride): one ignition cycle with movement, derived from samples. Natural key: (<see cref="Vin"/>, <see cref="Start"/>).
/// Re-derived whenever late or reissued data touches it: it may then be replaced by trips with other keys.
/// </summary>
public sealed record Trip
{
    public required string Vin { get; init; }

    /// <summary>The vehicle's maker (tenant), filled in by the analytics writer; empty for an unregistered vehicle.</summary>
    public string Maker { get; init; } = "";

    /// <summary>Sample time of the first moving sample.</summary>
    public required DateTimeOffset Start { get; init; }

    /// <summary>Sample time of the last sample of the trip.</summary>
    public required DateTimeOffset End { get; init; }

    public double? StartLatitude { get; init; }

    public double? StartLongitude { get; init; }

    public double? EndLatitude { get; init; }

    public double? EndLongitude { get; init; }

    public string? StartPlace { get; init; }

    public string? EndPlace { get; init; }

    public double? StartOdometerKm { get; init; }

    public double? EndOdometerKm { get; init; }

    /// <summary>Sum of plausible odometer increases (an odometer reset or jump is bridged by the GPS distance of that step).</summary>
    public double DistanceOdometerKm { get; init; }

    /// <summary>Haversine distance over the valid positions.</summary>
    public double DistanceGpsKm { get; init; }

    public double MaxSpeedKmh { get; init; }

    /// <summary>Distance / duration.</summary>
    public double AvgSpeedKmh { get; init; }

    /// <summary>Net energy out of the pack terminals, ∫V·I dt (regeneration subtracted), trapezoidal over sample intervals up to the max gap.</summary>
    public double EnergyKwh { get; init; }

    public double? StartSoc { get; init; }

    public double? EndSoc { get; init; }

    public int Samples { get; init; }

    /// <summary>False while the trip may still grow (the vehicle has not been seen off, parked or silent long enough).</summary>
    public bool Complete { get; init; }

    /// <summary>True when a step of the odometer went backwards or jumped implausibly within the trip.</summary>
    public bool OdometerAnomaly { get; init; }

    /// <summary>Douglas–Peucker simplification of the valid positions, bounded in size.</summary>
    public IReadOnlyList<RoutePoint> Route { get; init; } = [];

    public TimeSpan Duration => End - Start;

    public double? SocUsed => StartSoc is { } a && EndSoc is { } b ? a - b : null;

    /// <summary>Distance used for efficiency and carbon: odometer when it moved, else GPS.</summary>
    public double DistanceKm => DistanceOdometerKm > 0 ? DistanceOdometerKm : DistanceGpsKm;
}

public enum ChargeType
{
    Unknown = 0,
    AC = 1,
    DC = 2,
}

/// <summary>
/// A charging session. Natural key: (<see cref="Vin"/>, <see cref="Start"/>). <see cref="Reconstructed"/> sessions are
/// inferred from a SOC rise while the vehicle was parked and silent; their energy is ΔSOC × capacity (computed on read).
/// </summary>
public sealed record ChargeSession
{
    public required string Vin { get; init; }

    public string Maker { get; init; } = "";

    public required DateTimeOffset Start { get; init; }

    public required DateTimeOffset End { get; init; }

    public double? StartSoc { get; init; }

    public double? EndSoc { get; init; }

    /// <summary>Energy into the pack terminals, ∫V·(−I) dt; 0 for reconstructed sessions.</summary>
    public double EnergyInKwh { get; init; }

    public double AvgPowerKw { get; init; }

    public double PeakPowerKw { get; init; }

    public ChargeType Type { get; init; }

    public double? Latitude { get; init; }

    public double? Longitude { get; init; }

    public string? Place { get; init; }

    public int Samples { get; init; }

    public bool Reconstructed { get; init; }

    public bool Complete { get; init; }

    public TimeSpan Duration => End - Start;
}

/// <summary>A change of level within an alarm episode.</summary>
public sealed record AlarmLevelChange(DateTimeOffset Time, int Level);

/// <summary>
/// An alarm episode of one kind (a general alarm flag, or a fault code) of one vehicle: opened, escalated, cleared.
/// <see cref="Id"/> is stable across re-derivation (an episode that late data moves keeps the id of the one it overlaps).
/// </summary>
public sealed record AlarmEpisode
{
    public required string Id { get; init; }

    public required string Vin { get; init; }

    public string Maker { get; init; } = "";

    /// <summary>Flag name (GB/T 32960 §7.8, e.g. "HighTemperature") or "Fault:XXXXXXXX" for a fault code.</summary>
    public required string Kind { get; init; }

    /// <summary>The general-flag bit, or null for a fault code.</summary>
    public int? Bit { get; init; }

    public required DateTimeOffset Start { get; init; }

    /// <summary>Sample time of the last sample with the alarm set; null while open.</summary>
    public DateTimeOffset? End { get; init; }

    /// <summary>Sample time of the last sample with the alarm set (also while open).</summary>
    public required DateTimeOffset LastSeen { get; init; }

    public int FirstLevel { get; init; }

    public int PeakLevel { get; init; }

    public IReadOnlyList<AlarmLevelChange> Levels { get; init; } = [];

    public int Samples { get; init; }

    /// <summary>For level ≥ 3: the sample-time range of the high-frequency data (30 s before the start until cleared), else null.</summary>
    public DateTimeOffset? WindowFrom { get; init; }

    public DateTimeOffset? WindowTo { get; init; }

    public bool Open => End is null;
}

public enum AlarmStatus
{
    New = 0,
    Acknowledged = 1,
    Closed = 2,
}

/// <summary>A note an operator added to an alarm.</summary>
public sealed record AlarmNote(DateTimeOffset At, string By, string Text);

/// <summary>The operators' handling of an alarm (kept apart from the derived episode, keyed by the episode id).</summary>
public sealed record AlarmHandling
{
    public required string AlarmId { get; init; }

    public AlarmStatus Status { get; init; }

    public DateTimeOffset? AcknowledgedAt { get; init; }

    public string? AcknowledgedBy { get; init; }

    public DateTimeOffset? ClosedAt { get; init; }

    public string? ClosedBy { get; init; }

    public string? Cause { get; init; }

    public IReadOnlyList<AlarmNote> Notes { get; init; } = [];
}

/// <summary>Per vehicle per UTC day (by sample time) data-quality counters. Natural key (Vin, Day).</summary>
public sealed record QualityDay
{
    public required string Vin { get; init; }

    public string Maker { get; init; } = "";

    public required DateOnly Day { get; init; }

    public long Frames { get; init; }

    public long Realtime { get; init; }

    public long Reissue { get; init; }

    public long Duplicates { get; init; }

    /// <summary>Seconds covered by data: Σ min(gap between consecutive samples, the coverage cap).</summary>
    public double CoveredSeconds { get; init; }

    /// <summary>Frames expected at the report period over the covered time.</summary>
    public double ExpectedFrames { get; init; }

    /// <summary>Receipt − sample time histogram; bucket upper bounds in <see cref="QualityBuckets.LatencySeconds"/>.</summary>
    public IReadOnlyList<long> Latency { get; init; } = [];

    /// <summary>Realtime frames only: Σ and max of |receipt − sample time| in seconds, and count.</summary>
    public double ClockDriftSumSeconds { get; init; }

    public double ClockDriftMaxSeconds { get; init; }

    public long ClockDriftSamples { get; init; }

    /// <summary>Realtime frames whose sample time was more than the drift limit ahead of or behind the receive time.</summary>
    public long ClockDriftViolations { get; init; }

    public long OdometerJumps { get; init; }

    public long SocJumps { get; init; }

    public long PositionJumps { get; init; }

    public IReadOnlyDictionary<string, long> InvalidFields { get; init; } = new Dictionary<string, long>();

    public IReadOnlyDictionary<string, long> AbnormalFields { get; init; } = new Dictionary<string, long>();
}

public static class QualityBuckets
{
    /// <summary>Upper bounds (seconds) of the latency buckets; the last bucket is open-ended.</summary>
    public static IReadOnlyList<double> LatencySeconds { get; } = [1, 5, 30, 300, 3600, double.PositiveInfinity];
}

public enum FactorKind
{
    /// <summary>Grid electricity, kg CO2 per kWh.</summary>
    Grid = 1,

    /// <summary>A fuel, kg CO2 per litre.</summary>
    Fuel = 2,
}

/// <summary>An emission factor as data: value, year, scope and source. One grid factor is active.</summary>
public sealed record EmissionFactor
{
    public required string Id { get; init; }

    public required FactorKind Kind { get; init; }

    public required double Value { get; init; }

    public required string Unit { get; init; }

    public required int Year { get; init; }

    public required string Scope { get; init; }

    public required string Source { get; init; }

    public bool Active { get; init; }
}

/// <summary>The fossil baseline of a vehicle class: a comparable gasoline vehicle's consumption (L/100 km).</summary>
public sealed record FossilBaseline
{
    public required VehicleClass Class { get; init; }

    public required double LitresPer100Km { get; init; }

    public required string FuelFactorId { get; init; }

    public required string Source { get; init; }
}

/// <summary>A webhook notification waiting in the durable outbox.</summary>
public sealed record WebhookDelivery
{
    public long Id { get; init; }

    public required string Url { get; init; }

    public required string Payload { get; init; }

    public int Attempts { get; init; }

    public DateTimeOffset NextAttemptAt { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public string? LastError { get; init; }
}

/// <summary>
/// A share link of one trip: anyone holding its token may see a privacy-trimmed view of the ride until it expires or is
/// revoked. Only the SHA-256 of the token is stored, so the database alone never opens a link.
/// </summary>
public sealed record ShareLink
{
    /// <summary>Length of <see cref="Id"/>: the first hex digits of <see cref="TokenHash"/>, unique among shares.</summary>
    public const int IdLength = 8;

    /// <summary>The public handle for listing and revoking: the first <see cref="IdLength"/> hex digits of <see cref="TokenHash"/>.</summary>
    public required string Id { get; init; }

    /// <summary>SHA-256 of the token (UTF-8), 64 lower-case hex digits.</summary>
    public required string TokenHash { get; init; }

    public required string Vin { get; init; }

    /// <summary>The vehicle's maker (tenant) when the link was made.</summary>
    public required string Maker { get; init; }

    /// <summary>The shared trip's key (with <see cref="Vin"/>).</summary>
    public required DateTimeOffset TripStart { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The user or API key name that made the link.</summary>
    public required string CreatedBy { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    public DateTimeOffset? RevokedAt { get; init; }

    /// <summary>True while the link opens its ride at <paramref name="now"/>: not revoked and not yet expired.</summary>
    public bool IsLiveAt(DateTimeOffset now) => RevokedAt is null && now < ExpiresAt;
}

/// <summary>A list query over share links, newest first by creation.</summary>
public sealed record ShareQuery
{
    /// <summary>One vehicle, or null for all.</summary>
    public string? Vin { get; init; }

    /// <summary>Tenant filter: only links of these makers' vehicles; null = all.</summary>
    public IReadOnlyCollection<string>? Makers { get; init; }

    public int Limit { get; init; } = 100;
}
