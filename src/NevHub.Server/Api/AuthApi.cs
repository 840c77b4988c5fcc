using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using NevHub.Domain;
using NevHub.Server.Security;

namespace NevHub.Server.Api;

public sealed record LoginRequest(string UserName, string Password);

/// <summary>Settings of the web UI's map. Section "NevHub:Web".</summary>
public sealed class WebUiOptions
{
    public const string Section = "NevHub:Web";

    /// <summary>
    /// A raster tile URL template ({z}/{x}/{y}) served to the dashboard's map, e.g. a tile server inside the operator's
    /// network. Default none: the map shows only the bundled Chongqing district outlines and works offline.
    /// </summary>
    public string? TileUrl { get; set; }

    /// <summary>Attribution text shown for the tiles.</summary>
    public string? TileAttribution { get; set; }

    /// <summary>Datum of the tiles: Wgs84 (default) or Gcj02 (most Chinese tile sources); positions are converted for display.</summary>
    public CoordinateSystem TileCoordinates { get; set; } = CoordinateSystem.Wgs84;
}

public sealed record MapConfigView(string? TileUrl, string? TileAttribution, CoordinateSystem TileCoordinates);

/// <summary>Who the caller is. <see cref="CsrfToken"/> is set for cookie sign-ins: send it as X-CSRF-TOKEN on writes.</summary>
public sealed record MeView(string Name, string Role, string? Maker, string Scheme, string? CsrfToken, MapConfigView? Map = null);

/// <summary>Cookie sign-in for the web UI. API keys need none of this.</summary>
public static class AuthApi
{
    public static RouteGroupBuilder MapAuthApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/auth").WithTags("Auth");
        api.MapPost("/login", LoginAsync).AllowAnonymous().RequireRateLimiting(SecurityServices.LoginRateLimit)
            .WithName("Login").WithSummary("Sign in with user name and password; sets an HttpOnly, SameSite=Strict cookie.");
        api.MapPost("/logout", LogoutAsync).WithName("Logout").WithSummary("Sign out (ends the cookie).");
        api.MapGet("/me", Me).WithName("Me").WithSummary("The signed-in caller, its role and maker, and (cookie) its antiforgery token.");
        return api;
    }

    private static async Task<Results<Ok<MeView>, ProblemHttpResult>> LoginAsync(
        LoginRequest request, HttpContext context, UserStore users, LoginThrottle throttle, IAntiforgery antiforgery, IOptions<WebUiOptions> web)
    {
        using var lease = throttle.Attempt(request.UserName ?? "");
        if (!lease.IsAcquired)
        {
            SecurityServices.SetRetryAfter(context.Response, lease);
            return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many sign-in attempts for this user");
        }

        if (users.Verify(request.UserName ?? "", request.Password ?? "") is not { } user)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Wrong user name or password");
        }

        var principal = SecurityServices.Principal(user);
        await context.SignInAsync(SecurityServices.CookieScheme, principal).ConfigureAwait(false);

        // The antiforgery token is bound to the signed-in identity, so it is issued for the new principal.
        context.User = principal;
        var tokens = antiforgery.GetAndStoreTokens(context);
        return TypedResults.Ok(new MeView(user.UserName, user.Role, user.Maker, SecurityServices.CookieScheme, tokens.RequestToken, MapOf(web.Value)));
    }

    private static async Task<NoContent> LogoutAsync(HttpContext context, ClaimsPrincipal user)
    {
        _ = user; // Bound so the handler is not taken for a RequestDelegate; any authenticated caller may sign out.
        await context.SignOutAsync(SecurityServices.CookieScheme).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static MapConfigView MapOf(WebUiOptions o) => new(o.TileUrl, o.TileAttribution, o.TileCoordinates);

    private static Ok<MeView> Me(ClaimsPrincipal user, HttpContext context, IAntiforgery antiforgery, IOptions<WebUiOptions> web)
    {
        var scheme = user.Identity?.AuthenticationType ?? "";
        var token = scheme == SecurityServices.CookieScheme ? antiforgery.GetAndStoreTokens(context).RequestToken : null;
        return TypedResults.Ok(new MeView(
            user.Identity?.Name ?? "",
            user.FindFirst(ClaimTypes.Role)?.Value ?? "",
            user.FindFirst(Roles.MakerClaim)?.Value,
            scheme,
            token,
            MapOf(web.Value)));
    }
}
