using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using NevHub.Gateways;
using NevHub.Processing;
using NevHub.Server.Hosting;
using NevHub.Server.Security;

namespace NevHub.Server.Api;

/// <summary>Platform health and ingestion figures: what an operator (and the load harness) checks first.</summary>
public sealed record IngestStats(
    int VehiclesKnown,
    int VehiclesOnline,
    long FramesReceived,
    long BadFrames,
    long MessagesApplied,
    long MessagesDurable,
    double TwinLatencyP50Ms,
    double TwinLatencyP99Ms,
    long WorkingSetBytes,
    long PeakWorkingSetBytes,
    double ProcessCpuSeconds,
    DateTimeOffset StartedAt);

public static class StatsApi
{
    public static IEndpointRouteBuilder MapStatsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/health", () => TypedResults.Ok(new { status = "ok" }))
            .AllowAnonymous().WithTags("Health").WithSummary("Liveness: the process answers.");

        var admin = routes.MapGroup("/api/admin").WithTags("Admin").RequireAuthorization(p => p.RequireRole(Roles.Admin, Roles.Operator));
        admin.MapGet("/stats", GetStats).WithName("GetStats").WithSummary("Fleet and ingestion statistics.");
        admin.MapPost("/stats/reset", ResetLatency).WithName("ResetLatency").WithSummary("Reset the receipt-to-twin latency histogram.");
        return routes;
    }

    private static Ok<IngestStats> GetStats(LiveTwin twin, IngestBus bus, GatewayMetrics gateways, IIngestSink sink)
    {
        using var process = Process.GetCurrentProcess();
        return TypedResults.Ok(new IngestStats(
            twin.Count,
            twin.OnlineCount,
            gateways.FramesTotal,
            gateways.BadFramesTotal,
            bus.Applied,
            (sink as GroupCommitSink)?.Durable ?? 0,
            bus.TwinLatency.Percentile(50).TotalMilliseconds,
            bus.TwinLatency.Percentile(99).TotalMilliseconds,
            process.WorkingSet64,
            process.PeakWorkingSet64,
            process.TotalProcessorTime.TotalSeconds,
            new DateTimeOffset(process.StartTime.ToUniversalTime(), TimeSpan.Zero)));
    }

    private static NoContent ResetLatency(IngestBus bus)
    {
        bus.TwinLatency.Reset();
        return TypedResults.NoContent();
    }
}
