using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NevHub.Server.Security;
using NevHub.Storage;
using NevHub.Storage.Analytics;
using static NevHub.Server.Api.AnalyticsApiSupport;

namespace NevHub.Server.Api;

/// <summary>An alarm with its handling and time to acknowledge (acknowledged at − alarm start, seconds).</summary>
public sealed record AlarmView(AlarmEpisode Alarm, AlarmHandling Handling, double? SecondsToAcknowledge);

public sealed record AlarmActionRequest(string? Note, string? Cause);

/// <summary>Alarm episodes and their handling workflow: acknowledge, add notes, close with a cause (admin, operator). Tenant-scoped.</summary>
public static class AlarmsApi
{
    public const int MaxTextLength = 2000;

    public static RouteGroupBuilder MapAlarmsApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api").WithTags("Alarms");
        api.MapGet("/alarms", List).WithName("ListAlarms").WithSummary("Alarm episodes of every vehicle the caller sees (filters: kind, minLevel, open; format=csv).");
        api.MapGet("/vehicles/{vin}/alarms", ListOfVehicle).WithName("ListVehicleAlarms").WithSummary("A vehicle's alarm episodes, newest first.");
        api.MapGet("/alarms/{id}", Get).WithName("GetAlarm").WithSummary("One alarm with its handling.");
        api.MapGet("/alarms/{id}/samples", Samples).WithName("GetAlarmSamples").WithSummary("The high-frequency samples of a level ≥ 3 alarm (its window).");
        api.MapPost("/alarms/{id}/acknowledge", Acknowledge).WithName("AcknowledgeAlarm").WithSummary("Acknowledge (admin, operator).");
        api.MapPost("/alarms/{id}/notes", AddNote).WithName("AddAlarmNote").WithSummary("Add a note (admin, operator).");
        api.MapPost("/alarms/{id}/close", Close).WithName("CloseAlarm").WithSummary("Close with a cause (admin, operator).");
        return api;
    }

    private static Task<IResult> List(ClaimsPrincipal user, IAnalyticsStore analytics, string? maker, string? kind, int? minLevel, bool? open,
        DateTimeOffset? from, DateTimeOffset? to, int? limit, string? cursor, string? format, CancellationToken cancellationToken) =>
        Query(analytics, null, Makers(user, maker), kind, minLevel, open, from, to, limit, cursor, format, cancellationToken);

    private static async Task<IResult> ListOfVehicle(string vin, ClaimsPrincipal user, IVehicleStore store, IAnalyticsStore analytics, string? kind,
        int? minLevel, bool? open, DateTimeOffset? from, DateTimeOffset? to, int? limit, string? cursor, string? format, CancellationToken cancellationToken)
    {
        if (Validate(from, to, limit, format) is { } problem)
        {
            return problem;
        }

        return await FindVisibleAsync(vin, user, store, cancellationToken).ConfigureAwait(false) is null
            ? TypedResults.NotFound()
            : await Query(analytics, vin, null, kind, minLevel, open, from, to, limit, cursor, format, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IResult> Query(IAnalyticsStore analytics, string? vin, IReadOnlyCollection<string>? makers, string? kind, int? minLevel,
        bool? open, DateTimeOffset? from, DateTimeOffset? to, int? limit, string? cursor, string? format, CancellationToken cancellationToken)
    {
        if (Validate(from, to, limit, format) is { } problem)
        {
            return problem;
        }

        if (minLevel is < 0 or > 4)
        {
            return Problem("minLevel", "minLevel is 0 to 4");
        }

        Page<AlarmEpisode> page;
        try
        {
            page = await analytics.ListAlarmsAsync(new AlarmQuery
            {
                Vin = vin, Makers = makers, Kind = kind, MinLevel = minLevel, Open = open, From = from ?? DateTimeOffset.MinValue,
                To = to ?? DateTimeOffset.MaxValue, Limit = limit ?? 100, Cursor = cursor,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidCursorException ex)
        {
            return Problem("cursor", ex.Message);
        }

        if (format == "csv")
        {
            return Csv(page.Items, "alarms.csv", ("id", a => a.Id), ("vin", a => a.Vin), ("kind", a => a.Kind), ("start", a => a.Start),
                ("end", a => a.End), ("first_level", a => a.FirstLevel), ("peak_level", a => a.PeakLevel), ("samples", a => a.Samples));
        }

        return TypedResults.Ok(page);
    }

    private static async Task<IResult> Get(string id, ClaimsPrincipal user, IVehicleStore store, IAnalyticsStore analytics, CancellationToken cancellationToken) =>
        await FindAsync(id, user, store, analytics, cancellationToken).ConfigureAwait(false) is { } alarm
            ? TypedResults.Ok(await ViewAsync(alarm, analytics, cancellationToken).ConfigureAwait(false))
            : TypedResults.NotFound();

    private static async Task<IResult> Samples(string id, ClaimsPrincipal user, IVehicleStore store, IAnalyticsStore analytics, int? limit,
        string? cursor, CancellationToken cancellationToken)
    {
        if (Validate(null, null, limit) is { } problem)
        {
            return problem;
        }

        if (await FindAsync(id, user, store, analytics, cancellationToken).ConfigureAwait(false) is not { } alarm)
        {
            return TypedResults.NotFound();
        }

        if (alarm.WindowFrom is not { } from || alarm.WindowTo is not { } to)
        {
            return TypedResults.Ok(new Page<NevHub.Domain.VehicleSample>([], null));
        }

        try
        {
            return TypedResults.Ok(await store.GetSamplesAsync(new SampleQuery
            {
                Vin = alarm.Vin, From = from, To = to.AddTicks(1), Limit = limit ?? 500, Cursor = cursor,
            }, cancellationToken).ConfigureAwait(false));
        }
        catch (InvalidCursorException ex)
        {
            return Problem("cursor", ex.Message);
        }
    }

    private static Task<IResult> Acknowledge(string id, AlarmActionRequest? request, ClaimsPrincipal user, IVehicleStore store,
        IAnalyticsStore analytics, TimeProvider clock, CancellationToken cancellationToken) =>
        ActAsync(id, request, user, store, analytics, cancellationToken, (h, now, by) =>
            h.Status == AlarmStatus.Closed ? null : h with
            {
                Status = AlarmStatus.Acknowledged,
                AcknowledgedAt = h.AcknowledgedAt ?? now,
                AcknowledgedBy = h.AcknowledgedBy ?? by,
                Notes = request?.Note is { Length: > 0 } n ? [.. h.Notes, new AlarmNote(now, by, n)] : h.Notes,
            }, clock);

    private static async Task<IResult> AddNote(string id, AlarmActionRequest? request, ClaimsPrincipal user, IVehicleStore store,
        IAnalyticsStore analytics, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (request?.Note is not { Length: > 0 })
        {
            return Problem("note", "a note is required");
        }

        return await ActAsync(id, request, user, store, analytics, cancellationToken, (h, now, by) =>
            h with { Notes = [.. h.Notes, new AlarmNote(now, by, request.Note)] }, clock).ConfigureAwait(false);
    }

    private static async Task<IResult> Close(string id, AlarmActionRequest? request, ClaimsPrincipal user, IVehicleStore store,
        IAnalyticsStore analytics, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (request?.Cause is not { Length: > 0 })
        {
            return Problem("cause", "a cause is required");
        }

        return await ActAsync(id, request, user, store, analytics, cancellationToken, (h, now, by) => h with
        {
            Status = AlarmStatus.Closed,
            AcknowledgedAt = h.AcknowledgedAt ?? now,
            AcknowledgedBy = h.AcknowledgedBy ?? by,
            ClosedAt = now,
            ClosedBy = by,
            Cause = request.Cause,
            Notes = request.Note is { Length: > 0 } n ? [.. h.Notes, new AlarmNote(now, by, n)] : h.Notes,
        }, clock).ConfigureAwait(false);
    }

    private static async Task<IResult> ActAsync(string id, AlarmActionRequest? request, ClaimsPrincipal user, IVehicleStore store,
        IAnalyticsStore analytics, CancellationToken cancellationToken, Func<AlarmHandling, DateTimeOffset, string, AlarmHandling?> change, TimeProvider clock)
    {
        if (await FindAsync(id, user, store, analytics, cancellationToken).ConfigureAwait(false) is not { } alarm)
        {
            return TypedResults.NotFound();
        }

        if (!TenantScope.Of(user).CanWrite(user))
        {
            return TypedResults.Forbid();
        }

        if (request?.Note?.Length > MaxTextLength || request?.Cause?.Length > MaxTextLength)
        {
            return Problem("note", $"notes and causes are at most {MaxTextLength} characters");
        }

        var handling = await analytics.GetAlarmHandlingAsync(alarm.Id, cancellationToken).ConfigureAwait(false) ?? new AlarmHandling { AlarmId = alarm.Id };
        var by = user.Identity?.Name ?? "unknown";
        if (change(handling, clock.GetUtcNow(), by) is not { } updated)
        {
            return Problem("status", "the alarm is closed");
        }

        await analytics.SaveAlarmHandlingAsync(updated, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(await ViewAsync(alarm, analytics, cancellationToken).ConfigureAwait(false));
    }

    private static async Task<AlarmView> ViewAsync(AlarmEpisode alarm, IAnalyticsStore analytics, CancellationToken cancellationToken)
    {
        var handling = await analytics.GetAlarmHandlingAsync(alarm.Id, cancellationToken).ConfigureAwait(false) ?? new AlarmHandling { AlarmId = alarm.Id };
        return new AlarmView(alarm, handling, handling.AcknowledgedAt is { } at ? Math.Round((at - alarm.Start).TotalSeconds, 3) : null);
    }

    private static async Task<AlarmEpisode?> FindAsync(string id, ClaimsPrincipal user, IVehicleStore store, IAnalyticsStore analytics,
        CancellationToken cancellationToken)
    {
        if (id.Length is 0 or > 200)
        {
            return null;
        }

        var alarm = await analytics.GetAlarmAsync(id, cancellationToken).ConfigureAwait(false);
        return alarm is not null && await FindVisibleAsync(alarm.Vin, user, store, cancellationToken).ConfigureAwait(false) is not null ? alarm : null;
    }
}
