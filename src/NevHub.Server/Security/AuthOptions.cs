using System.ComponentModel.DataAnnotations;

namespace NevHub.Server.Security;

/// <summary>Sign-in settings. Section "NevHub:Auth"; the initial admin password is "NevHub:InitialAdminPassword".</summary>
public sealed class AuthOptions
{
    public const string Section = "NevHub:Auth";

    /// <summary>Password of the <c>admin</c> user created on the first start; when absent one is generated and logged once.</summary>
    public string? InitialAdminPassword { get; set; }

    /// <summary>How long a sign-in cookie lives without use (sliding). Default 8 hours.</summary>
    public TimeSpan CookieLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Sign-in attempts allowed per client IP address per <see cref="LoginWindow"/>. Default 20.</summary>
    [Range(1, 100_000)]
    public int LoginAttemptsPerIp { get; set; } = 20;

    /// <summary>Sign-in attempts allowed per user name per <see cref="LoginWindow"/>, whatever the IP address. Default 10.</summary>
    [Range(1, 100_000)]
    public int LoginAttemptsPerUser { get; set; } = 10;

    /// <summary>The window of the sign-in limits. Default 1 minute.</summary>
    public TimeSpan LoginWindow { get; set; } = TimeSpan.FromMinutes(1);
}
