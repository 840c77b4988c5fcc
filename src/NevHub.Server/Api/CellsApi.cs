using System.Security.Claims;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NevHub.Domain;
using NevHub.Processing;
using NevHub.Storage;
using static NevHub.Server.Api.AnalyticsApiSupport;

namespace NevHub.Server.Api;

/// <summary>One battery subsystem (pack) of a frame: cell voltages by cell number (1 = index 0; null = not sent) and probe temperatures.</summary>
public sealed record SubsystemCellsView(int Number, IReadOnlyList<double?> CellVoltagesV, IReadOnlyList<double?> ProbeTemperaturesC);

/// <summary>The cells and probes of a vehicle's newest frame that carried them; <see cref="Time"/> is its sample time (null: none).</summary>
public sealed record CellsView(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] DateTimeOffset? Time,
    IReadOnlyList<SubsystemCellsView> Subsystems)
{
    /// <summary>Highest cell number placed; a 2016 pack has at most 65,535 cells, so nothing larger is allocated for a hostile frame.</summary>
    public const int MaxCells = ushort.MaxValue;

    /// <summary>
    /// Joins a frame's entries per subsystem: a long cell list comes in several entries, each placed by its first cell number;
    /// probe lists are appended in frame order.
    /// </summary>
    public static CellsView Of(DateTimeOffset time, SampleDetail detail)
    {
        ArgumentNullException.ThrowIfNull(detail);
        var numbers = detail.CellVoltages.Select(p => p.Pack).Concat(detail.Temperatures.Select(p => p.Pack)).Distinct().Order();
        var subsystems = numbers.Select(n =>
        {
            var entries = detail.CellVoltages.Where(p => p.Pack == n).ToList();
            var count = entries.Select(e => Math.Max(e.TotalCells, Math.Max(1, e.FirstCellIndex) - 1 + e.CellsV.Count)).DefaultIfEmpty(0).Max();
            var cells = new double?[Math.Min(count, MaxCells)];
            foreach (var e in entries)
            {
                var offset = Math.Max(1, e.FirstCellIndex) - 1;
                for (var i = 0; i < e.CellsV.Count && offset + i < cells.Length; i++)
                {
                    cells[offset + i] = e.CellsV[i];
                }
            }

            var probes = detail.Temperatures.Where(p => p.Pack == n).SelectMany(p => p.ProbesC).ToList();
            return new SubsystemCellsView(n, cells, probes);
        });
        return new CellsView(time, [.. subsystems]);
    }
}

/// <summary>Cell-voltage and probe-temperature heat-map data of a vehicle. Tenant-scoped like the vehicles API.</summary>
public static class CellsApi
{
    /// <summary>How many of the newest stored samples are searched for one with cells when the live state has none.</summary>
    private const int SamplesSearched = 20;

    public static RouteHandlerBuilder MapCellsApi(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/api/vehicles/{vin}/cells", Get).WithTags("Vehicles").WithName("GetVehicleCells")
            .WithSummary("Cell voltages and probe temperatures of the newest frame that carried them, per subsystem (heat maps).");

    private static async Task<IResult> Get(string vin, ClaimsPrincipal user, IVehicleStore store, LiveTwin twin, CancellationToken cancellationToken)
    {
        if (await FindVisibleAsync(vin, user, store, cancellationToken).ConfigureAwait(false) is null)
        {
            return TypedResults.NotFound();
        }

        // The twin holds the newest frame with its detail; after a restart it is restored without detail, so ask the store.
        var latest = twin.Get(vin)?.Latest;
        if (latest is null || !HasCells(latest))
        {
            var page = await store.GetSamplesAsync(new SampleQuery { Vin = vin, Descending = true, IncludeDetail = true, Limit = SamplesSearched },
                cancellationToken).ConfigureAwait(false);
            latest = page.Items.FirstOrDefault(HasCells) ?? latest;
        }

        return TypedResults.Ok(latest?.Detail is { } detail && HasCells(latest)
            ? CellsView.Of(latest.SampleTime, detail)
            : new CellsView(null, []));
    }

    private static bool HasCells(VehicleSample s) => s.Detail is { } d && (d.CellVoltages.Count > 0 || d.Temperatures.Count > 0);
}
