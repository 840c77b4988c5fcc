using System.ComponentModel.DataAnnotations;

namespace NevHub.Server.Api;

/// <summary>Ride share links and the public ride API. Section "NevHub:Share"; defaults documented in docs/api.md.</summary>
public sealed class ShareOptions
{
    public const string Section = "NevHub:Share";

    /// <summary>
    /// The public route (and its time window) loses what lies within this many metres of the trip's start and of its end, so a
    /// shared ride does not show where the rider lives or works. 0 turns trimming off. Default 300.
    /// </summary>
    [Range(0, 100_000)]
    public double TrimMeters { get; set; } = 300;

    /// <summary>Requests per client IP address per minute to the public ride API and the /ride/ links. Default 60.</summary>
    [Range(1, 1_000_000)]
    public int PublicRequestsPerMinute { get; set; } = 60;

    /// <summary>Most samples read for one public ride (longer trips show their first part). Default 50,000.</summary>
    [Range(100, 10_000_000)]
    public int MaxRideSamples { get; set; } = 50_000;
}
