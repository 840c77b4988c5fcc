using System.Buffers.Text;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NevHub.Domain;
using NevHub.Processing.Analytics;
using NevHub.Server.Security;
using NevHub.Storage;
using NevHub.Storage.Analytics;
using static NevHub.Server.Api.AnalyticsApiSupport;

namespace NevHub.Server.Api;

/// <summary>The body of a share request; every field optional.</summary>
public sealed record ShareRequest(int? ExpiresInHours);

/// <summary>
/// A share link as the API shows it. <see cref="Token"/> and <see cref="Url"/> are set only in the answer that creates the
/// link (only the token's hash is stored); afterwards the link is named by <see cref="Id"/>.
/// </summary>
public sealed record ShareLinkView(
    string Id,
    string? Token,
    string? Url,
    string Vin,
    DateTimeOffset TripStart,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset ExpiresAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] DateTimeOffset? RevokedAt)
{
    public static ShareLinkView Of(ShareLink s, string? token = null) =>
        new(s.Id, token, token is null ? null : SharesApi.RidePath + token, s.Vin, s.TripStart, s.CreatedAt, s.CreatedBy, s.ExpiresAt, s.RevokedAt);
}

/// <summary>
/// Share links of trips (create, list, revoke: tenant-scoped like the trips) and the anonymous, rate-limited public ride API
/// they open. A token is 128 random bits; the store keeps only its SHA-256.
/// </summary>
public static class SharesApi
{
    public const string PublicRateLimit = "public-ride";
    public const string RidePath = "/ride/";
    public const int DefaultExpiresInHours = 168;
    public const int MaxExpiresInHours = 720;
    public const int MaxShareListSize = 1000;
    private const int TokenBytes = 16;
    private const int TokenLength = 22; // base64url of 16 bytes, unpadded
    private const int MaxBodyChars = 4096;

    // One body for unknown, expired and revoked links (and malformed tokens), so the answer tells nothing apart.
    private const string RideNotFoundBody =
        """{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.5","title":"Not Found","status":404,"detail":"No ride is shared under this link."}""";

    private static readonly JsonSerializerOptions BodyJson = new(JsonSerializerDefaults.Web);

    public static IServiceCollection AddNevHubShares(this IServiceCollection services)
    {
        services.AddOptions<ShareOptions>().BindConfiguration(ShareOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // A policy beside the sign-in one (same limiter, same 429 with Retry-After): per client IP, fixed one-minute window.
        services.AddOptions<RateLimiterOptions>().Configure(o => o.AddPolicy(PublicRateLimit, context =>
        {
            var share = context.RequestServices.GetRequiredService<IOptions<ShareOptions>>().Value;
            return RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = share.PublicRequestsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
        }));
        return services;
    }

    public static IEndpointRouteBuilder MapSharesApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api").WithTags("Shares");
        api.MapPost("/vehicles/{vin}/trips/{startMs:long}/share", Create).WithName("ShareTrip")
            .WithSummary("Make a share link of a trip: body {expiresInHours} (1–720, default 168). The token is in this answer only.")
            .Accepts<ShareRequest>("application/json");
        api.MapGet("/shares", List).WithName("ListShares").WithSummary("Share links the caller may see, newest first (token never shown).");
        api.MapDelete("/shares/{id}", Revoke).WithName("RevokeShare").WithSummary("Revoke a share link by its id (idempotent).");

        Public(routes.MapGet("/api/public/rides/{token}", GetRide).WithName("GetPublicRide").WithTags("Public")
            .WithSummary("A shared ride, without sign-in: no VIN, route and times trimmed near start and end. 404 for any link that does not open."));
        Public(routes.MapGet(RidePath + "{token}", OpenRideLink).WithName("OpenRideLink").WithTags("Public")
            .WithSummary("The link a share hands out: redirects to the web UI's ride page."));
        return routes;
    }

