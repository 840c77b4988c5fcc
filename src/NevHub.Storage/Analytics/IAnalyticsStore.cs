using System.Globalization;
using NevHub.Domain;

namespace NevHub.Storage.Analytics;

/// <summary>
/// Durable storage of what the data means: trips, charging sessions, alarm episodes and their handling, data-quality
/// counters, emission factors, the webhook outbox and ride share links. Derived records are written idempotently by natural key
/// (upsert / delete), so re-derivation after late data and replays never duplicate them. Implementations: SQLite
/// (its own file beside the vehicle store, own migration track) and PostgreSQL (shared by the nodes of a cluster, own migration
/// track); both pass AnalyticsStoreContractTests.
/// </summary>
public interface IAnalyticsStore : IAsyncDisposable
{
    /// <summary>Creates or upgrades the analytics schema and seeds default factors. Safe to call on every start.</summary>
    Task MigrateAsync(CancellationToken cancellationToken = default);

    /// <summary>Applies a batch of derived changes in one transaction.</summary>
    Task ApplyAsync(AnalyticsBatch batch, CancellationToken cancellationToken = default);

    Task<Page<Trip>> ListTripsAsync(RecordQuery query, CancellationToken cancellationToken = default);

    Task<Trip?> GetTripAsync(string vin, DateTimeOffset start, CancellationToken cancellationToken = default);

    Task<Page<ChargeSession>> ListChargesAsync(RecordQuery query, CancellationToken cancellationToken = default);

    Task<Page<AlarmEpisode>> ListAlarmsAsync(AlarmQuery query, CancellationToken cancellationToken = default);

    Task<AlarmEpisode?> GetAlarmAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>The handling of an alarm, or null when nobody has touched it.</summary>
    Task<AlarmHandling?> GetAlarmHandlingAsync(string alarmId, CancellationToken cancellationToken = default);

    Task SaveAlarmHandlingAsync(AlarmHandling handling, CancellationToken cancellationToken = default);

