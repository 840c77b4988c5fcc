using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NevHub.Storage;
using NevHub.Storage.Analytics;
using static NevHub.Server.Api.AnalyticsApiSupport;

namespace NevHub.Server.Api;

/// <summary>A charging session as the API shows it: with ΔSOC × capacity (the energy of reconstructed sessions).</summary>
public sealed record ChargeView(ChargeSession Session, double? EnergyBySocKwh);

/// <summary>Charging sessions: lists (JSON or CSV), fleet-wide and per vehicle. Tenant-scoped.</summary>
public static class ChargesApi
{
    public static RouteGroupBuilder MapChargesApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api").WithTags("Charges");
        api.MapGet("/charges", List).WithName("ListCharges").WithSummary("Charging sessions of every vehicle the caller sees, newest first.");
        api.MapGet("/vehicles/{vin}/charges", ListOfVehicle).WithName("ListVehicleCharges").WithSummary("A vehicle's charging sessions, newest first.");
        return api;
    }

    private static Task<IResult> List(ClaimsPrincipal user, IVehicleStore store, IAnalyticsStore analytics, string? maker, DateTimeOffset? from,
        DateTimeOffset? to, int? limit, string? cursor, string? format, CancellationToken cancellationToken) =>
        Query(store, analytics, null, Makers(user, maker), from, to, limit, cursor, format, cancellationToken);

    private static async Task<IResult> ListOfVehicle(string vin, ClaimsPrincipal user, IVehicleStore store, IAnalyticsStore analytics,
        DateTimeOffset? from, DateTimeOffset? to, int? limit, string? cursor, string? format, CancellationToken cancellationToken)
    {
        if (Validate(from, to, limit, format) is { } problem)
        {
            return problem;
        }

        return await FindVisibleAsync(vin, user, store, cancellationToken).ConfigureAwait(false) is null
            ? TypedResults.NotFound()
            : await Query(store, analytics, vin, null, from, to, limit, cursor, format, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IResult> Query(IVehicleStore store, IAnalyticsStore analytics, string? vin, IReadOnlyCollection<string>? makers,
        DateTimeOffset? from, DateTimeOffset? to, int? limit, string? cursor, string? format, CancellationToken cancellationToken)
    {
        if (Validate(from, to, limit, format) is { } problem)
        {
            return problem;
        }

        Page<ChargeSession> page;
        try
        {
            page = await analytics.ListChargesAsync(new RecordQuery
            {
                Vin = vin, Makers = makers, From = from ?? DateTimeOffset.MinValue, To = to ?? DateTimeOffset.MaxValue, Limit = limit ?? 100, Cursor = cursor,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidCursorException ex)
        {
            return Problem("cursor", ex.Message);
        }

        var capacity = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var v in page.Items.Select(c => c.Vin).Distinct())
        {
            capacity[v] = (await store.GetVehicleAsync(v, cancellationToken).ConfigureAwait(false))?.BatteryCapacityKwh ?? 0;
        }

        var views = page.Items.Select(c => new ChargeView(c,
            c.StartSoc is { } a && c.EndSoc is { } b && capacity[c.Vin] > 0 ? Math.Round((b - a) / 100 * capacity[c.Vin], 3) : null)).ToList();
        if (format == "csv")
        {
            return Csv(views, "charges.csv",
                ("vin", c => c.Session.Vin), ("start", c => c.Session.Start), ("end", c => c.Session.End), ("start_soc", c => c.Session.StartSoc),
                ("end_soc", c => c.Session.EndSoc), ("energy_in_kwh", c => c.Session.EnergyInKwh), ("energy_by_soc_kwh", c => c.EnergyBySocKwh),
                ("avg_power_kw", c => c.Session.AvgPowerKw), ("peak_power_kw", c => c.Session.PeakPowerKw), ("type", c => c.Session.Type),
                ("place", c => c.Session.Place), ("latitude", c => c.Session.Latitude), ("longitude", c => c.Session.Longitude),
                ("reconstructed", c => c.Session.Reconstructed), ("complete", c => c.Session.Complete));
        }

        return TypedResults.Ok(new Page<ChargeView>(views, page.NextCursor));
    }
}
