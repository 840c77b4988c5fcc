using System.ComponentModel.DataAnnotations;
using NevHub.Domain;
using NevHub.Processing;

namespace NevHub.Server.Hubs;

/// <summary>Settings of the live feed. Section "NevHub:Live".</summary>
public sealed class LiveFeedOptions
{
    public const string Section = "NevHub:Live";

    /// <summary>How often changed vehicles are sent, all in one message per tenant. Default 500 ms.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Vehicles per "snapshot" message sent on connect. Default 2,000.</summary>
    [Range(1, 100_000)]
    public int SnapshotPageSize { get; set; } = 2000;

    /// <summary>Most vehicles in one "changes" message; a larger batch is split. Default 5,000.</summary>
    [Range(1, 100_000)]
    public int MaxBatch { get; set; } = 5000;
}

/// <summary>
/// The compact live state of one vehicle, as the hub sends it. Positions are as the vehicle sent them:
/// WGS-84 unless <see cref="Gcj02"/> is true. <see cref="Version"/> only grows: a client keeps the higher one.
/// </summary>
public sealed record LiveVehicle(
    string Vin,
    string? Maker,
    VehicleClass? Class,
    double? Lat,
    double? Lon,
    double? Speed,
    double? Soc,
    bool Online,
    bool Charging,
    int? Alarm,
    bool? Gcj02,
    DateTimeOffset? Time,
    long Version)
{
    public static LiveVehicle Of(VehicleLiveState state, Vehicle? vehicle)
    {
        ArgumentNullException.ThrowIfNull(state);
        var s = state.Latest;
        var hasPosition = s is { PositionValid: true, Latitude: not null, Longitude: not null };
        return new LiveVehicle(
            state.Vin,
            vehicle?.Maker,
            vehicle?.Class,
            hasPosition ? s!.Latitude : null,
            hasPosition ? s!.Longitude : null,
            s?.SpeedKmh,
            s?.SocPercent,
            state.Online,
            s?.Charging is ChargingState.ParkedCharging or ChargingState.DrivingCharging,
            s?.AlarmLevel,
            hasPosition && s!.Coordinates == CoordinateSystem.Gcj02 ? true : null,
            s?.SampleTime,
            state.Version);
    }
}

/// <summary>An alarm event for the live feed: opened, updated or cleared.</summary>
/// <param name="Id">The alarm's stable id (so a client can update or clear the row it shows).</param>
/// <param name="Vin">The vehicle.</param>
/// <param name="Maker">The vehicle's maker (tenant); null = looked up from the registry.</param>
/// <param name="Level">GB/T 32960 level 1-3.</param>
/// <param name="Code">What: e.g. a general-alarm flag name or a fault code.</param>
/// <param name="State">"open", "update" or "cleared".</param>
/// <param name="Time">Sample time of the event.</param>
/// <param name="Message">Optional human text.</param>
public sealed record LiveAlarm(string Id, string Vin, string? Maker, int Level, string Code, string State, DateTimeOffset Time, string? Message = null);

/// <summary>
/// Where an alarm engine publishes alarm events for the live feed. Registered as a singleton by
/// <see cref="LiveServices.AddNevHubLive"/>; the hub sends each event as an "alarm" message to admins, operators and
/// the users of the vehicle's maker only. Publishing never blocks on slow clients.
/// </summary>
public interface ILiveAlarmSink
{
    ValueTask PublishAsync(LiveAlarm alarm, CancellationToken cancellationToken = default);
}
