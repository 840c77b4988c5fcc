using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using NevHub.Domain;
using NevHub.Processing;
using NevHub.Server.Security;
using NevHub.Storage;

namespace NevHub.Server.Api;

/// <summary>A vehicle with its live state, as the API shows it.</summary>
public sealed record VehicleView(
    string Vin,
    string Maker,
    string Model,
    VehicleClass Class,
    double BatteryCapacityKwh,
    BatteryChemistry Chemistry,
    string? Plate,
    bool AutoRegistered,
    DateTimeOffset RegisteredAt,
    bool Online,
    DateTimeOffset? LastSeen,
    VehicleSample? Latest,
    VehicleSession? Session)
{
    /// <param name="v">The registration.</param>
    /// <param name="live">Its live state, if any.</param>
    /// <param name="withDetail">Include the latest frame's cells, probes and motors (one vehicle), or not (lists).</param>
    public static VehicleView Of(Vehicle v, VehicleLiveState? live, bool withDetail = true) => new(
        v.Vin, v.Maker, v.Model, v.Class, v.BatteryCapacityKwh, v.Chemistry, v.Plate, v.AutoRegistered, v.RegisteredAt,
        live?.Online ?? false, live?.LastSeen, withDetail || live?.Latest is null ? live?.Latest : live.Latest with { Detail = null }, live?.Session);
}

public sealed record RawFrameView(DateTimeOffset ReceivedAt, DateTimeOffset? SampleTime, TelemetryProtocol Protocol, int Command, string Hex);

public sealed record ImportResult(int Imported, int Created, IReadOnlyList<VehicleCsvError> Errors);

/// <summary>Vehicle registry, live state, samples and raw frames. Every route needs an authenticated caller; makers see only their own vehicles.</summary>
public static class VehiclesApi
{
    public const int MaxPageSize = 1000;

    public static RouteGroupBuilder MapVehiclesApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/vehicles").WithTags("Vehicles");

