using NevHub.Domain;
using NevHub.Storage.Analytics;

namespace NevHub.Processing.Analytics;

/// <summary>
/// Cuts a vehicle's time-sorted samples into trips (pure, deterministic). A trip opens at the first moving sample
/// (speed above <see cref="AnalyticsOptions.MinMovingSpeedKmh"/>) with the vehicle started (or ignition unknown) and
/// not charging; it ends at the last "on" sample before: a sample with the vehicle off, parked charging, a silence
/// longer than <see cref="AnalyticsOptions.MaxGap"/>, or a standstill longer than the stop duration (30 min with
/// ignition, 5 min without). Stops at lights and passenger stops stay inside the trip.
/// </summary>
public static class TripSegmenter
{
    /// <param name="samples">Time-sorted samples of one vehicle.</param>
    /// <param name="from">First index that may open a trip.</param>
    /// <param name="options">Parameters.</param>
    public static List<Trip> Segment(IReadOnlyList<VehicleSample> samples, int from, AnalyticsOptions options)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(options);
        var trips = new List<Trip>();
        var start = -1;
        var lastOn = -1;
        var lastMoving = -1;
        for (var i = Math.Max(0, from); i < samples.Count; i++)
        {
            var s = samples[i];
            var moving = s.SpeedKmh > options.MinMovingSpeedKmh;
            var charging = s.Charging is ChargingState.ParkedCharging;
            var off = s.VehicleState is VehicleRunState.Off;
            var on = s.VehicleState is VehicleRunState.Started || (s.VehicleState is null or VehicleRunState.Other && moving);
            if (start >= 0)
            {
                var gap = s.SampleTime - samples[i - 1].SampleTime > options.MaxGap;
                var stopLimit = s.VehicleState is VehicleRunState.Started ? options.StopDurationWithIgnition : options.StopDurationWithoutIgnition;
                var longStop = !moving && s.SampleTime - samples[lastMoving].SampleTime >= stopLimit;
                if (gap || off || charging)
                {
                    Add(trips, samples, start, lastOn, options, complete: true);
                    start = -1;
                }
                else if (longStop)
                {
                    // Traccar-style parking: the trip ended where the vehicle came to rest.
                    Add(trips, samples, start, Math.Min(lastMoving + 1, i), options, complete: true);
                    start = -1;
                }
                else
                {
                    if (on || s.VehicleState is null or VehicleRunState.Other)
                    {
                        lastOn = i;
                    }

                    if (moving)
                    {
                        lastMoving = i;
                    }

                    continue;
                }
            }

            if (on && moving && !charging)
            {
                start = lastOn = lastMoving = i;
            }
        }

        if (start >= 0)
        {
            Add(trips, samples, start, lastOn, options, complete: false);
        }

