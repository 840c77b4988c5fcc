using System.ComponentModel.DataAnnotations;

namespace NevHub.Server.Hosting;

/// <summary>Options of the platform host. Section "NevHub"; the CLI sets the same keys.</summary>
public sealed class NevHubOptions
{
    public const string Section = "NevHub";

    /// <summary>Where the embedded store, API keys and spool live. Default "./data".</summary>
    [Required]
    public string DataDirectory { get; set; } = "data";

    /// <summary>Samples and raw frames older than this many days are deleted (0 = keep forever). Default 365.</summary>
    [Range(0, 36500)]
    public int RetentionDays { get; set; } = 365;

    /// <summary>An admin API key supplied by configuration (e.g. environment NevHub__AdminApiKey); never stored in the repo.</summary>
    public string? AdminApiKey { get; set; }
}
