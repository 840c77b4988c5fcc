namespace NevHub.Simulator.Model;

/// <summary>A named place of the built-in Chongqing road graph (approximate WGS-84 position and altitude).</summary>
public sealed record Place(int Id, string Name, double Latitude, double Longitude, double AltitudeM, bool HasCharger);

/// <summary>A point of a route polyline.</summary>
public readonly record struct GeoPoint(double Latitude, double Longitude, double AltitudeM);

/// <summary>
/// A small built-in road graph of real Chongqing places: districts, bridges and expressways between them.
/// Coordinates are approximate (±300 m) WGS-84; altitudes are approximate too (Chongqing is hilly, 160–420 m).
/// Every road gets a few deterministic intermediate waypoints so that routes are not straight lines.
/// </summary>
public static class ChongqingMap
{
    /// <summary>The bounding box every simulated position stays in.</summary>
    public const double MinLatitude = 29.3, MaxLatitude = 29.8, MinLongitude = 106.3, MaxLongitude = 106.8;

    public static IReadOnlyList<Place> Places { get; } =
    [
        new(0, "Jiefangbei", 29.5575, 106.5770, 250, false),
        new(1, "Chaotianmen", 29.5650, 106.5880, 190, false),
        new(2, "Jiangbeizui", 29.5720, 106.5780, 210, false),
        new(3, "Guanyinqiao", 29.5760, 106.5320, 280, true),
        new(4, "Lianglukou", 29.5530, 106.5510, 300, false),
        new(5, "Daping", 29.5440, 106.5210, 290, false),
        new(6, "Shapingba", 29.5570, 106.4570, 270, true),
        new(7, "Ciqikou", 29.5790, 106.4500, 220, false),
        new(8, "Xiyong", 29.6010, 106.3050, 320, true),
        new(9, "Yangjiaping", 29.5060, 106.5130, 300, true),
        new(10, "Chenjiaping", 29.5250, 106.4990, 310, false),
        new(11, "Nanping", 29.5270, 106.5700, 250, true),
        new(12, "Danzishi", 29.5820, 106.6080, 200, true),
        new(13, "Ranjiaba", 29.6060, 106.5220, 300, false),
        new(14, "Chongqing North Station", 29.6080, 106.5510, 300, true),
        new(15, "Longtousi", 29.6130, 106.5570, 320, false),
        new(16, "Lijia", 29.6480, 106.5250, 300, true),
        new(17, "Yuelai", 29.7150, 106.5650, 330, false),
        new(18, "Jiangbei Airport", 29.7190, 106.6420, 415, true),
        new(19, "Banan", 29.4000, 106.5300, 230, true),
        new(20, "Chayuan", 29.5150, 106.6550, 280, false),
        new(21, "Dadukou", 29.4830, 106.4840, 220, false),
    ];

    /// <summary>Roads: (from, to, speed limit in km/h). Expressways and ring roads have higher limits.</summary>
    internal static readonly (int From, int To, double LimitKmh)[] Roads =
    [
        (0, 1, 40), (0, 2, 50), (1, 2, 50), (0, 4, 50), (0, 11, 60), (1, 12, 60),
        (2, 3, 60), (4, 5, 60), (4, 11, 60), (5, 6, 60), (5, 9, 60), (5, 3, 60),
        (6, 7, 50), (6, 8, 80), (7, 16, 70), (9, 10, 50), (10, 6, 60), (9, 21, 60),
        (21, 19, 80), (9, 19, 80), (11, 19, 80), (11, 12, 60), (11, 20, 70), (12, 20, 70),
        (3, 13, 60), (13, 14, 60), (3, 14, 60), (14, 15, 50), (15, 18, 80), (14, 17, 80),
        (13, 16, 70), (16, 17, 70), (17, 18, 80), (2, 15, 60), (12, 15, 70),
    ];

    private static readonly List<(int To, int Road)>[] Adjacency = BuildAdjacency();
    private static readonly GeoPoint[][] RoadPolylines = BuildPolylines();

