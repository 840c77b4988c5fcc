using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NevHub.Server.Api;
using NevHub.Server.Hosting;

namespace NevHub.Server.Security;

/// <summary>
/// Authentication (API keys and sign-in cookies, both accepted everywhere), authorization, sign-in rate limits and
/// antiforgery for cookie-authenticated writes.
/// </summary>
public static class SecurityServices
{
    /// <summary>The default scheme: forwards to the API-key handler when the request carries a key, else to the cookie.</summary>
    public const string PolicyScheme = "NevHub";
    public const string CookieScheme = CookieAuthenticationDefaults.AuthenticationScheme;
    public const string CookieName = "nevhub.auth";
    public const string AntiforgeryHeader = "X-CSRF-TOKEN";
    public const string LoginRateLimit = "login";
    public const string StampClaim = "nevhub:stamp";

    public static IServiceCollection AddNevHubSecurity(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>()
            .BindConfiguration(AuthOptions.Section)
            .Configure<IConfiguration>((o, configuration) => o.InitialAdminPassword ??= configuration["NevHub:InitialAdminPassword"])
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<UserStore>();
        services.AddSingleton<LoginThrottle>();
        services.AddOptions<WebUiOptions>().BindConfiguration(WebUiOptions.Section); // map settings the web UI gets with /api/auth/me

        // Cookies are protected with keys kept in the data directory, so sign-ins survive a restart.
        services.AddDataProtection();
        services.AddOptions<KeyManagementOptions>().Configure<IOptions<NevHubOptions>, ILoggerFactory>((o, hub, logs) =>
            o.XmlRepository = new FileSystemXmlRepository(
                new DirectoryInfo(Path.Combine(hub.Value.DataDirectory, "keys")), logs));

        services.AddAuthentication(PolicyScheme)
            .AddPolicyScheme(PolicyScheme, "API key or sign-in cookie", o =>
                o.ForwardDefaultSelector = context => ApiKeyAuthenticationHandler.HasCredentials(context.Request)
                    ? ApiKeyAuthenticationHandler.SchemeName
                    : CookieScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddCookie(CookieScheme, o =>
            {
                o.Cookie.Name = CookieName;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.SlidingExpiration = true;

                // An API answers 401/403; it never redirects to a login page.
                o.Events.OnRedirectToLogin = context =>
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return Task.CompletedTask;
                };
                o.Events.OnRedirectToAccessDenied = context =>
                {
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    return Task.CompletedTask;
                };
                o.Events.OnValidatePrincipal = ValidateCookieAsync;
            });
        services.AddOptions<CookieAuthenticationOptions>(CookieScheme)
            .Configure<IOptions<AuthOptions>>((cookie, auth) => cookie.ExpireTimeSpan = auth.Value.CookieLifetime);

        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());

        services.AddAntiforgery(o =>
        {
            o.HeaderName = AntiforgeryHeader;
            o.Cookie.Name = "nevhub.csrf";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });

        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = (context, _) =>
            {
                SetRetryAfter(context.HttpContext.Response, context.Lease);
                return ValueTask.CompletedTask;
            };
            o.AddPolicy(LoginRateLimit, context =>
            {
                var auth = context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value;
                return RateLimitPartition.GetFixedWindowLimiter(
                    context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = auth.LoginAttemptsPerIp, Window = auth.LoginWindow, QueueLimit = 0 });
            });
        });
        return services;
    }

    /// <summary>Authentication, rate limits, antiforgery (cookie-authenticated writes) and authorization, in that order.</summary>
    public static IApplicationBuilder UseNevHubSecurity(this IApplicationBuilder app)
    {
        app.UseAuthentication();
        app.UseRateLimiter();
        app.Use(ValidateAntiforgeryAsync);
        app.UseAuthorization();
        return app;
    }

    /// <summary>Sets Retry-After (whole seconds) from a rejected lease.</summary>
    public static void SetRetryAfter(HttpResponse response, RateLimitLease lease)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(lease);
        var seconds = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 60;
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
    }

    public static ClaimsPrincipal Principal(UserRecord user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, user.UserName),
            new(ClaimTypes.Role, user.Role),
            new(StampClaim, user.SecurityStamp),
        };
        if (user.Maker is not null)
        {
            claims.Add(new Claim(Roles.MakerClaim, user.Maker));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, CookieScheme));
    }

    /// <summary>A cookie stays valid only while its user exists with the same security stamp (password, role, maker unchanged).</summary>
    private static async Task ValidateCookieAsync(CookieValidatePrincipalContext context)
    {
        var users = context.HttpContext.RequestServices.GetRequiredService<UserStore>();
        var name = context.Principal?.Identity?.Name;
        var stamp = context.Principal?.FindFirst(StampClaim)?.Value;
        if (name is null || users.Find(name) is not { } user || user.SecurityStamp != stamp)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieScheme).ConfigureAwait(false);
        }
    }

    private static async Task ValidateAntiforgeryAsync(HttpContext context, RequestDelegate next)
    {
        if (RequiresAntiforgery(context))
        {
            var antiforgery = context.RequestServices.GetRequiredService<IAntiforgery>();
            if (!await antiforgery.IsRequestValidAsync(context).ConfigureAwait(false))
            {
                await Results.Problem(
                    statusCode: StatusCodes.Status400BadRequest,
                    title: "Missing or invalid antiforgery token",
                    detail: $"A signed-in (cookie) request that changes state needs the {AntiforgeryHeader} header from GET /api/auth/me.")
                    .ExecuteAsync(context).ConfigureAwait(false);
                return;
            }
        }

        await next(context).ConfigureAwait(false);
    }

    /// <summary>
    /// State-changing requests authenticated by the sign-in cookie. Not: API-key requests (no ambient credential),
    /// sign-in itself (no cookie yet; SameSite=Strict), the live hub (SignalR negotiate; its methods only read).
    /// </summary>
    private static bool RequiresAntiforgery(HttpContext context) =>
        !(HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)
            || HttpMethods.IsOptions(context.Request.Method) || HttpMethods.IsTrace(context.Request.Method))
        && context.User.Identity is { IsAuthenticated: true, AuthenticationType: CookieScheme }
        && !context.Request.Path.StartsWithSegments("/api/auth/login", StringComparison.OrdinalIgnoreCase)
        && !context.Request.Path.StartsWithSegments("/hubs", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Sign-in attempts per user name (whatever the client address), on top of the per-IP limit of the login endpoint.</summary>
public sealed class LoginThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public LoginThrottle(IOptions<AuthOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        _limiter = PartitionedRateLimiter.Create<string, string>(name => RateLimitPartition.GetFixedWindowLimiter(
            name, _ => new FixedWindowRateLimiterOptions { PermitLimit = o.LoginAttemptsPerUser, Window = o.LoginWindow, QueueLimit = 0 }));
    }

    /// <summary>A lease for one attempt; not acquired means "too many attempts", with the Retry-After in its metadata.</summary>
    public RateLimitLease Attempt(string userName) => _limiter.AttemptAcquire(userName.Trim().ToUpperInvariant());

    public void Dispose() => _limiter.Dispose();
}