    private static void Public(RouteHandlerBuilder endpoint) =>
        endpoint.AllowAnonymous().RequireRateLimiting(PublicRateLimit).AddEndpointFilter((context, next) =>
        {
            // Not cached anywhere (a revoked link must stop working), not indexed, and the token not sent on as a referrer.
            var headers = context.HttpContext.Response.Headers;
            headers.CacheControl = "no-store";
            headers["X-Robots-Tag"] = "noindex";
            headers["Referrer-Policy"] = "no-referrer";
            return next(context);
        });

    /// <summary>SHA-256 of a token, as stored.</summary>
    public static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static bool IsWellFormedToken(string token) =>
        token.Length == TokenLength && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static bool IsWellFormedId(string id) => id.Length == ShareLink.IdLength && id.All(char.IsAsciiHexDigitLower);

    private static IResult RideNotFound() => TypedResults.Content(RideNotFoundBody, "application/problem+json", Encoding.UTF8, StatusCodes.Status404NotFound);

    private static async Task<IResult> Create(string vin, long startMs, HttpRequest request, ClaimsPrincipal user, IVehicleStore store,
        IAnalyticsStore analytics, TimeProvider clock, CancellationToken cancellationToken)
    {
        var (hours, problem) = await ReadExpiryAsync(request, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (await TripsApi.FindAsync(vin, startMs, user, store, analytics, cancellationToken).ConfigureAwait(false) is not { } trip
            || await store.GetVehicleAsync(vin, cancellationToken).ConfigureAwait(false) is not { } vehicle)
        {
            return TypedResults.NotFound();
        }

        var now = clock.GetUtcNow();
        // The id is the first hex digits of the hash: on the rare clash with an existing link, draw another token.
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(TokenBytes));
            var hash = HashToken(token);
            var share = new ShareLink
            {
                Id = hash[..ShareLink.IdLength],
                TokenHash = hash,
                Vin = trip.Vin,
                Maker = vehicle.Maker,
                TripStart = trip.Start,
                CreatedAt = now,
                CreatedBy = user.Identity?.Name ?? "",
                ExpiresAt = now.AddHours(hours),
            };
            if (await analytics.CreateShareAsync(share, cancellationToken).ConfigureAwait(false))
            {
                return TypedResults.Created($"/api/shares/{share.Id}", ShareLinkView.Of(share, token));
            }
        }