    /// <summary>Trips, charges and alarms of one vehicle that end at or after <paramref name="since"/> or are still open (rebuild after restart).</summary>
    Task<DerivedRecords> GetDerivedSinceAsync(string vin, DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>Per vehicle per UTC day (by trip start): trips, distance, energy, SOC used. At most <see cref="DailyQuery.Limit"/> rows.</summary>
    Task<IReadOnlyList<DailyEnergy>> GetDailyEnergyAsync(DailyQuery query, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<QualityDay>> GetQualityDaysAsync(DailyQuery query, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<EmissionFactor>> ListFactorsAsync(CancellationToken cancellationToken = default);

    /// <summary>Adds or replaces a factor by id (the active flag is left as stored; use <see cref="SetActiveGridFactorAsync"/>).</summary>
    Task UpsertFactorAsync(EmissionFactor factor, CancellationToken cancellationToken = default);

    /// <summary>Makes a grid factor the active one (exactly one is active). False when there is no grid factor with that id.</summary>
    Task<bool> SetActiveGridFactorAsync(string id, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<FossilBaseline>> ListBaselinesAsync(CancellationToken cancellationToken = default);

    Task UpsertBaselineAsync(FossilBaseline baseline, CancellationToken cancellationToken = default);

    /// <summary>
    /// Webhook deliveries due at <paramref name="now"/>, oldest first. A store shared by several dispatchers claims what it returns
    /// (hidden from other callers until completed, rescheduled or a lease expires), so no delivery is handed out twice at once.
    /// </summary>
    Task<IReadOnlyList<WebhookDelivery>> GetDueWebhooksAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default);

    Task CompleteWebhookAsync(long id, CancellationToken cancellationToken = default);

    Task RescheduleWebhookAsync(long id, int attempts, DateTimeOffset nextAttemptAt, string error, CancellationToken cancellationToken = default);

    /// <summary>Webhook deliveries still pending (not yet delivered).</summary>
    Task<int> CountPendingWebhooksAsync(CancellationToken cancellationToken = default);

    /// <summary>Stores a new share link. False (nothing stored) when its <see cref="ShareLink.Id"/> or token hash is taken.</summary>
    Task<bool> CreateShareAsync(ShareLink share, CancellationToken cancellationToken = default);

    /// <summary>The share link with this <see cref="ShareLink.Id"/>, live, expired or revoked; null when there is none.</summary>
    Task<ShareLink?> GetShareAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>The share link whose token has this SHA-256 (lower-case hex), live, expired or revoked; null when there is none.</summary>
    Task<ShareLink?> GetShareByTokenHashAsync(string tokenHash, CancellationToken cancellationToken = default);

    /// <summary>Share links newest first (by creation), at most <see cref="ShareQuery.Limit"/>.</summary>
    Task<IReadOnlyList<ShareLink>> ListSharesAsync(ShareQuery query, CancellationToken cancellationToken = default);

    /// <summary>Revokes a link at <paramref name="at"/>; a revoked link keeps its first revocation time. False when there is no such link.</summary>
    Task<bool> RevokeShareAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default);
}

/// <summary>Changes to apply in one transaction. Deletes run before upserts.</summary>
public sealed record AnalyticsBatch
{
    public IReadOnlyList<Trip> Trips { get; init; } = [];

    public IReadOnlyList<(string Vin, DateTimeOffset Start)> DeletedTrips { get; init; } = [];

    public IReadOnlyList<ChargeSession> Charges { get; init; } = [];

    public IReadOnlyList<(string Vin, DateTimeOffset Start)> DeletedCharges { get; init; } = [];

    public IReadOnlyList<AlarmEpisode> Alarms { get; init; } = [];

    public IReadOnlyList<string> DeletedAlarms { get; init; } = [];

    /// <summary>Quality increments: added to what is stored for (Vin, Day).</summary>
    public IReadOnlyList<QualityDay> QualityIncrements { get; init; } = [];

    /// <summary>
    /// Quality of single received frames, idempotent: each receipt (vehicle, sample time, content hash, receive time) is
    /// counted once, however often it is applied (a replay after a crash); a receipt of a sample already counted under
    /// another receive time (a terminal's resend) adds <see cref="QualityReceipt.AsDuplicate"/> instead of its counters.
    /// </summary>
    public IReadOnlyList<QualityReceipt> QualityReceipts { get; init; } = [];

    /// <summary>Webhook deliveries to queue durably with the batch.</summary>
    public IReadOnlyList<WebhookDelivery> Webhooks { get; init; } = [];

    public bool IsEmpty => Trips.Count + DeletedTrips.Count + Charges.Count + DeletedCharges.Count + Alarms.Count + DeletedAlarms.Count
        + QualityIncrements.Count + QualityReceipts.Count + Webhooks.Count == 0;
}

/// <summary>One received frame's quality counters, keyed by its receipt.</summary>
/// <param name="Frame">Its counters when its sample is new.</param>
/// <param name="AsDuplicate">Its counters when the sample was already counted (frames, realtime/reissue, duplicates).</param>
public sealed record QualityReceipt(string Vin, long SampleTicks, long ContentHash, long ReceivedTicks, QualityDay Frame, QualityDay AsDuplicate);

public sealed record DerivedRecords(IReadOnlyList<Trip> Trips, IReadOnlyList<ChargeSession> Charges, IReadOnlyList<AlarmEpisode> Alarms);

/// <summary>A list query over trips or charges: newest first by start, keyset-paged.</summary>
public record RecordQuery
{
    /// <summary>One vehicle, or null for all the caller may see.</summary>
    public string? Vin { get; init; }

    /// <summary>Tenant filter: only records of these makers; null = all.</summary>
    public IReadOnlyCollection<string>? Makers { get; init; }

    /// <summary>Inclusive lower bound of the start.</summary>
    public DateTimeOffset From { get; init; } = DateTimeOffset.MinValue;

    /// <summary>Exclusive upper bound of the start.</summary>
    public DateTimeOffset To { get; init; } = DateTimeOffset.MaxValue;

    public int Limit { get; init; } = 100;

    public string? Cursor { get; init; }
}

public sealed record AlarmQuery : RecordQuery
{
    public string? Kind { get; init; }

    public int? MinLevel { get; init; }

    public bool? Open { get; init; }
}

public sealed record DailyQuery
{
    public string? Vin { get; init; }

    public IReadOnlyCollection<string>? Makers { get; init; }

    public DateOnly FromDay { get; init; } = DateOnly.MinValue;

    /// <summary>Inclusive.</summary>
    public DateOnly ToDay { get; init; } = DateOnly.MaxValue;

    public int Limit { get; init; } = 10_000;
}

public sealed record DailyEnergy(string Vin, string Maker, DateOnly Day, int Trips, double DistanceKm, double EnergyKwh, double SocUsed);

/// <summary>Cursor helpers for analytics lists: (start ticks, key) descending.</summary>
public static class AnalyticsCursor
{
    public const byte TripTag = 0x41;
    public const byte ChargeTag = 0x42;
    public const byte AlarmTag = 0x43;

    public static string Encode(byte tag, DateTimeOffset start, string key) =>
        PageCursor.Encode(tag, start.UtcTicks.ToString(CultureInfo.InvariantCulture) + "|" + key);

    /// <summary>
    /// Turns up to <paramref name="limit"/> + 1 rows read newest first into a page: with the extra row there is a next page, and
    /// the cursor names the last row kept.
    /// </summary>
    public static Page<T> ToPage<T>(List<T> rows, int limit, byte tag, Func<T, (DateTimeOffset Start, string Key)> keyOf)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(keyOf);
        if (rows.Count <= limit)
        {
            return new Page<T>(rows, null);
        }

        rows.RemoveRange(limit, rows.Count - limit);
        var (start, key) = keyOf(rows[^1]);
        return new Page<T>(rows, Encode(tag, start, key));
    }

    public static (long Ticks, string Key) Decode(byte tag, string cursor)
    {
        var text = PageCursor.DecodeString(tag, cursor);
        var bar = text.IndexOf('|', StringComparison.Ordinal);
        if (bar < 1 || !long.TryParse(text.AsSpan(0, bar), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks))
        {
            throw new InvalidCursorException("The paging cursor is not valid.");
        }

        return (ticks, text[(bar + 1)..]);
    }
}

/// <summary>Default factors and baselines seeded into a new store (shared/domain/carbon-and-batteries.md).</summary>
public static class CarbonDefaults
{
    public const string ChongqingGrid2022 = "grid-cn-chongqing-2022";
    public const string Gasoline = "fuel-gasoline";

