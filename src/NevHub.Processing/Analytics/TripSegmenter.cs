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
    internal static List<Trip> Segment(IReadOnlyList<WindowSample> samples, int from, AnalyticsOptions options)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(options);
        var trips = new List<Trip>();
        var state = new State();
        for (var i = Math.Max(0, from); i < samples.Count; i++)
        {
            state.Step(samples, i, options, trips);
        }

        if (state.Open(samples, options, lazyRoute: false) is { } open)
        {
            trips.Add(open);
        }

        return trips;
    }

    /// <summary>
    /// The segmenter's state after the samples it has stepped over: <see cref="Segment"/> is a loop of <see cref="Step"/>,
    /// and the derivation processor keeps this state to extend the open trip by an in-order sample in O(1) amortised.
    /// Indices refer to the caller's sample list; <see cref="Shift"/> follows removals at its front.
    /// </summary>
    internal sealed class State
    {
        private int _start = -1;
        private int _lastOn = -1;
        private int _lastMoving = -1;
        private Accumulator? _open;
        private int _openTo = -1;

        /// <summary>Start index of the open trip, or -1.</summary>
        public int OpenStart => _start;

        /// <summary>Feeds sample <paramref name="i"/> (the next one after the previous call); trips it ends go to <paramref name="ended"/>.</summary>
        public void Step(IReadOnlyList<WindowSample> samples, int i, AnalyticsOptions options, List<Trip> ended)
        {
            var s = samples[i];
            var moving = s.SpeedKmh > options.MinMovingSpeedKmh;
            var charging = s.Charging is ChargingState.ParkedCharging;
            var off = s.VehicleState is VehicleRunState.Off;
            var on = s.VehicleState is VehicleRunState.Started || (s.VehicleState is null or VehicleRunState.Other && moving);
            if (_start >= 0)
            {
                var gap = s.SampleTime - samples[i - 1].SampleTime > options.MaxGap;
                var stopLimit = s.VehicleState is VehicleRunState.Started ? options.StopDurationWithIgnition : options.StopDurationWithoutIgnition;
                var longStop = !moving && s.SampleTime - samples[_lastMoving].SampleTime >= stopLimit;
                if (gap || off || charging)
                {
                    Close(samples, _lastOn, options, ended);
                }
                else if (longStop)
                {
                    // Traccar-style parking: the trip ended where the vehicle came to rest.
                    Close(samples, Math.Min(_lastMoving + 1, i), options, ended);
                }
                else
                {
                    if (on || s.VehicleState is null or VehicleRunState.Other)
                    {
                        _lastOn = i;
                    }

                    if (moving)
                    {
                        _lastMoving = i;
                    }

                    return;
                }
            }

            if (on && moving && !charging)
            {
                _start = _lastOn = _lastMoving = i;
                _open = null;
                _openTo = -1;
            }
        }

        /// <summary>The open trip (samples from its start to the last "on" one), or null.</summary>
        public Trip? Open(IReadOnlyList<WindowSample> samples, AnalyticsOptions options, bool lazyRoute)
        {
            if (_start < 0)
            {
                return null;
            }

            var acc = Extend(samples, _lastOn, options);
            var trip = acc.ToTrip(options, complete: false, lazyRoute);
            return trip.DistanceKm >= options.MinTripDistanceKm ? trip : null;
        }

        /// <summary>Follows the removal of <paramref name="count"/> samples at the front of the list; false when that cut the open trip.</summary>
        public bool Shift(int count)
        {
            if (_start < 0)
            {
                return true;
            }

            if (_start < count)
            {
                _start = -1;
                _open = null;
                return false;
            }

            _start -= count;
            _lastOn -= count;
            _lastMoving -= count;
            _openTo -= count;
            return true;
        }

        private void Close(IReadOnlyList<WindowSample> samples, int end, AnalyticsOptions options, List<Trip> ended)
        {
            // The accumulated open trip is reused when it ends where it was extended to (gap, off, charging); a trip cut
            // back to where it came to rest is built once from its samples.
            var trip = _open is not null && _openTo == end
                ? _open.ToTrip(options, complete: true, lazyRoute: false)
                : Build(samples, _start, end, options, complete: true);
            if (trip.DistanceKm >= options.MinTripDistanceKm)
            {
                ended.Add(trip);
            }

            _start = -1;
            _open = null;
            _openTo = -1;
        }

        private Accumulator Extend(IReadOnlyList<WindowSample> samples, int to, AnalyticsOptions options)
        {
            if (_open is null || _openTo > to)
            {
                _open = new Accumulator(samples[_start], options);
                _openTo = _start;
            }

            for (var i = _openTo + 1; i <= to; i++)
            {
                _open.Add(samples[i]);
            }

            _openTo = to;
            return _open;
        }
    }

    internal static Trip Build(IReadOnlyList<WindowSample> samples, int a, int b, AnalyticsOptions o, bool complete)
    {
        var acc = new Accumulator(samples[a], o);
        for (var i = a + 1; i <= b; i++)
        {
            acc.Add(samples[i]);
        }

        return acc.ToTrip(o, complete, lazyRoute: false);
    }

    /// <summary>A trip's sums over its samples, extended one sample at a time (the same arithmetic in the same order as a batch build).</summary>
    private sealed class Accumulator
    {
        private readonly WindowSample _first;
        private readonly RouteBuffer _route = new();
        private WindowSample _last;
        private double _odometerKm;
        private double _gpsKm;
        private double _energyKwh;
        private double _maxSpeed;
        private bool _anomaly;
        private double? _startOdo;
        private double? _endOdo;
        private double? _startSoc;
        private double? _endSoc;
        private WindowSample? _lastFix;
        private WindowSample? _firstFix;
        private double? _prevOdo;
        private DateTimeOffset _prevOdoTime;
        private int _count;
        private readonly AnalyticsOptions _options;

        public Accumulator(WindowSample first, AnalyticsOptions options)
        {
            _options = options;
            _first = first;
            _last = first;
            Observe(first, null);
        }

        public void Add(WindowSample s) => Observe(s, _last);

        private void Observe(WindowSample s, WindowSample? previous)
        {
            _count++;
            _last = s;
            _maxSpeed = Math.Max(_maxSpeed, s.SpeedKmh ?? 0);
            _startSoc ??= s.SocPercent;
            _endSoc = s.SocPercent ?? _endSoc;
            var stepGpsKm = 0.0;
            var hasFix = s.PositionValid && s.Latitude is not null && s.Longitude is not null;
            var o = _options;
            if (hasFix)
            {
                if (_lastFix is not null)
                {
                    stepGpsKm = Geo.DistanceM(_lastFix.Latitude!.Value, _lastFix.Longitude!.Value, s.Latitude!.Value, s.Longitude!.Value) / 1000;
                    var hours = Math.Max((s.SampleTime - _lastFix.SampleTime).TotalHours, 1.0 / 3600);
                    if (stepGpsKm <= (o.MaxPlausibleSpeedKmh * hours) + 0.2)
                    {
                        _gpsKm += stepGpsKm;
                    }
                }

                _firstFix ??= s;
                _lastFix = s;
                _route.Add(new RoutePoint(s.SampleTime, s.Latitude!.Value, s.Longitude!.Value));
            }

            if (s.OdometerKm is { } odo)
            {
                _startOdo ??= odo;
                _endOdo = odo;
                if (_prevOdo is { } p)
                {
                    var delta = odo - p;
                    var hours = Math.Max((s.SampleTime - _prevOdoTime).TotalHours, 1.0 / 3600);
                    if (delta < 0 || delta > (o.MaxPlausibleSpeedKmh * hours) + 0.2)
                    {
                        // Odometer reset or jump: bridge this step with the GPS distance.
                        _anomaly = true;
                        _odometerKm += stepGpsKm;
                    }
                    else
                    {
                        _odometerKm += delta;
                    }
                }

                _prevOdo = odo;
                _prevOdoTime = s.SampleTime;
            }

            if (previous is not null)
            {
                _energyKwh += StepEnergyKwh(previous, s, o.MaxGap);
            }
        }

        public Trip ToTrip(AnalyticsOptions o, bool complete, bool lazyRoute)
        {
            var distance = _odometerKm > 0 ? _odometerKm : _gpsKm;
            var hoursTotal = (_last.SampleTime - _first.SampleTime).TotalHours;
            return new Trip
            {
                Vin = _first.Vin,
                Start = _first.SampleTime,
                End = _last.SampleTime,
                StartLatitude = _firstFix?.Latitude,
                StartLongitude = _firstFix?.Longitude,
                EndLatitude = _lastFix?.Latitude,
                EndLongitude = _lastFix?.Longitude,
                StartPlace = Geo.NearestPlace(o.Places, _firstFix?.Latitude, _firstFix?.Longitude, o.PlaceRadiusM),
                EndPlace = Geo.NearestPlace(o.Places, _lastFix?.Latitude, _lastFix?.Longitude, o.PlaceRadiusM),
                StartOdometerKm = _startOdo,
                EndOdometerKm = _endOdo,
                DistanceOdometerKm = Math.Round(_odometerKm, 3),
                DistanceGpsKm = Math.Round(_gpsKm, 3),
                MaxSpeedKmh = _maxSpeed,
                AvgSpeedKmh = hoursTotal > 0 ? Math.Round(distance / hoursTotal, 2) : 0,
                EnergyKwh = Math.Round(_energyKwh, 4),
                StartSoc = _startSoc,
                EndSoc = _endSoc,
                Samples = _count,
                Complete = complete,
                OdometerAnomaly = _anomaly,
                Route = lazyRoute ? _route.Simplified(o.RouteToleranceM, o.MaxRoutePoints) : Geo.Simplify(_route.Snapshot(), o.RouteToleranceM, o.MaxRoutePoints),
            };
        }
    }

    /// <summary>Trapezoidal V·I energy (kWh, positive = out of the pack) between two samples, 0 across a gap longer than <paramref name="maxGap"/>.</summary>
    internal static double StepEnergyKwh(WindowSample a, WindowSample b, TimeSpan maxGap)
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
