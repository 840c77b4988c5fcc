using NevHub.Storage.Analytics;

namespace NevHub.Processing.Analytics;

/// <summary>Great-circle distances and route simplification.</summary>
public static class Geo
{
    private const double EarthRadiusM = 6_371_008.8;

    /// <summary>Haversine distance in metres.</summary>
    public static double DistanceM(double lat1, double lon1, double lat2, double lon2)
    {
        var dLat = DegreesToRadians(lat2 - lat1);
        var dLon = DegreesToRadians(lon2 - lon1);
        var a = (Math.Sin(dLat / 2) * Math.Sin(dLat / 2))
            + (Math.Cos(DegreesToRadians(lat1)) * Math.Cos(DegreesToRadians(lat2)) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2));
        return 2 * EarthRadiusM * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }

    /// <summary>
    /// Douglas–Peucker on a local equirectangular projection, tolerance in metres; then doubles the tolerance until at
    /// most <paramref name="maxPoints"/> remain. First and last points are always kept.
    /// </summary>
    public static IReadOnlyList<RoutePoint> Simplify(IReadOnlyList<RoutePoint> points, double toleranceM, int maxPoints)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count <= 2)
        {
            return [.. points];
        }

        var lat0 = DegreesToRadians(points[0].Latitude);
        var xs = new double[points.Count];
        var ys = new double[points.Count];
        for (var i = 0; i < points.Count; i++)
        {
            xs[i] = DegreesToRadians(points[i].Longitude) * Math.Cos(lat0) * EarthRadiusM;
            ys[i] = DegreesToRadians(points[i].Latitude) * EarthRadiusM;
        }

        var tolerance = toleranceM;
        while (true)
        {
            var keep = new bool[points.Count];
            keep[0] = keep[^1] = true;
            var stack = new Stack<(int, int)>();
            stack.Push((0, points.Count - 1));
            while (stack.Count > 0)
            {
                var (a, b) = stack.Pop();
                var worst = -1;
                var worstDistance = tolerance;
                for (var i = a + 1; i < b; i++)
                {
                    var d = SegmentDistance(xs[i], ys[i], xs[a], ys[a], xs[b], ys[b]);
                    if (d > worstDistance)
                    {
                        worst = i;
                        worstDistance = d;
                    }
                }

                if (worst > 0)
                {
                    keep[worst] = true;
                    stack.Push((a, worst));
                    stack.Push((worst, b));
                }
            }

            var result = new List<RoutePoint>();
            for (var i = 0; i < points.Count; i++)
            {
                if (keep[i])
                {
                    result.Add(points[i]);
                }
            }

            if (result.Count <= Math.Max(2, maxPoints))
            {
                return result;
            }

            tolerance *= 2;
        }
    }

    /// <summary>The nearest named place within <paramref name="radiusM"/>, or null.</summary>
    public static string? NearestPlace(IReadOnlyList<NamedPlace> places, double? latitude, double? longitude, double radiusM)
    {
        ArgumentNullException.ThrowIfNull(places);
        if (latitude is not { } lat || longitude is not { } lon || places.Count == 0)
        {
            return null;
        }

        string? best = null;
        var bestDistance = radiusM;
        foreach (var p in places)
        {
            var d = DistanceM(lat, lon, p.Latitude, p.Longitude);
            if (d <= bestDistance)
            {
                best = p.Name;
                bestDistance = d;
            }
        }

        return best;
    }

    private static double SegmentDistance(double px, double py, double ax, double ay, double bx, double by)
    {
        var dx = bx - ax;
        var dy = by - ay;
        var length2 = (dx * dx) + (dy * dy);
        var t = length2 == 0 ? 0 : Math.Clamp((((px - ax) * dx) + ((py - ay) * dy)) / length2, 0, 1);
        var cx = ax + (t * dx) - px;
        var cy = ay + (t * dy) - py;
        return Math.Sqrt((cx * cx) + (cy * cy));
    }

    private static double DegreesToRadians(double degrees) => degrees * Math.PI / 180;
}
