using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NevHub.Server.Security;
using NevHub.Storage;
using NevHub.Storage.Analytics;
using static NevHub.Server.Api.AnalyticsApiSupport;

namespace NevHub.Server.Api;

/// <summary>Quality figures over a set of days, derived from the daily counters.</summary>
public sealed record QualitySummary(string Key, int Days, long Frames, long Realtime, long Reissue, long Duplicates, double OnlineRate,
    double? Completeness, double ReissueRatio, double DuplicateRatio, IReadOnlyList<long> LatencyHistogram, IReadOnlyList<double> LatencyBucketsSeconds,
    double? MeanClockDriftSeconds, double MaxClockDriftSeconds, long ClockDriftViolations, long OdometerJumps, long SocJumps, long PositionJumps,
    IReadOnlyDictionary<string, double> InvalidRates, IReadOnlyDictionary<string, double> AbnormalRates);

/// <summary>Data quality per vehicle (per day and summed) and per maker. Tenant-scoped.</summary>
public static class QualityApi
{
    public static RouteGroupBuilder MapQualityApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/quality").WithTags("Quality");
        api.MapGet("/vehicles/{vin}", Vehicle).WithName("VehicleQuality").WithSummary("A vehicle's data quality: summary and per UTC day.");
        api.MapGet("/makers", Makers_).WithName("MakerQuality").WithSummary("Data quality per maker (the caller's makers).");
        return api;
    }

    private static async Task<IResult> Vehicle(string vin, ClaimsPrincipal user, IVehicleStore store, IAnalyticsStore analytics, DateOnly? from,
        DateOnly? to, CancellationToken cancellationToken)
    {
        if (from > to)
        {
            return Problem("from", "from must not be after to");
        }

        if (await FindVisibleAsync(vin, user, store, cancellationToken).ConfigureAwait(false) is null)
        {
            return TypedResults.NotFound();
        }

        var days = await analytics.GetQualityDaysAsync(new DailyQuery { Vin = vin, FromDay = from ?? DateOnly.MinValue, ToDay = to ?? DateOnly.MaxValue },
            cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new { summary = Summarize(vin, days), days = days.Select(d => Summarize(d.Day.ToString("O"), [d])) });
    }

    private static async Task<IResult> Makers_(ClaimsPrincipal user, IAnalyticsStore analytics, DateOnly? from, DateOnly? to, CancellationToken cancellationToken)
    {
        if (from > to)
        {
            return Problem("from", "from must not be after to");
        }

        var days = await analytics.GetQualityDaysAsync(new DailyQuery
        {
            Makers = TenantScope.Of(user).Makers, FromDay = from ?? DateOnly.MinValue, ToDay = to ?? DateOnly.MaxValue, Limit = 1_000_000,
        }, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(days.GroupBy(d => d.Maker).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => Summarize(g.Key, [.. g])).ToList());
    }

    internal static QualitySummary Summarize(string key, IReadOnlyList<QualityDay> days)
    {
        var sum = days.Count == 0 ? new QualityDay { Vin = key, Day = default } : days.Aggregate(QualityMath.Add);
        var unique = Math.Max(1, sum.Frames - sum.Duplicates);
        var dayCount = days.Select(d => (d.Vin, d.Day)).Distinct().Count();
        static Dictionary<string, double> Rates(IReadOnlyDictionary<string, long> counts, long n) =>
            counts.ToDictionary(kv => kv.Key, kv => Math.Round((double)kv.Value / n, 6), StringComparer.Ordinal);
        return new QualitySummary(key, dayCount, sum.Frames, sum.Realtime, sum.Reissue, sum.Duplicates,
            dayCount == 0 ? 0 : Math.Round(sum.CoveredSeconds / (dayCount * 86_400.0), 6),
            sum.ExpectedFrames > 0 ? Math.Round((sum.Frames - sum.Duplicates) / sum.ExpectedFrames, 4) : null,
            sum.Frames == 0 ? 0 : Math.Round((double)sum.Reissue / sum.Frames, 6), sum.Frames == 0 ? 0 : Math.Round((double)sum.Duplicates / sum.Frames, 6),
            sum.Latency, [.. QualityBuckets.LatencySeconds.Select(b => double.IsInfinity(b) ? -1 : b)],
            sum.ClockDriftSamples > 0 ? Math.Round(sum.ClockDriftSumSeconds / sum.ClockDriftSamples, 3) : null, sum.ClockDriftMaxSeconds,
            sum.ClockDriftViolations, sum.OdometerJumps, sum.SocJumps, sum.PositionJumps, Rates(sum.InvalidFields, unique), Rates(sum.AbnormalFields, unique));
    }
}
