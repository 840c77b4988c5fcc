using System.Security.Claims;

namespace NevHub.Server.Security;

/// <summary>Who may do what. A maker viewer sees only the vehicles of its own maker (the tenant).</summary>
public static class Roles
{
    public const string Admin = "admin";
    public const string Operator = "operator";
    public const string MakerViewer = "maker";

    public const string MakerClaim = "nevhub:maker";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Admin, Operator, MakerViewer };
}

/// <summary>The set of makers a caller may see: null means every maker (admin, operator).</summary>
public sealed record TenantScope(IReadOnlySet<string>? Makers)
{
    public static TenantScope Of(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.IsInRole(Roles.Admin) || user.IsInRole(Roles.Operator))
        {
            return new TenantScope((IReadOnlySet<string>?)null);
        }

        // Anyone else sees only the makers named in their claims; no claim means nothing at all.
        return new TenantScope(user.FindAll(Roles.MakerClaim).Select(c => c.Value).ToHashSet(StringComparer.Ordinal));
    }

    public bool AllowsMaker(string maker) => Makers is null || Makers.Contains(maker);

    public bool CanWrite(ClaimsPrincipal user) => user.IsInRole(Roles.Admin) || user.IsInRole(Roles.Operator);
}
