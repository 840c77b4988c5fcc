using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NevHub.Domain;
using NevHub.Processing.Analytics;
using NevHub.Server.Security;
using NevHub.Storage;
using NevHub.Storage.Analytics;
using static NevHub.Server.Api.AnalyticsApiSupport;

namespace NevHub.Server.Api;

public sealed record EnergyRow(string Key, DateOnly? Day, int Vehicles, int Trips, double DistanceKm, double EnergyKwh, double? KwhPer100Km,
    double WallEnergyKwh, double ProjectKgCo2, double BaselineKgCo2, double AvoidedKgCo2);

public sealed record EnergyReport(string GroupBy, EmissionFactor GridFactor, IReadOnlyList<EnergyRow> Rows);

/// <summary>
/// Energy and carbon per vehicle per day, per vehicle, per maker and for the fleet, computed from stored trips with the
/// active factors at request time (so changing the active factor recomputes every aggregate); the factors as data.
/// </summary>
public static class EnergyApi
{
    public static RouteGroupBuilder MapEnergyApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/energy").WithTags("Energy");
        api.MapGet("/", Report).WithName("EnergyReport")
            .WithSummary("Energy and CO2 avoided; groupBy = day (per vehicle per day), vehicle, maker or fleet; from/to are UTC days (inclusive).");
        api.MapGet("/factors", Factors).WithName("ListEmissionFactors").WithSummary("Emission factors and fossil baselines.");
        api.MapPost("/factors", AddFactor).WithName("AddEmissionFactor").WithSummary("Add or replace a factor (admin, operator).");
        api.MapPut("/factors/active", SetActive).WithName("SetActiveGridFactor").WithSummary("Make a grid factor the active one (admin, operator).");
        return api;
    }

    public sealed record ActiveFactorRequest(string Id);

    private static async Task<IResult> Report(ClaimsPrincipal user, IVehicleStore store, IAnalyticsStore analytics, string? groupBy, string? vin,
        string? maker, DateOnly? from, DateOnly? to, CancellationToken cancellationToken)
    {
        groupBy ??= "fleet";
        if (groupBy is not ("day" or "vehicle" or "maker" or "fleet"))
        {
            return Problem("groupBy", "groupBy is day, vehicle, maker or fleet");
        }

        if (from > to)
        {
            return Problem("from", "from must not be after to");
        }

        if (vin is not null && await FindVisibleAsync(vin, user, store, cancellationToken).ConfigureAwait(false) is null)
        {
            return TypedResults.NotFound();
        }

        var calculator = new CarbonCalculator(await analytics.ListFactorsAsync(cancellationToken).ConfigureAwait(false),
            await analytics.ListBaselinesAsync(cancellationToken).ConfigureAwait(false));
        var days = await analytics.GetDailyEnergyAsync(new DailyQuery
        {
            Vin = vin, Makers = Makers(user, maker), FromDay = from ?? DateOnly.MinValue, ToDay = to ?? DateOnly.MaxValue, Limit = 100_000,
        }, cancellationToken).ConfigureAwait(false);
        var classes = new Dictionary<string, VehicleClass>(StringComparer.Ordinal);
        var scope = TenantScope.Of(user);
        var visible = new List<(DailyEnergy Day, CarbonResult Carbon)>();
        foreach (var d in days)
        {
            if (!classes.TryGetValue(d.Vin, out var c))
            {
                var vehicle = await store.GetVehicleAsync(d.Vin, cancellationToken).ConfigureAwait(false);
                // The stored maker is what the writer saw; the registry's current maker decides visibility.
                c = classes[d.Vin] = vehicle is not null && scope.AllowsMaker(vehicle.Maker) ? vehicle.Class : 0;
            }

            if (c != 0)
            {
                visible.Add((d, calculator.Compute(c, d.DistanceKm, d.EnergyKwh)));
            }
        }

        var rows = visible.GroupBy(x => groupBy switch
            {
                "day" => (x.Day.Vin, (DateOnly?)x.Day.Day),
                "vehicle" => (x.Day.Vin, null),
                "maker" => (x.Day.Maker, null),
                _ => ("fleet", null),
            })
            .Select(g =>
            {
                var distance = g.Sum(x => x.Day.DistanceKm);
                var energy = g.Sum(x => x.Day.EnergyKwh);
                return new EnergyRow(g.Key.Item1, g.Key.Item2, g.Select(x => x.Day.Vin).Distinct().Count(), g.Sum(x => x.Day.Trips), Math.Round(distance, 3),
                    Math.Round(energy, 4), distance > 0.1 ? Math.Round(energy / distance * 100, 2) : null, Math.Round(g.Sum(x => x.Carbon.WallEnergyKwh), 4),
                    Math.Round(g.Sum(x => x.Carbon.ProjectKg), 4), Math.Round(g.Sum(x => x.Carbon.BaselineKg), 4), Math.Round(g.Sum(x => x.Carbon.AvoidedKg), 4));
            })
            .OrderBy(r => r.Key, StringComparer.Ordinal).ThenBy(r => r.Day)
            .ToList();
        return TypedResults.Ok(new EnergyReport(groupBy, calculator.Grid, rows));
    }

    private static async Task<IResult> Factors(IAnalyticsStore analytics, CancellationToken cancellationToken) =>
        TypedResults.Ok(new
        {
            factors = await analytics.ListFactorsAsync(cancellationToken).ConfigureAwait(false),
            baselines = await analytics.ListBaselinesAsync(cancellationToken).ConfigureAwait(false),
        });

    private static async Task<IResult> AddFactor(EmissionFactor factor, ClaimsPrincipal user, IAnalyticsStore analytics, CancellationToken cancellationToken)
    {
        if (!TenantScope.Of(user).CanWrite(user))
        {
            return TypedResults.Forbid();
        }

        if (string.IsNullOrWhiteSpace(factor.Id) || factor.Id.Length > 100 || !double.IsFinite(factor.Value) || factor.Value < 0 || factor.Value > 100
            || factor.Year is < 1990 or > 2100 || factor.Scope.Length > 500 || factor.Source.Length > 500 || factor.Unit.Length > 50
            || !Enum.IsDefined(factor.Kind))
        {
            return Problem("factor", "id (1–100 chars), kind, value 0–100, year 1990–2100, unit, scope and source are required");
        }

        await analytics.UpsertFactorAsync(factor, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(factor with { Active = (await analytics.ListFactorsAsync(cancellationToken).ConfigureAwait(false)).First(f => f.Id == factor.Id).Active });
    }

    private static async Task<IResult> SetActive(ActiveFactorRequest request, ClaimsPrincipal user, IAnalyticsStore analytics, CancellationToken cancellationToken)
    {
        if (!TenantScope.Of(user).CanWrite(user))
        {
            return TypedResults.Forbid();
        }

        return await analytics.SetActiveGridFactorAsync(request.Id ?? "", cancellationToken).ConfigureAwait(false)
            ? TypedResults.NoContent()
            : Problem("id", "no grid factor with that id");
    }
}
