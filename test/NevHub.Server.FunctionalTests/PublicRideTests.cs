using NevHub.Domain;
using NevHub.Server.Api;
using NevHub.Storage.Analytics;

namespace NevHub.Server.FunctionalTests;

/// <summary>The privacy trimming and thinning of <see cref="PublicRide"/>, without a server: the edge cases the scripted ride does not reach.</summary>
public sealed class PublicRideTests
{
    private static readonly DateTimeOffset T0 = new(2026, 4, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly Vehicle Scooter = new() { Vin = "LPUBLICRIDE000001", Maker = "yadea", Class = VehicleClass.Motorcycle };

    /// <summary>A sample every 10 s at <paramref name="metresEast"/>[i] metres east of 106.55, 29.56 (about 96.8 m per 0.001°).</summary>
    private static List<VehicleSample> Samples(params double[] metresEast) => [.. metresEast.Select((m, i) => new VehicleSample
    {
        Vin = Scooter.Vin,
        SampleTime = T0.AddSeconds(10 * i),
        ReceivedAt = T0.AddSeconds(10 * i),
        Protocol = TelemetryProtocol.Jt808V2019,
        SpeedKmh = 20,
        PositionValid = true,
        Latitude = 29.56,
        Longitude = 106.55 + (m / 96_800),
    })];

    private static Trip TripOf(IReadOnlyList<VehicleSample> samples) => new()
    {
        Vin = Scooter.Vin,
        Start = samples[0].SampleTime,
        End = samples[^1].SampleTime,
        DistanceGpsKm = 1,
        Route = [.. samples.Select(s => new RoutePoint(s.SampleTime, s.Latitude!.Value, s.Longitude!.Value))],
    };

    private static PublicRideView Build(IReadOnlyList<VehicleSample> samples, double trimMeters) =>
        PublicRide.Build(TripOf(samples), Scooter, samples, trimMeters, 0, routeToleranceM: 1, maxRoutePoints: 500);

    [Fact]
    public void A_ride_that_never_leaves_the_circle_shows_no_route_and_no_series()
    {
        var ride = Build(Samples(0, 100, 200, 250, 150, 50), 300);
        Assert.Empty(ride.Route);
        Assert.Empty(ride.Series);
        Assert.Equal((T0, T0.AddSeconds(50)), (ride.Start, ride.End));
    }

    [Fact]
    public void Trimming_off_keeps_the_whole_route_and_series()
    {
        var ride = Build(Samples(0, 100, 200, 300, 400), 0);
        Assert.Equal(5, ride.Series.Count);
        Assert.Equal(106.55, ride.Route[0][0], 9);
        Assert.Equal((T0, T0.AddSeconds(40)), (ride.Start, ride.End));
    }

    [Fact]
    public void A_one_way_ride_loses_its_first_and_last_300_metres()
    {
        // Home at 0 m, work at 1,000 m: kept from the first fix beyond 300 m of home to the last beyond 300 m of work.
        var ride = Build(Samples(0, 150, 290, 310, 500, 690, 710, 850, 1000), 300);
        Assert.Equal((T0.AddSeconds(30), T0.AddSeconds(50)), (ride.Start, ride.End));
        Assert.Equal([310.0, 690.0], ride.Route.Select(p => Math.Round((p[0] - 106.55) * 96_800)));
        Assert.Equal(3, ride.Series.Count);
    }

    [Fact]
    public void Without_any_fix_the_series_covers_the_whole_trip()
    {
        var samples = Samples(0, 0, 0).Select(s => s with { PositionValid = false }).ToList();
        var ride = PublicRide.Build(TripOf(samples) with { Route = [] }, Scooter, samples, 300, 0, 1, 500);
        Assert.Empty(ride.Route);
        Assert.Equal(3, ride.Series.Count);
    }

    [Theory]
    [InlineData(10, 500, 10)]
    [InlineData(501, 500, 500)]
    [InlineData(100_000, 500, 500)]
    public void Thinning_keeps_at_most_the_limit_with_the_first_and_the_last(int count, int max, int expected)
    {
        var thinned = PublicRide.Thin(Enumerable.Range(0, count).ToList(), max);
        Assert.Equal(expected, thinned.Count);
        Assert.Equal((0, count - 1), (thinned[0], thinned[^1]));
        Assert.Equal(thinned.Count, thinned.Distinct().Count());
    }
}