        throw new InvalidOperationException("Could not draw a share token whose id is free.");
    }

    /// <summary>The requested lifetime in hours (default when the body is empty), or a 400 for anything else than 1–720.</summary>
    private static async Task<(int Hours, IResult? Problem)> ReadExpiryAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var buffer = new char[MaxBodyChars + 1];
        var read = await reader.ReadBlockAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
        if (read > MaxBodyChars)
        {
            return (0, Problem("body", "the body is larger than 4 KiB"));
        }

        var text = new string(buffer, 0, read);
        ShareRequest? body = null;
        if (!string.IsNullOrWhiteSpace(text))
        {
            try
            {
                body = JsonSerializer.Deserialize<ShareRequest>(text, BodyJson);
            }
            catch (JsonException)
            {
                return (0, Problem("expiresInHours", "the body is {\"expiresInHours\": n} with a whole number n"));
            }
        }

        var hours = body?.ExpiresInHours ?? DefaultExpiresInHours;
        return hours is < 1 or > MaxExpiresInHours
            ? (0, Problem("expiresInHours", $"expiresInHours is between 1 and {MaxExpiresInHours}"))
            : (hours, null);
    }

    private static async Task<IResult> List(ClaimsPrincipal user, IVehicleStore store, IAnalyticsStore analytics, string? vin, int? limit,
        CancellationToken cancellationToken)
    {
        if (limit is < 1 or > MaxShareListSize)
        {
            return Problem("limit", $"limit must be between 1 and {MaxShareListSize}");
        }

        if (vin is not null && await FindVisibleAsync(vin, user, store, cancellationToken).ConfigureAwait(false) is null)
        {
            return TypedResults.NotFound();
        }

        var scope = TenantScope.Of(user);
        var shares = await analytics.ListSharesAsync(new ShareQuery { Vin = vin, Makers = scope.Makers, Limit = limit ?? 100 }, cancellationToken)
            .ConfigureAwait(false);
        var visible = new List<ShareLinkView>(shares.Count);
        var seen = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var share in shares)
        {
            if (!seen.TryGetValue(share.Vin, out var allowed))
            {
                allowed = seen[share.Vin] = await CanSeeAsync(share, scope, store, cancellationToken).ConfigureAwait(false);
            }

            if (allowed)
            {
                visible.Add(ShareLinkView.Of(share));
            }
        }

        return TypedResults.Ok(visible);
    }

    private static async Task<IResult> Revoke(string id, ClaimsPrincipal user, IVehicleStore store, IAnalyticsStore analytics, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        if (!IsWellFormedId(id)
            || await analytics.GetShareAsync(id, cancellationToken).ConfigureAwait(false) is not { } share
            || !await CanSeeAsync(share, TenantScope.Of(user), store, cancellationToken).ConfigureAwait(false))
        {
            return TypedResults.NotFound();
        }

        await analytics.RevokeShareAsync(id, clock.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// Admins and operators see every link; a maker sees the links of vehicles that are its own now (the registry decides,
    /// not the maker stored with the link).
    /// </summary>
    private static async Task<bool> CanSeeAsync(ShareLink share, TenantScope scope, IVehicleStore store, CancellationToken cancellationToken) =>
        scope.Makers is null
        || (scope.AllowsMaker(share.Maker)
            && await store.GetVehicleAsync(share.Vin, cancellationToken).ConfigureAwait(false) is { } vehicle && scope.AllowsMaker(vehicle.Maker));

    private static async Task<IResult> GetRide(string token, IVehicleStore store, IAnalyticsStore analytics, TimeProvider clock,
        IOptions<ShareOptions> options, IOptions<AnalyticsOptions> analyticsOptions, CancellationToken cancellationToken)
    {
        if (!IsWellFormedToken(token)
            || await analytics.GetShareByTokenHashAsync(HashToken(token), cancellationToken).ConfigureAwait(false) is not { } share
            || !share.IsLiveAt(clock.GetUtcNow())
            || await store.GetVehicleAsync(share.Vin, cancellationToken).ConfigureAwait(false) is not { } vehicle
            || await analytics.GetTripAsync(share.Vin, share.TripStart, cancellationToken).ConfigureAwait(false) is not { } trip)
        {
            return RideNotFound();
        }

        var o = options.Value;
        var samples = await ReadSamplesAsync(store, trip, o.MaxRideSamples, cancellationToken).ConfigureAwait(false);
        var carbon = new CarbonCalculator(await analytics.ListFactorsAsync(cancellationToken).ConfigureAwait(false),
            await analytics.ListBaselinesAsync(cancellationToken).ConfigureAwait(false));
        var avoided = carbon.Compute(vehicle.Class, trip.DistanceKm, trip.EnergyKwh).AvoidedKg;
        return TypedResults.Ok(PublicRide.Build(trip, vehicle, samples, o.TrimMeters, avoided,
            analyticsOptions.Value.RouteToleranceM, analyticsOptions.Value.MaxRoutePoints));
    }

    /// <summary>The trip's samples in time order, at most <paramref name="max"/> (a bound on what one anonymous request costs).</summary>
    private static async Task<List<VehicleSample>> ReadSamplesAsync(IVehicleStore store, Trip trip, int max, CancellationToken cancellationToken)
    {
        var samples = new List<VehicleSample>();
        string? cursor = null;
        do
        {
            var page = await store.GetSamplesAsync(new SampleQuery
            {
                Vin = trip.Vin, From = trip.Start, To = trip.End.AddTicks(1), Limit = Math.Min(VehiclesApi.MaxPageSize, max - samples.Count), Cursor = cursor,
            }, cancellationToken).ConfigureAwait(false);
            samples.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null && samples.Count < max);

        return samples;
    }

    /// <summary>The URL a share hands out, for browsers: the web UI's ride page (a hash route) with the same token.</summary>
    private static IResult OpenRideLink(string token, HttpRequest request) =>
        IsWellFormedToken(token) ? TypedResults.Redirect($"{request.PathBase}/#/ride/{token}") : RideNotFound();
}
