using Microsoft.Extensions.Options;
using NevHub.Domain;
using NevHub.Processing.Analytics;

namespace NevHub.Processing.Tests;

/// <summary>Coverage, expected frames and jumps add up the same whatever order the samples arrive in.</summary>
public sealed class QualityOrderTests
{
    private const string Vin = "LQUALORDER0000001";
    private static readonly DateTimeOffset T0 = new(2026, 5, 4, 2, 0, 0, TimeSpan.Zero);

    /// <summary>10-s samples over 20 min; the odometer jumps back once at minute 12 and the position leaps at minute 15.</summary>
    private static List<VehicleSample> Trace()
    {
        var samples = new List<VehicleSample>();
        for (var i = 0; i < 120; i++)
        {
            samples.Add(new VehicleSample
            {
                Vin = Vin,
                SampleTime = T0.AddSeconds(10 * i),
                ReceivedAt = T0.AddSeconds((10 * i) + 1),
                Protocol = TelemetryProtocol.Gbt32960V2016,
                OdometerKm = i == 72 ? 50 : 100 + (i * 0.1),
                SocPercent = 80 - (i * 0.05),
                PositionValid = true,
                Latitude = 29.56,
                Longitude = i == 90 ? 107.5 : 106.55 + (i * 0.0001),
            });
        }

        return samples;
    }

    private static (double Covered, double Expected, int Odometer, int Soc, int Position) Totals(IEnumerable<VehicleSample> arrival)
    {
        var sink = new MemorySink();
        var quality = new QualityProcessor(Options.Create(new AnalyticsOptions()), sink);
        foreach (var s in arrival)
        {
            quality.Observe(s);
        }

        return (Math.Round(sink.Quality.Sum(q => q.CoveredSeconds), 6), Math.Round(sink.Quality.Sum(q => q.ExpectedFrames), 6),
            sink.Quality.Sum(q => q.OdometerJumps), sink.Quality.Sum(q => q.SocJumps), sink.Quality.Sum(q => q.PositionJumps));
    }

    [Fact]
    public void A_gap_filled_late_by_reissued_data_counts_as_if_it_had_come_in_order()
    {
        var trace = Trace();
        var inOrder = Totals(trace);
        Assert.Equal(1190, inOrder.Covered);
        Assert.Equal(2, inOrder.Odometer); // down at 72, back up (a jump too) at 73
        Assert.Equal(2, inOrder.Position); // away at 90 and back at 91

        // An outage from minute 5 to 15: those samples arrive after the realtime ones resumed (GB/T 32960 reissue).
        var outage = trace.Where((_, i) => i is >= 30 and < 90).ToList();
        var late = trace.Except(outage).Concat(outage);
        Assert.Equal(inOrder, Totals(late));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(42)]
    public void Any_shuffle_gives_the_same_totals(int seed)
    {
        var trace = Trace();
        var random = new Random(seed);
        List<VehicleSample> shuffled = [.. trace.OrderBy(_ => random.Next())];
        Assert.Equal(Totals(trace), Totals(shuffled));
    }
}