    public static IReadOnlyList<EmissionFactor> Factors { get; } =
    [
        Grid(ChongqingGrid2022, 0.5227, 2022, "Chongqing (provincial)", "provincial factor table (third-party transcription)", active: true),
        Grid("grid-cn-chongqing-2021", 0.4743, 2021, "Chongqing (provincial)", "provincial factor table (third-party transcription)"),
        Grid("grid-cn-national-2022", 0.5366, 2022, "China national average", "MEE/NBS announcement, Dec 2024"),
        Grid("grid-cn-national-2023", 0.5306, 2023, "China national average", "MEE/NBS announcement"),
        Grid("grid-cn-power-sector-2022", 0.5703, 2022, "China national, for power-sector enterprise reporting", "MEE notice, Feb 2023"),
        Grid("grid-cn-national-excl-nonfossil-2023", 0.6096, 2023, "China national, excluding market-traded non-fossil power", "MEE/NBS"),
        Grid("grid-cn-footprint-2023", 0.6205, 2023, "China electricity carbon footprint (life cycle, CO2e)", "MEE/NBS/NEA, Jan 2025"),
        Grid("grid-southwest-2023", 0.2472, 2023, "Southwest regional grid", "regional table, 2023"),
        new EmissionFactor
        {
            Id = Gasoline, Kind = FactorKind.Fuel, Value = 2.16, Unit = "kg CO2/L", Year = 2022, Scope = "Gasoline (0.74 kg/L × 2.925 kg CO2/kg)",
            Source = "China inventory parameters: NCV 43,070 kJ/kg, 18.9 tC/TJ, 98 % oxidation",
        },
    ];

    public static IReadOnlyList<FossilBaseline> Baselines { get; } =
    [
        new() { Class = VehicleClass.Car, LitresPer100Km = 6.5, FuelFactorId = Gasoline, Source = "comparable compact gasoline car, WLTC" },
        new() { Class = VehicleClass.Taxi, LitresPer100Km = 6.5, FuelFactorId = Gasoline, Source = "comparable compact gasoline car, WLTC" },
        new() { Class = VehicleClass.Bus, LitresPer100Km = 30, FuelFactorId = Gasoline, Source = "assumption: 12 m city bus, fossil equivalent ≈ 30 L/100 km; replace with a measured baseline" },
        new() { Class = VehicleClass.Motorcycle, LitresPer100Km = 2.2, FuelFactorId = Gasoline, Source = "110–125 cc gasoline scooter in China, 2.0–2.5 L/100 km" },
    ];

    private static EmissionFactor Grid(string id, double value, int year, string scope, string source, bool active = false) => new()
    {
        Id = id, Kind = FactorKind.Grid, Value = value, Unit = "kg CO2/kWh", Year = year, Scope = scope, Source = source, Active = active,
    };
}
