using NevHub.Domain;
using NevHub.Processing.Analytics;
using NevHub.Storage.Analytics;

namespace NevHub.Server.Api;

/// <summary>One point of a public ride's time series: Unix ms, speed, SOC and pack power (V·I, positive = discharging).</summary>
public sealed record RideSeriesPoint(long T, double? SpeedKmh, double? Soc, double? PowerKw)
{
    public static RideSeriesPoint Of(VehicleSample s) => new(
        s.SampleTime.ToUnixTimeMilliseconds(),
        s.SpeedKmh,
        s.SocPercent,
        s.PackVoltageV is { } v && s.PackCurrentA is { } a ? Math.Round(v * a / 1000, 3) : null);
}

/// <summary>
/// What a share link shows of a trip: nothing that identifies the vehicle or its rider (no VIN, no terminal, no plate), the
/// route and the time series trimmed near its start and end, and the whole trip's figures.
/// </summary>
public sealed record PublicRideView(
    VehicleClass VehicleClass,
    string Maker,
    DateTimeOffset Start,
    DateTimeOffset End,
    double DurationS,
    double DistanceKm,
    double EnergyKwh,
    double? KwhPer100Km,
    double Co2AvoidedKg,
    double MaxSpeedKmh,
    double AvgSpeedKmh,
    IReadOnlyList<double[]> Route,
    IReadOnlyList<RideSeriesPoint> Series);

/// <summary>The privacy trimming and thinning behind <see cref="PublicRideView"/>; pure, so it is tested without a server.</summary>
public static class PublicRide
{
    /// <summary>Most points in a public ride's time series.</summary>
    public const int MaxSeriesPoints = 500;

    /// <summary>
    /// The index range of <paramref name="track"/> that stays after removing what lies within <paramref name="trimMeters"/> of
    /// its first point and of its last point: from the first point farther than that from the start to the last point farther
    /// than that from the end. Null when nothing remains; the whole track when <paramref name="trimMeters"/> is 0.
    /// </summary>
    public static (int First, int Last)? KeptRange(IReadOnlyList<RoutePoint> track, double trimMeters)
    {
        ArgumentNullException.ThrowIfNull(track);
        if (track.Count == 0)
        {
            return null;
        }

        if (trimMeters <= 0)
        {
            return (0, track.Count - 1);
        }

        var start = track[0];
        var end = track[^1];
        var first = -1;
        for (var i = 0; i < track.Count; i++)
        {
            if (Geo.DistanceM(start.Latitude, start.Longitude, track[i].Latitude, track[i].Longitude) > trimMeters)
            {
                first = i;
                break;
            }
        }

        var last = -1;
        for (var i = track.Count - 1; i >= 0; i--)
        {
            if (Geo.DistanceM(end.Latitude, end.Longitude, track[i].Latitude, track[i].Longitude) > trimMeters)
            {
                last = i;
                break;
            }
        }

        return first < 0 || last < 0 || first > last ? null : (first, last);
    }

    /// <summary>At most <paramref name="max"/> items, evenly spaced by index, always with the first and the last.</summary>
    public static IReadOnlyList<T> Thin<T>(IReadOnlyList<T> items, int max)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 2);
        if (items.Count <= max)
        {
            return items;
        }

        var thinned = new T[max];
        for (var i = 0; i < max; i++)
        {
            thinned[i] = items[(int)((long)i * (items.Count - 1) / (max - 1))];
        }

        return thinned;
    }

    /// <summary>
    /// The public view of <paramref name="trip"/>. <paramref name="samples"/> are the trip's samples in time order (empty when
    /// retention removed them: the stored simplified route is trimmed instead). The route comes from the samples' fixes, trimmed
    /// by <see cref="KeptRange"/> and simplified like trip routes; start, end and series cover the kept part. Nothing kept
    /// means an empty route and series, with the trip's own start and end. Without any fix there is nothing to hide, so the
    /// series covers the whole trip.
    /// </summary>
    public static PublicRideView Build(Trip trip, Vehicle vehicle, IReadOnlyList<VehicleSample> samples, double trimMeters,
        double co2AvoidedKg, double routeToleranceM, int maxRoutePoints)
    {
        ArgumentNullException.ThrowIfNull(trip);
        ArgumentNullException.ThrowIfNull(vehicle);
        ArgumentNullException.ThrowIfNull(samples);
        IReadOnlyList<RoutePoint> track = samples.Count == 0
            ? trip.Route
            : [.. samples.Where(s => s.PositionValid && s.Latitude is not null && s.Longitude is not null)
                .Select(s => new RoutePoint(s.SampleTime, s.Latitude!.Value, s.Longitude!.Value))];

        DateTimeOffset from = trip.Start, to = trip.End;
        IReadOnlyList<RoutePoint> route = [];
        var keepSeries = true;
        if (track.Count > 0)
        {
            if (KeptRange(track, trimMeters) is var (first, last))
            {
                var kept = track.Skip(first).Take(last - first + 1).ToList();
                (from, to) = (kept[0].Time, kept[^1].Time);
                route = Geo.Simplify(kept, routeToleranceM, maxRoutePoints);
            }
            else
            {
                keepSeries = false;
            }
        }

        var series = keepSeries
            ? Thin([.. samples.Where(s => s.SampleTime >= from && s.SampleTime <= to).Select(RideSeriesPoint.Of)], MaxSeriesPoints)
            : [];
        return new PublicRideView(
            vehicle.Class,
            vehicle.Maker,
            from,
            to,
            Math.Round(trip.Duration.TotalSeconds, 3),
            Math.Round(trip.DistanceKm, 3),
            Math.Round(trip.EnergyKwh, 4),
            TripsApi.Efficiency(trip),
            co2AvoidedKg,
            Math.Round(trip.MaxSpeedKmh, 1),
            Math.Round(trip.AvgSpeedKmh, 1),
            [.. route.Select(p => new[] { p.Longitude, p.Latitude })],
            series);
    }
}