        return trips;
    }

    private static void Add(List<Trip> trips, IReadOnlyList<VehicleSample> samples, int a, int b, AnalyticsOptions o, bool complete)
    {
        var trip = Build(samples, a, b, o, complete);
        if (trip.DistanceKm >= o.MinTripDistanceKm)
        {
            trips.Add(trip);
        }
    }

    internal static Trip Build(IReadOnlyList<VehicleSample> samples, int a, int b, AnalyticsOptions o, bool complete)
    {
        var first = samples[a];
        var last = samples[b];
        double odometerKm = 0, gpsKm = 0, energyKwh = 0, maxSpeed = 0;
        var anomaly = false;
        double? startOdo = null, endOdo = null, startSoc = null, endSoc = null;
        VehicleSample? lastFix = null;
        VehicleSample? firstFix = null;
        var route = new List<RoutePoint>();
        double? prevOdo = null;
        DateTimeOffset prevOdoTime = default;
        for (var i = a; i <= b; i++)
        {
            var s = samples[i];
            maxSpeed = Math.Max(maxSpeed, s.SpeedKmh ?? 0);
            startSoc ??= s.SocPercent;
            endSoc = s.SocPercent ?? endSoc;
            var stepGpsKm = 0.0;
            var hasFix = s.PositionValid && s.Latitude is not null && s.Longitude is not null;
            if (hasFix)
            {
                if (lastFix is not null)
                {
                    stepGpsKm = Geo.DistanceM(lastFix.Latitude!.Value, lastFix.Longitude!.Value, s.Latitude!.Value, s.Longitude!.Value) / 1000;
                    var hours = Math.Max((s.SampleTime - lastFix.SampleTime).TotalHours, 1.0 / 3600);
                    if (stepGpsKm <= (o.MaxPlausibleSpeedKmh * hours) + 0.2)
                    {
                        gpsKm += stepGpsKm;
                    }
                }

                firstFix ??= s;
                lastFix = s;
                route.Add(new RoutePoint(s.SampleTime, s.Latitude!.Value, s.Longitude!.Value));
            }

            if (s.OdometerKm is { } odo)
            {
                startOdo ??= odo;
                endOdo = odo;
                if (prevOdo is { } p)
                {
                    var delta = odo - p;
                    var hours = Math.Max((s.SampleTime - prevOdoTime).TotalHours, 1.0 / 3600);
                    if (delta < 0 || delta > (o.MaxPlausibleSpeedKmh * hours) + 0.2)
                    {
                        // Odometer reset or jump: bridge this step with the GPS distance.
                        anomaly = true;
                        odometerKm += stepGpsKm;
                    }
                    else
                    {
                        odometerKm += delta;
                    }
                }

                prevOdo = odo;
                prevOdoTime = s.SampleTime;
            }

            if (i > a)
            {
                energyKwh += StepEnergyKwh(samples[i - 1], s, o.MaxGap);
            }
        }

        var distance = odometerKm > 0 ? odometerKm : gpsKm;
        var hoursTotal = (last.SampleTime - first.SampleTime).TotalHours;
        return new Trip
        {
            Vin = first.Vin,
            Start = first.SampleTime,
            End = last.SampleTime,
            StartLatitude = firstFix?.Latitude,
            StartLongitude = firstFix?.Longitude,
            EndLatitude = lastFix?.Latitude,
            EndLongitude = lastFix?.Longitude,
            StartPlace = Geo.NearestPlace(o.Places, firstFix?.Latitude, firstFix?.Longitude, o.PlaceRadiusM),
            EndPlace = Geo.NearestPlace(o.Places, lastFix?.Latitude, lastFix?.Longitude, o.PlaceRadiusM),
            StartOdometerKm = startOdo,
            EndOdometerKm = endOdo,
            DistanceOdometerKm = Math.Round(odometerKm, 3),
            DistanceGpsKm = Math.Round(gpsKm, 3),
            MaxSpeedKmh = maxSpeed,
            AvgSpeedKmh = hoursTotal > 0 ? Math.Round(distance / hoursTotal, 2) : 0,
            EnergyKwh = Math.Round(energyKwh, 4),
            StartSoc = startSoc,
            EndSoc = endSoc,
            Samples = b - a + 1,
            Complete = complete,
            OdometerAnomaly = anomaly,
            Route = Geo.Simplify(route, o.RouteToleranceM, o.MaxRoutePoints),
        };
    }

    /// <summary>Trapezoidal V·I energy (kWh, positive = out of the pack) between two samples, 0 across a gap longer than <paramref name="maxGap"/>.</summary>
    internal static double StepEnergyKwh(VehicleSample a, VehicleSample b, TimeSpan maxGap)
    {
        var dt = b.SampleTime - a.SampleTime;
        if (dt <= TimeSpan.Zero || dt > maxGap || a.PackVoltageV is not { } va || a.PackCurrentA is not { } ia
            || b.PackVoltageV is not { } vb || b.PackCurrentA is not { } ib)
        {
            return 0;
        }

        return ((va * ia) + (vb * ib)) / 2 * dt.TotalHours / 1000;
    }
}
