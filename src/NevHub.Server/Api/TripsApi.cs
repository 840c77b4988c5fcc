using System.Globalization;
using System.Security.Claims;
using System.Text;
using System.Xml;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NevHub.Storage;
using NevHub.Storage.Analytics;
using static NevHub.Server.Api.AnalyticsApiSupport;

namespace NevHub.Server.Api;

/// <summary>Trips (rides): lists (JSON or CSV), one trip, GPX and GeoJSON export. Tenant-scoped like the vehicles API.</summary>
public static class TripsApi
{
    public static RouteGroupBuilder MapTripsApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api").WithTags("Trips");
        api.MapGet("/trips", List).WithName("ListTrips").WithSummary("Trips of every vehicle the caller sees, newest first (format=csv for CSV).");
        api.MapGet("/vehicles/{vin}/trips", ListOfVehicle).WithName("ListVehicleTrips").WithSummary("A vehicle's trips, newest first.");
        api.MapGet("/vehicles/{vin}/trips/{startMs:long}", Get).WithName("GetTrip").WithSummary("One trip by its start (Unix ms), with its route.");
        api.MapGet("/vehicles/{vin}/trips/{startMs:long}/gpx", Gpx).WithName("GetTripGpx").WithSummary("A trip's route as GPX 1.1.");
        api.MapGet("/vehicles/{vin}/trips/{startMs:long}/geojson", GeoJson).WithName("GetTripGeoJson").WithSummary("A trip's route as a GeoJSON Feature.");
        return api;
    }

    private static Task<IResult> List(ClaimsPrincipal user, IAnalyticsStore analytics, string? maker, DateTimeOffset? from, DateTimeOffset? to,
        int? limit, string? cursor, string? format, CancellationToken cancellationToken) =>
        Query(analytics, null, Makers(user, maker), from, to, limit, cursor, format, cancellationToken);

    private static async Task<IResult> ListOfVehicle(string vin, ClaimsPrincipal user, IVehicleStore store, IAnalyticsStore analytics,
        DateTimeOffset? from, DateTimeOffset? to, int? limit, string? cursor, string? format, CancellationToken cancellationToken)
    {
        if (Validate(from, to, limit, format) is { } problem)
        {
            return problem;
        }

        return await FindVisibleAsync(vin, user, store, cancellationToken).ConfigureAwait(false) is null
            ? TypedResults.NotFound()
            : await Query(analytics, vin, null, from, to, limit, cursor, format, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IResult> Query(IAnalyticsStore analytics, string? vin, IReadOnlyCollection<string>? makers, DateTimeOffset? from,
        DateTimeOffset? to, int? limit, string? cursor, string? format, CancellationToken cancellationToken)
    {
        if (Validate(from, to, limit, format) is { } problem)
        {
            return problem;
        }

        Page<Trip> page;
        try
        {
            page = await analytics.ListTripsAsync(new RecordQuery
            {
                Vin = vin, Makers = makers, From = from ?? DateTimeOffset.MinValue, To = to ?? DateTimeOffset.MaxValue, Limit = limit ?? 100, Cursor = cursor,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidCursorException ex)
        {
            return Problem("cursor", ex.Message);
        }

        if (format == "csv")
        {
            return Csv(page.Items, "trips.csv",
                ("vin", t => t.Vin), ("start", t => t.Start), ("end", t => t.End), ("start_place", t => t.StartPlace), ("end_place", t => t.EndPlace),
                ("distance_odometer_km", t => t.DistanceOdometerKm), ("distance_gps_km", t => t.DistanceGpsKm),
                ("duration_s", t => t.Duration.TotalSeconds), ("max_speed_kmh", t => t.MaxSpeedKmh), ("avg_speed_kmh", t => t.AvgSpeedKmh),
                ("energy_kwh", t => t.EnergyKwh), ("kwh_per_100km", t => Efficiency(t)), ("soc_used", t => t.SocUsed), ("complete", t => t.Complete));
        }

        return TypedResults.Ok(new Page<Trip>([.. page.Items.Select(t => t with { Route = [] })], page.NextCursor));
    }

    private static async Task<IResult> Get(string vin, long startMs, ClaimsPrincipal user, IVehicleStore store, IAnalyticsStore analytics,
        CancellationToken cancellationToken) =>
        await FindAsync(vin, startMs, user, store, analytics, cancellationToken).ConfigureAwait(false) is { } trip
            ? TypedResults.Ok(trip)
            : TypedResults.NotFound();

    private static async Task<IResult> Gpx(string vin, long startMs, ClaimsPrincipal user, IVehicleStore store, IAnalyticsStore analytics,
        CancellationToken cancellationToken)
    {
        if (await FindAsync(vin, startMs, user, store, analytics, cancellationToken).ConfigureAwait(false) is not { } trip)
        {
            return TypedResults.NotFound();
        }

        var sb = new StringBuilder();
        using (var xml = XmlWriter.Create(sb, new XmlWriterSettings { Indent = true, OmitXmlDeclaration = false }))
        {
            xml.WriteStartElement("gpx", "http://www.topografix.com/GPX/1/1");
            xml.WriteAttributeString("version", "1.1");
            xml.WriteAttributeString("creator", "NevHub");
            xml.WriteStartElement("trk");
            xml.WriteElementString("name", $"{trip.Vin} {trip.Start:O}");
            xml.WriteStartElement("trkseg");
            foreach (var p in trip.Route)
            {
                xml.WriteStartElement("trkpt");
                xml.WriteAttributeString("lat", p.Latitude.ToString("R", CultureInfo.InvariantCulture));
                xml.WriteAttributeString("lon", p.Longitude.ToString("R", CultureInfo.InvariantCulture));
                xml.WriteElementString("time", p.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
            xml.WriteEndElement();
            xml.WriteEndElement();
        }

        return TypedResults.Text(sb.ToString().Replace("encoding=\"utf-16\"", "encoding=\"utf-8\"", StringComparison.Ordinal), "application/gpx+xml", Encoding.UTF8);
    }

    private static async Task<IResult> GeoJson(string vin, long startMs, ClaimsPrincipal user, IVehicleStore store, IAnalyticsStore analytics,
        CancellationToken cancellationToken)
    {
        if (await FindAsync(vin, startMs, user, store, analytics, cancellationToken).ConfigureAwait(false) is not { } trip)
        {
            return TypedResults.NotFound();
        }

        var feature = new
        {
            type = "Feature",
            geometry = new { type = "LineString", coordinates = trip.Route.Select(p => new[] { p.Longitude, p.Latitude }).ToArray() },
            properties = new
            {
                vin = trip.Vin, start = trip.Start, end = trip.End, distanceKm = trip.DistanceKm, energyKwh = trip.EnergyKwh,
                times = trip.Route.Select(p => p.Time).ToArray(),
            },
        };
        return TypedResults.Json(feature, contentType: "application/geo+json");
    }

    internal static async Task<Trip?> FindAsync(string vin, long startMs, ClaimsPrincipal user, IVehicleStore store, IAnalyticsStore analytics,
        CancellationToken cancellationToken)
    {
        if (startMs is < -62135596800000 or > 253402300799999
            || await FindVisibleAsync(vin, user, store, cancellationToken).ConfigureAwait(false) is null)
        {
            return null;
        }

        return await analytics.GetTripAsync(vin, DateTimeOffset.FromUnixTimeMilliseconds(startMs), cancellationToken).ConfigureAwait(false);
    }

    internal static double? Efficiency(Trip t) => t.DistanceKm > 0.1 ? Math.Round(t.EnergyKwh / t.DistanceKm * 100, 2) : null;
}
