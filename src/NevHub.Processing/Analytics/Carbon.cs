using NevHub.Domain;
using NevHub.Storage.Analytics;

namespace NevHub.Processing.Analytics;

/// <summary>CO2 of a distance driven electrically vs a comparable gasoline vehicle (T/CSAE 235-2021: reduction = baseline − project).</summary>
public sealed record CarbonResult(double DistanceKm, double PackEnergyKwh, double WallEnergyKwh, double ProjectKg, double BaselineKg, double AvoidedKg);

/// <summary>The active factors in one place; built from the store's data on each request, so a change of factor applies at once.</summary>
public sealed class CarbonCalculator
{
    /// <summary>Pack energy / wall energy when only pack energy is known. Default 0.90.</summary>
    public const double DefaultChargingEfficiency = 0.90;

    private readonly EmissionFactor _grid;
    private readonly IReadOnlyDictionary<VehicleClass, (FossilBaseline Baseline, EmissionFactor Fuel)> _baselines;

    public CarbonCalculator(IReadOnlyList<EmissionFactor> factors, IReadOnlyList<FossilBaseline> baselines)
    {
        ArgumentNullException.ThrowIfNull(factors);
        ArgumentNullException.ThrowIfNull(baselines);
        _grid = factors.FirstOrDefault(f => f.Kind == FactorKind.Grid && f.Active)
            ?? throw new InvalidOperationException("No active grid emission factor.");
        var byId = factors.ToDictionary(f => f.Id, StringComparer.Ordinal);
        _baselines = baselines.Where(b => byId.ContainsKey(b.FuelFactorId)).ToDictionary(b => b.Class, b => (b, byId[b.FuelFactorId]));
    }

    public EmissionFactor Grid => _grid;

    public CarbonResult Compute(VehicleClass vehicleClass, double distanceKm, double packEnergyKwh, double chargingEfficiency = DefaultChargingEfficiency)
    {
        var wall = Math.Max(0, packEnergyKwh) / chargingEfficiency;
        var project = wall * _grid.Value;
        var baseline = _baselines.TryGetValue(vehicleClass, out var b) ? distanceKm * b.Baseline.LitresPer100Km / 100 * b.Fuel.Value : 0;
        return new CarbonResult(Math.Round(distanceKm, 3), Math.Round(packEnergyKwh, 4), Math.Round(wall, 4), Math.Round(project, 4),
            Math.Round(baseline, 4), Math.Round(baseline - project, 4));
    }
}
