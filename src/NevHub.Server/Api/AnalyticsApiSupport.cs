using System.Globalization;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using NevHub.Domain;
using NevHub.Server.Security;
using NevHub.Storage;

namespace NevHub.Server.Api;

/// <summary>Tenant checks, validation and CSV shared by the analytics APIs (same rules as <see cref="VehiclesApi"/>).</summary>
public static class AnalyticsApiSupport
{
    public const int MaxPageSize = 1000;

    /// <summary>Maps all analytics APIs: trips, charges, alarms, energy, quality.</summary>
    public static IEndpointRouteBuilder MapAnalyticsApis(this IEndpointRouteBuilder routes)
    {
        routes.MapTripsApi();
        routes.MapChargesApi();
        routes.MapAlarmsApi();
        routes.MapEnergyApi();
        routes.MapQualityApi();
        return routes;
    }

    /// <summary>The vehicle, or null when it does not exist or the caller may not see it (both 404).</summary>
    public static async Task<Vehicle?> FindVisibleAsync(string vin, ClaimsPrincipal user, IVehicleStore store, CancellationToken cancellationToken)
    {
        if (vin.Length is 0 or > VehicleCsv.MaxVinLength)
        {
            return null;
        }

        var vehicle = await store.GetVehicleAsync(vin, cancellationToken).ConfigureAwait(false);
        return vehicle is not null && TenantScope.Of(user).AllowsMaker(vehicle.Maker) ? vehicle : null;
    }

    public static ValidationProblem? Validate(DateTimeOffset? from, DateTimeOffset? to, int? limit, string? format = null)
    {
        if (from > to)
        {
            return Problem("from", "from must not be after to");
        }

        if (limit is < 1 or > MaxPageSize)
        {
            return Problem("limit", string.Create(CultureInfo.InvariantCulture, $"limit must be between 1 and {MaxPageSize}"));
        }

        return format is null or "json" or "csv" ? null : Problem("format", "format is 'json' or 'csv'");
    }

    public static ValidationProblem Problem(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>Makers the caller may see, narrowed by an optional maker filter (never widened).</summary>
    public static IReadOnlyCollection<string>? Makers(ClaimsPrincipal user, string? maker)
    {
        var scope = TenantScope.Of(user);
        return maker is null ? scope.Makers : scope.AllowsMaker(maker) ? [maker] : [];
    }

    public static IResult Csv<T>(IEnumerable<T> rows, string fileName, params (string Header, Func<T, object?> Value)[] columns)
    {
        var sb = new StringBuilder();
        sb.AppendJoin(',', columns.Select(c => c.Header)).Append('\n');
        foreach (var row in rows)
        {
            sb.AppendJoin(',', columns.Select(c => Field(c.Value(row)))).Append('\n');
        }

        return TypedResults.File(Encoding.UTF8.GetBytes(sb.ToString()), "text/csv; charset=utf-8", fileName);
    }

    private static string Field(object? value)
    {
        var text = value switch
        {
            null => "",
            DateTimeOffset t => t.ToString("O", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        // Quote fields with separators, and neutralise spreadsheet formulas.
        if (text.Length > 0 && text[0] is '=' or '+' or '@' or '-' && value is string)
        {
            text = "'" + text;
        }

        return text.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
    }
}