    public static Place Get(int id) => Places[id];

    /// <summary>Great-circle distance in metres (haversine, mean Earth radius).</summary>
    public static double DistanceM(double lat1, double lon1, double lat2, double lon2)
    {
        const double R = 6_371_000;
        var dLat = double.DegreesToRadians(lat2 - lat1);
        var dLon = double.DegreesToRadians(lon2 - lon1);
        var a = Math.Sin(dLat / 2) * Math.Sin(dLat / 2) + Math.Cos(double.DegreesToRadians(lat1)) *
            Math.Cos(double.DegreesToRadians(lat2)) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2);
        return 2 * R * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }

    /// <summary>The named place nearest to a position, and the distance to it in metres.</summary>
    public static (Place Place, double DistanceM) Nearest(double lat, double lon)
    {
        Place best = Places[0];
        var bestD = double.MaxValue;
        foreach (var p in Places)
        {
            var d = DistanceM(lat, lon, p.Latitude, p.Longitude);
            if (d < bestD)
            {
                bestD = d;
                best = p;
            }
        }

        return (best, bestD);
    }

    /// <summary>The charging place nearest (by road) to <paramref name="from"/>; <paramref name="from"/> itself when it has a charger.</summary>
    public static int NearestCharger(int from)
    {
        var dist = ShortestDistances(from, out _);
        var best = -1;
        for (var i = 0; i < Places.Count; i++)
        {
            if (Places[i].HasCharger && (best < 0 || dist[i] < dist[best]))
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>The shortest road route between two places, as a polyline with a speed limit per segment.</summary>
    public static Route Plan(int from, int to)
    {
        if (from == to)
        {
            throw new ArgumentException("A route needs two different places.", nameof(to));
        }

        ShortestDistances(from, out var previous);
        var roads = new List<(int Road, bool Forward)>();
        for (var at = to; at != from;)
        {
            var (prevPlace, road) = previous[at];
            roads.Add((road, Roads[road].From == prevPlace));
            at = prevPlace;
        }

        roads.Reverse();
        var points = new List<GeoPoint>();
        var limits = new List<double>();
        foreach (var (road, forward) in roads)
        {
            var line = RoadPolylines[road];
            for (var i = 0; i < line.Length; i++)
            {
                var p = forward ? line[i] : line[line.Length - 1 - i];
                if (points.Count > 0 && i == 0)
                {
                    continue; // shared junction with the previous road
                }

                if (points.Count > 0)
                {
                    limits.Add(Roads[road].LimitKmh / 3.6);
                }

                points.Add(p);
            }
        }

        return new Route(from, to, [.. points], [.. limits]);
    }

    private static double[] ShortestDistances(int from, out (int Prev, int Road)[] previous)
    {
        var n = Places.Count;
        var dist = new double[n];
        previous = new (int, int)[n];
        Array.Fill(dist, double.MaxValue);
        dist[from] = 0;
        var done = new bool[n];
        for (var k = 0; k < n; k++)
        {
            var u = -1;
            for (var i = 0; i < n; i++)
            {
                if (!done[i] && dist[i] < double.MaxValue && (u < 0 || dist[i] < dist[u]))
                {
                    u = i;
                }
            }

            if (u < 0)
            {
                break;
            }

            done[u] = true;
            foreach (var (to, road) in Adjacency[u])
            {
                var d = dist[u] + PolylineLength(RoadPolylines[road]);
                if (d < dist[to])
                {
                    dist[to] = d;
                    previous[to] = (u, road);
                }
            }
        }

        return dist;
    }

    internal static double PolylineLength(GeoPoint[] line)
    {
        var length = 0.0;
        for (var i = 1; i < line.Length; i++)
        {
            length += DistanceM(line[i - 1].Latitude, line[i - 1].Longitude, line[i].Latitude, line[i].Longitude);
        }

        return length;
    }

    private static List<(int, int)>[] BuildAdjacency()
    {
        var adjacency = new List<(int, int)>[Places.Count];
        for (var i = 0; i < adjacency.Length; i++)
        {
            adjacency[i] = [];
        }

        for (var r = 0; r < Roads.Length; r++)
        {
            adjacency[Roads[r].From].Add((Roads[r].To, r));
            adjacency[Roads[r].To].Add((Roads[r].From, r));
        }

        return adjacency;
    }

    /// <summary>Each road: its two ends plus 3–5 waypoints offset sideways by a fixed pseudo-random amount (curves, hills).</summary>
    private static GeoPoint[][] BuildPolylines()
    {
        var lines = new GeoPoint[Roads.Length][];
        for (var r = 0; r < Roads.Length; r++)
        {
            var a = Places[Roads[r].From];
            var b = Places[Roads[r].To];
            var rng = new Random(7919 * (r + 1)); // fixed: the map is the same for every seed
            var inner = 3 + rng.Next(3);
            var line = new GeoPoint[inner + 2];
            line[0] = new GeoPoint(a.Latitude, a.Longitude, a.AltitudeM);
            line[^1] = new GeoPoint(b.Latitude, b.Longitude, b.AltitudeM);
            var dLat = b.Latitude - a.Latitude;
            var dLon = b.Longitude - a.Longitude;
            for (var i = 1; i <= inner; i++)
            {
                var f = (double)i / (inner + 1);
                var side = (rng.NextDouble() - 0.5) * 0.25 * Math.Sin(Math.PI * f); // up to ±12 % of the road length sideways
                var hill = (rng.NextDouble() - 0.5) * 60 * Math.Sin(Math.PI * f);
                line[i] = new GeoPoint(
                    a.Latitude + (f * dLat) - (side * dLon),
                    a.Longitude + (f * dLon) + (side * dLat),
                    a.AltitudeM + (f * (b.AltitudeM - a.AltitudeM)) + hill);
            }

            lines[r] = line;
        }

        return lines;
    }
}

/// <summary>A planned route: polyline points, cumulative distances and a speed limit (m/s) per segment.</summary>
public sealed class Route
{
    private readonly double[] _cumulative;

    public Route(int from, int to, GeoPoint[] points, double[] limitsMs)
    {
        From = from;
        To = to;
        Points = points;
        LimitsMs = limitsMs;
        _cumulative = new double[points.Length];
        for (var i = 1; i < points.Length; i++)
        {
            _cumulative[i] = _cumulative[i - 1] + ChongqingMap.DistanceM(
                points[i - 1].Latitude, points[i - 1].Longitude, points[i].Latitude, points[i].Longitude);
        }
    }

    public int From { get; }

    public int To { get; }

    public IReadOnlyList<GeoPoint> Points { get; }

    public IReadOnlyList<double> LimitsMs { get; }

    public double LengthM => _cumulative[^1];

    /// <summary>Position, segment speed limit and heading-independent grade (rise/run) at a distance along the route.</summary>
    public (GeoPoint Point, double LimitMs, double Grade) At(double s)
    {
        s = Math.Clamp(s, 0, LengthM);
        var i = Array.BinarySearch(_cumulative, s);
        if (i < 0)
        {
            i = ~i;
        }

        var seg = Math.Clamp(i - 1, 0, Points.Count - 2);
        var segLength = _cumulative[seg + 1] - _cumulative[seg];
        var f = segLength > 0 ? (s - _cumulative[seg]) / segLength : 0;
        var a = Points[seg];
        var b = Points[seg + 1];
        var p = new GeoPoint(
            a.Latitude + (f * (b.Latitude - a.Latitude)),
            a.Longitude + (f * (b.Longitude - a.Longitude)),
            a.AltitudeM + (f * (b.AltitudeM - a.AltitudeM)));
        var grade = segLength > 0 ? (b.AltitudeM - a.AltitudeM) / segLength : 0;
        return (p, LimitsMs[seg], grade);
    }
}