        api.MapGet("/", ListVehicles).WithName("ListVehicles").WithSummary("List and search vehicles with their live state.");
        api.MapGet("/{vin}", GetVehicle).WithName("GetVehicle").WithSummary("One vehicle with its live state.");
        api.MapPost("/", RegisterVehicle).WithName("RegisterVehicle").WithSummary("Register or update a vehicle (admin, operator).");
        api.MapPost("/import", ImportVehicles).WithName("ImportVehicles")
            .WithSummary("Register vehicles from CSV: vin,maker,model,class,battery_kwh,chemistry,plate,terminal_phone (admin, operator).")
            .Accepts<string>("text/csv");
        api.MapGet("/{vin}/samples", GetSamples).WithName("GetSamples").WithSummary("A vehicle's samples over a time range, paged.");
        api.MapGet("/{vin}/frames", GetRawFrames).WithName("GetRawFrames").WithSummary("A vehicle's raw frames (hex) over a time range, paged.");
        api.MapGet("/{vin}/sessions", GetSessions).WithName("GetSessions").WithSummary("A vehicle's recent sessions, newest first.");
        return api;
    }

    private static async Task<Results<Ok<Page<VehicleView>>, ValidationProblem>> ListVehicles(
        ClaimsPrincipal user,
        IVehicleStore store,
        LiveTwin twin,
        string? search,
        VehicleClass? @class,
        string? maker,
        bool? online,
        int? limit,
        string? cursor,
        CancellationToken cancellationToken)
    {
        if (ValidateLimit(limit) is { } problem)
        {
            return problem;
        }

        var scope = TenantScope.Of(user);
        IReadOnlyCollection<string>? makers = scope.Makers;
        if (maker is not null)
        {
            // A maker filter narrows the caller's scope; it never widens it.
            makers = scope.AllowsMaker(maker) ? [maker] : [];
        }

        Page<Vehicle> page;
        try
        {
            page = await store.ListVehiclesAsync(new VehicleQuery
            {
                Makers = makers,
                Class = @class,
                Search = search,
                Limit = limit ?? 100,
                Cursor = cursor,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidCursorException ex)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["cursor"] = [ex.Message] });
        }

        var views = page.Items.Select(v => VehicleView.Of(v, twin.Get(v.Vin), withDetail: false));
        if (online is { } wanted)
        {
            views = views.Where(v => v.Online == wanted);
        }

        return TypedResults.Ok(new Page<VehicleView>([.. views], page.NextCursor));
    }

    private static async Task<Results<Ok<VehicleView>, NotFound>> GetVehicle(
        string vin, ClaimsPrincipal user, IVehicleStore store, LiveTwin twin, CancellationToken cancellationToken)
    {
        var vehicle = await FindVisibleAsync(vin, user, store, cancellationToken).ConfigureAwait(false);
        return vehicle is null ? TypedResults.NotFound() : TypedResults.Ok(VehicleView.Of(vehicle, twin.Get(vehicle.Vin)));
    }

    private static async Task<Results<Created<VehicleView>, Ok<VehicleView>, ValidationProblem, ForbidHttpResult>> RegisterVehicle(
        Vehicle vehicle,
        ClaimsPrincipal user,
        IVehicleStore store,
        VehicleRegistry registry,
        LiveTwin twin,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        if (!TenantScope.Of(user).CanWrite(user))
        {
            return TypedResults.Forbid();
        }

        if (VehicleCsv.Validate(vehicle) is { } message)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["vehicle"] = [message] });
        }

        var existing = await store.GetVehicleAsync(vehicle.Vin, cancellationToken).ConfigureAwait(false);
        vehicle = vehicle with { RegisteredAt = existing?.RegisteredAt ?? clock.GetUtcNow(), AutoRegistered = false };
        bool created;
        try
        {
            created = await registry.RegisterAsync(vehicle, cancellationToken).ConfigureAwait(false);
        }
        catch (TerminalPhoneConflictException ex)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["terminalPhone"] = [ex.Message] });
        }

        var view = VehicleView.Of(vehicle, twin.Get(vehicle.Vin));
        return created ? TypedResults.Created($"/api/vehicles/{Uri.EscapeDataString(vehicle.Vin)}", view) : TypedResults.Ok(view);
    }

    private static async Task<Results<Ok<ImportResult>, ValidationProblem, ForbidHttpResult>> ImportVehicles(
        HttpRequest request, ClaimsPrincipal user, VehicleRegistry registry, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!TenantScope.Of(user).CanWrite(user))
        {
            return TypedResults.Forbid();
        }

        const long maxBytes = 16 * 1024 * 1024;
        if (request.ContentLength is > maxBytes)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["the CSV is larger than 16 MiB"] });
        }

        using var reader = new StreamReader(request.Body);
        var text = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        if (text.Length > maxBytes)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["the CSV is larger than 16 MiB"] });
        }

        var (vehicles, parseErrors) = VehicleCsv.Parse(new StringReader(text), clock.GetUtcNow());
        var errors = parseErrors.ToList();
        var created = 0;
        var imported = 0;
        foreach (var vehicle in vehicles)
        {
            try
            {
                if (await registry.RegisterAsync(vehicle, cancellationToken).ConfigureAwait(false))
                {
                    created++;
                }

                imported++;
            }
            catch (TerminalPhoneConflictException ex)
            {
                // Line 0: the conflict is between rows or with the registry, not a parse error of one line.
                errors.Add(new VehicleCsvError(0, ex.Message));
            }
        }

        return TypedResults.Ok(new ImportResult(imported, created, errors));
    }

    private static async Task<Results<Ok<Page<VehicleSample>>, NotFound, ValidationProblem>> GetSamples(
        string vin,
        ClaimsPrincipal user,
        IVehicleStore store,
        DateTimeOffset? from,
        DateTimeOffset? to,
        int? limit,
        string? cursor,
        bool? detail,
        string? order,
        CancellationToken cancellationToken)
    {
        if (ValidateRange(from, to, limit) is { } problem)
        {
            return problem;
        }

        if (order is not (null or "asc" or "desc"))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["order"] = ["order is 'asc' or 'desc'"] });
        }

        if (await FindVisibleAsync(vin, user, store, cancellationToken).ConfigureAwait(false) is null)
        {
            return TypedResults.NotFound();
        }

        try
        {
            var page = await store.GetSamplesAsync(new SampleQuery
            {
                Vin = vin,
                From = from ?? DateTimeOffset.MinValue,
                To = to ?? DateTimeOffset.MaxValue,
                Limit = limit ?? 500,
                Cursor = cursor,
                IncludeDetail = detail ?? false,
                Descending = order == "desc",
            }, cancellationToken).ConfigureAwait(false);
            return TypedResults.Ok(page);
        }
        catch (InvalidCursorException ex)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["cursor"] = [ex.Message] });
        }
    }

    private static async Task<Results<Ok<Page<RawFrameView>>, NotFound, ValidationProblem>> GetRawFrames(
        string vin,
        ClaimsPrincipal user,
        IVehicleStore store,
        DateTimeOffset? from,
        DateTimeOffset? to,
        int? limit,
        string? cursor,
        CancellationToken cancellationToken)
    {
        if (ValidateRange(from, to, limit) is { } problem)
        {
            return problem;
        }

        if (await FindVisibleAsync(vin, user, store, cancellationToken).ConfigureAwait(false) is null)
        {
            return TypedResults.NotFound();
        }

        try
        {
            var page = await store.GetRawFramesAsync(new RawFrameQuery
            {
                Vin = vin,
                From = from ?? DateTimeOffset.MinValue,
                To = to ?? DateTimeOffset.MaxValue,
                Limit = limit ?? 500,
                Cursor = cursor,
            }, cancellationToken).ConfigureAwait(false);
            var views = page.Items
                .Select(f => new RawFrameView(f.ReceivedAt, f.SampleTime, f.Protocol, f.Command, Convert.ToHexStringLower(f.Bytes.Span)))
                .ToList();
            return TypedResults.Ok(new Page<RawFrameView>(views, page.NextCursor));
        }
        catch (InvalidCursorException ex)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["cursor"] = [ex.Message] });
        }
    }

    private static async Task<Results<Ok<IReadOnlyList<VehicleSession>>, NotFound, ValidationProblem>> GetSessions(
        string vin, ClaimsPrincipal user, IVehicleStore store, int? limit, CancellationToken cancellationToken)
    {
        if (ValidateLimit(limit) is { } problem)
        {
            return problem;
        }

        if (await FindVisibleAsync(vin, user, store, cancellationToken).ConfigureAwait(false) is null)
        {
            return TypedResults.NotFound();
        }

        return TypedResults.Ok(await store.ListSessionsAsync(vin, limit ?? 50, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The vehicle, or null when it does not exist or the caller may not see it (both answer 404, so existence does not leak).</summary>
    private static async Task<Vehicle?> FindVisibleAsync(string vin, ClaimsPrincipal user, IVehicleStore store, CancellationToken cancellationToken)
    {
        if (vin.Length is 0 or > VehicleCsv.MaxVinLength)
        {
            return null;
        }

        var vehicle = await store.GetVehicleAsync(vin, cancellationToken).ConfigureAwait(false);
        return vehicle is not null && TenantScope.Of(user).AllowsMaker(vehicle.Maker) ? vehicle : null;
    }

    private static ValidationProblem? ValidateLimit(int? limit) =>
        limit is < 1 or > MaxPageSize
            ? TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["limit"] = [string.Create(CultureInfo.InvariantCulture, $"limit must be between 1 and {MaxPageSize}")],
            })
            : null;

    private static ValidationProblem? ValidateRange(DateTimeOffset? from, DateTimeOffset? to, int? limit) =>
        from > to
            ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["from"] = ["from must not be after to"] })
            : ValidateLimit(limit);
}
