using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace NevHub.Server.Security;

/// <summary>
/// Authenticates `X-Api-Key: &lt;key&gt;` or `Authorization: Bearer &lt;key&gt;` against the <see cref="ApiKeyStore"/>;
/// on the live hub (`/hubs/...`) also `?access_token=&lt;key&gt;`, because browsers cannot set headers on WebSockets.
/// </summary>
public sealed class ApiKeyAuthenticationHandler : AuthenticationHandler<AuthenticationSchemeOptions>
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";
    private readonly ApiKeyStore _keys;

    public ApiKeyAuthenticationHandler(
        IOptionsMonitor<AuthenticationSchemeOptions> options,
        ILoggerFactory logger,
        UrlEncoder encoder,
        ApiKeyStore keys)
        : base(options, logger, encoder) => _keys = keys;

    /// <summary>True when the request carries an API key (so the API-key handler, not the cookie, decides).</summary>
    public static bool HasCredentials(HttpRequest request) => !string.IsNullOrEmpty(ReadSecret(request));

    private static string? ReadSecret(HttpRequest request)
    {
        string? secret = request.Headers[HeaderName];
        if (string.IsNullOrEmpty(secret))
        {
            var authorization = request.Headers.Authorization.ToString();
            if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                secret = authorization["Bearer ".Length..].Trim();
            }
        }

        if (string.IsNullOrEmpty(secret) && request.Path.StartsWithSegments("/hubs", StringComparison.OrdinalIgnoreCase))
        {
            secret = request.Query["access_token"];
        }

        return secret;
    }

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var secret = ReadSecret(Request);
        if (string.IsNullOrEmpty(secret))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (_keys.Find(secret) is not { } key)
        {
            return Task.FromResult(AuthenticateResult.Fail("unknown API key"));
        }

        var claims = new List<Claim> { new(ClaimTypes.Name, key.Name), new(ClaimTypes.Role, key.Role) };
        if (key.Maker is not null)
        {
            claims.Add(new Claim(Roles.MakerClaim, key.Maker));
        }

        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }
}
