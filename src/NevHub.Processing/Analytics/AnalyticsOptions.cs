using System.ComponentModel.DataAnnotations;

namespace NevHub.Processing.Analytics;

/// <summary>A named place for "nearest place" labels of trips and charges.</summary>
public sealed class NamedPlace
{
    public string Name { get; set; } = "";

    public double Latitude { get; set; }

    public double Longitude { get; set; }
}

/// <summary>Options of the analytics processors. Section "NevHub:Analytics". Every default is documented in docs/analytics.md.</summary>
public sealed class AnalyticsOptions
{
    public const string Section = "NevHub:Analytics";

    /// <summary>Recent samples kept per vehicle for re-derivation (by sample time, behind the newest). Default 6 h.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Hard cap of samples kept per vehicle. Default 8192.</summary>
    [Range(64, 1_000_000)]
    public int MaxWindowSamples { get; set; } = 8192;

    /// <summary>
    /// Extend the open trip, charge and alarms by a sample that arrives in order (sample time not before the newest in the
    /// window) instead of re-segmenting the look-back. Same records either way; false re-derives on every sample (the
    /// former behaviour, kept to verify and benchmark the incremental path). Default true.
    /// </summary>
    public bool IncrementalInOrder { get; set; } = true;

    /// <summary>A sample more than this ahead of its receive time is left out of derivation (a wrong clock). Default 1 h.</summary>
    public TimeSpan MaxFutureSkew { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A sample counts as moving above this speed (km/h). Default 0.5.</summary>
    [Range(0, 50)]
    public double MinMovingSpeedKmh { get; set; } = 0.5;

    /// <summary>A silence longer than this ends a trip, an alarm episode or a charge. Default 10 min.</summary>
    public TimeSpan MaxGap { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>A charging session survives silences up to this long. Default 30 min.</summary>
    public TimeSpan ChargeMaxGap { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>With the ignition known (GB/T 32960 vehicle state), a standstill this long ends a trip. Default 30 min.</summary>
    public TimeSpan StopDurationWithIgnition { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Without ignition state (trackers), a standstill this long ends a trip (Traccar's minimal parking). Default 5 min.</summary>
    public TimeSpan StopDurationWithoutIgnition { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Trips shorter than this distance (km, odometer or GPS) are dropped. Default 0 (any movement makes a trip).</summary>
    [Range(0, 100)]
    public double MinTripDistanceKm { get; set; }

    /// <summary>Highest plausible speed (km/h) when checking odometer and position steps. Default 250.</summary>
    [Range(10, 1000)]
    public double MaxPlausibleSpeedKmh { get; set; } = 250;

    /// <summary>Douglas–Peucker tolerance of trip routes, metres. Default 15.</summary>
    [Range(0.1, 10_000)]
    public double RouteToleranceM { get; set; } = 15;

    /// <summary>Most points in a simplified route (the tolerance doubles until it fits). Default 500.</summary>
    [Range(2, 100_000)]
    public int MaxRoutePoints { get; set; } = 500;

    /// <summary>A session whose peak power reaches this is DC, else AC (kW). Default 20.</summary>
    [Range(0.1, 10_000)]
    public double DcThresholdKw { get; set; } = 20;

    /// <summary>Shortest silence across which a SOC rise is reconstructed as an offline charge. Default 15 min.</summary>
    public TimeSpan ReconstructMinGap { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Smallest SOC rise (percentage points) reconstructed as an offline charge. Default 2.</summary>
    [Range(0.1, 100)]
    public double ReconstructMinSocRise { get; set; } = 2;

    /// <summary>Largest movement (km, odometer or GPS) across the silence for a reconstructed charge. Default 1.</summary>
    [Range(0, 100)]
    public double ReconstructMaxMoveKm { get; set; } = 1;

    /// <summary>High-frequency data kept before a level ≥ 3 alarm (GB/T 32960 §9: 30 s), and after it cleared.</summary>
    public TimeSpan AlarmWindowMargin { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Named places; a trip end or charge within <see cref="PlaceRadiusM"/> gets the nearest one's name.</summary>
    public List<NamedPlace> Places { get; set; } = [];

    [Range(1, 100_000)]
    public double PlaceRadiusM { get; set; } = 2000;

    /// <summary>Expected report period for completeness (GB/T 32960 default 10 s). Default 10 s.</summary>
    public TimeSpan ReportPeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gaps up to this long count as covered time (online) in quality. Default 5 min.</summary>
    public TimeSpan CoverageGap { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A realtime frame whose |receipt − sample time| exceeds this counts as a clock-drift violation. Default 60 s.</summary>
    public TimeSpan ClockDriftLimit { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>A SOC step larger than this (percentage points) between consecutive samples within 5 min is a jump. Default 10.</summary>
    [Range(1, 100)]
    public double SocJumpPercent { get; set; } = 10;

    /// <summary>How often the analytics writer flushes coalesced changes. Default 1 s.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A record that is still open (a trip under way, a charge in progress, an alarm not yet cleared) is rewritten at most
    /// this often; its first version, its end, deletes and new serious alarms go out at the next flush. Zero = every
    /// flush. Quality counters are written with the same cadence. Default 10 s: a fleet's open records and counters change
    /// with every sample, and rewriting each one every second was the largest write cost at scale. A crash loses at most
    /// this much of the quality counters (the samples themselves are durable).
    /// </summary>
    public TimeSpan OpenRecordWriteInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Webhook endpoints for new serious alarms; empty = none.</summary>
    public List<string> WebhookUrls { get; set; } = [];

    /// <summary>HMAC-SHA256 key of the X-NevHub-Signature header. Required when <see cref="WebhookUrls"/> is set.</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>Alarms at or above this level are "serious" and notified. Default 3.</summary>
    [Range(1, 4)]
    public int WebhookMinLevel { get; set; } = 3;

    public TimeSpan WebhookInitialDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan WebhookMaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Deliveries are dropped (logged) after this many failed attempts. Default 20.</summary>
    [Range(1, 1000)]
    public int WebhookMaxAttempts { get; set; } = 20;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        static void Positive(TimeSpan value, string name)
        {
            if (value <= TimeSpan.Zero)
            {
                throw new ArgumentException($"{name} must be positive.", name);
            }
        }

        Positive(Window, nameof(Window));
        Positive(MaxGap, nameof(MaxGap));
        Positive(ChargeMaxGap, nameof(ChargeMaxGap));
        Positive(StopDurationWithIgnition, nameof(StopDurationWithIgnition));
        Positive(StopDurationWithoutIgnition, nameof(StopDurationWithoutIgnition));
        Positive(ReconstructMinGap, nameof(ReconstructMinGap));
        Positive(ReportPeriod, nameof(ReportPeriod));
        Positive(CoverageGap, nameof(CoverageGap));
        Positive(FlushInterval, nameof(FlushInterval));
        if (OpenRecordWriteInterval < TimeSpan.Zero)
        {
            throw new ArgumentException($"{nameof(OpenRecordWriteInterval)} must not be negative.", nameof(OpenRecordWriteInterval));
        }

        Positive(WebhookInitialDelay, nameof(WebhookInitialDelay));
        if (WebhookUrls.Count > 0 && string.IsNullOrEmpty(WebhookSecret))
        {
            throw new ArgumentException("WebhookSecret is required when WebhookUrls are set.", nameof(WebhookSecret));
        }

        foreach (var url in WebhookUrls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                throw new ArgumentException($"Webhook URL '{url}' is not an absolute http(s) URL.", nameof(WebhookUrls));
            }
        }
    }

    /// <summary>How far back a new sample can change derived records.</summary>
    internal TimeSpan Lookback => Max(Max(MaxGap, ChargeMaxGap), Max(StopDurationWithIgnition, StopDurationWithoutIgnition));

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
