using System.Collections;
using NevHub.Storage.Analytics;

namespace NevHub.Processing.Analytics;

/// <summary>
/// The raw route of an open trip, appended to by the vehicle's lane. A snapshot (<see cref="Snapshot"/>,
/// <see cref="Simplified"/>) sees the points added so far and never changes: points are only ever appended, and growth
/// copies into a new array, leaving the one a snapshot holds intact. So a snapshot can be read on another thread (the
/// writer, after taking the record through its lock) while the lane keeps appending.
/// </summary>
internal sealed class RouteBuffer
{
    private RoutePoint[] _points = new RoutePoint[16];
    private int _count;

    public void Add(RoutePoint point)
    {
        if (_count == _points.Length)
        {
            Array.Resize(ref _points, _points.Length * 2);
        }

        _points[_count++] = point;
    }

    public IReadOnlyList<RoutePoint> Snapshot() => new ArraySegment<RoutePoint>(_points, 0, _count);

    /// <summary>The Douglas–Peucker simplification of the points so far, computed when first read (once per stored version, not per sample).</summary>
    public IReadOnlyList<RoutePoint> Simplified(double toleranceM, int maxPoints) =>
        new LazySimplifiedRoute(new ArraySegment<RoutePoint>(_points, 0, _count), toleranceM, maxPoints);

    private sealed class LazySimplifiedRoute(ArraySegment<RoutePoint> raw, double toleranceM, int maxPoints) : IReadOnlyList<RoutePoint>
    {
        private readonly Lazy<IReadOnlyList<RoutePoint>> _simplified = new(() => Geo.Simplify(raw, toleranceM, maxPoints));

        public int Count => _simplified.Value.Count;

        public RoutePoint this[int index] => _simplified.Value[index];

        public IEnumerator<RoutePoint> GetEnumerator() => _simplified.Value.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
