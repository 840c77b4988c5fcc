using NevHub.Domain;
using NevHub.Storage.Analytics;

namespace NevHub.Processing.Analytics;

/// <summary>
/// Charging sessions from the charging state (pure, deterministic): a run of "parked charging" samples, ended by a sample
/// with another charging state or a silence longer than <see cref="AnalyticsOptions.ChargeMaxGap"/>. Plus reconstructed
/// sessions: across a silence of at least <see cref="AnalyticsOptions.ReconstructMinGap"/> outside any observed session,
/// the SOC rose by at least <see cref="AnalyticsOptions.ReconstructMinSocRise"/> while the vehicle barely moved.
/// </summary>
public static class ChargeSegmenter
{
    /// <param name="samples">Time-sorted samples of one vehicle.</param>
    /// <param name="from">First index that may open a session; the sample before it is context for reconstruction only.</param>
    /// <param name="options">Parameters.</param>
    internal static List<ChargeSession> Segment(IReadOnlyList<WindowSample> samples, int from, AnalyticsOptions options)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(options);
        var sessions = new List<ChargeSession>();
        var state = new State();
        for (var i = Math.Max(0, from); i < samples.Count; i++)
        {
            state.Step(samples, i, options, sessions);
        }

        if (state.Open(options) is { } open)
        {
            sessions.Add(open);
        }

        return sessions;
    }

    /// <summary>
    /// The segmenter's state after the samples it has stepped over (<see cref="Segment"/> is a loop of <see cref="Step"/>);
    /// kept by the derivation processor to extend the open session by an in-order sample in O(1).
    /// </summary>
    internal sealed class State
    {
        private Accumulator? _open;
        private DateTimeOffset _lastTime;

        /// <summary>Start time of the open session, or null.</summary>
        public DateTimeOffset? OpenStart => _open?.Start;

        /// <summary>Feeds sample <paramref name="i"/>; sessions it ends or reconstructs go to <paramref name="ended"/>.</summary>
        public void Step(IReadOnlyList<WindowSample> samples, int i, AnalyticsOptions options, List<ChargeSession> ended)
        {
            var s = samples[i];
            var charging = s.Charging is ChargingState.ParkedCharging;
            if (_open is not null && (!charging || s.SampleTime - _lastTime > options.ChargeMaxGap))
            {
                ended.Add(_open.ToSession(options, complete: true));
                _open = null;
            }

            if (i > 0 && _open is null && Reconstruct(samples[i - 1], s, options) is { } offline)
            {
                ended.Add(offline);
            }

            if (charging)
            {
                if (_open is null)
                {
                    _open = new Accumulator(s, options);
                }
                else
                {
                    _open.Add(s);
                }

                _lastTime = s.SampleTime;
            }
        }

        public ChargeSession? Open(AnalyticsOptions options) => _open?.ToSession(options, complete: false);
    }

    private static ChargeSession? Reconstruct(WindowSample before, WindowSample after, AnalyticsOptions o)
    {
        if (after.SampleTime - before.SampleTime < o.ReconstructMinGap || before.Charging is ChargingState.ParkedCharging
            || before.SocPercent is not { } socBefore || after.SocPercent is not { } socAfter || socAfter - socBefore < o.ReconstructMinSocRise)
        {
            return null;
        }

        if (before.OdometerKm is { } oa && after.OdometerKm is { } ob && Math.Abs(ob - oa) > o.ReconstructMaxMoveKm)
        {
            return null;
        }

        if (before.PositionValid && after.PositionValid && before.Latitude is { } la && before.Longitude is { } loa
            && after.Latitude is { } lb && after.Longitude is { } lob && Geo.DistanceM(la, loa, lb, lob) / 1000 > o.ReconstructMaxMoveKm)
        {
            return null;
        }

        return new ChargeSession
        {
            Vin = before.Vin,
            Start = before.SampleTime,
            End = after.SampleTime,
            StartSoc = socBefore,
            EndSoc = socAfter,
            Latitude = before.PositionValid ? before.Latitude : null,
            Longitude = before.PositionValid ? before.Longitude : null,
            Place = before.PositionValid ? Geo.NearestPlace(o.Places, before.Latitude, before.Longitude, o.PlaceRadiusM) : null,
            Samples = 2,
            Reconstructed = true,
            Complete = true,
        };
    }

    /// <summary>A session's sums over its samples, extended one sample at a time.</summary>
    private sealed class Accumulator
    {
        private readonly WindowSample _first;
        private readonly AnalyticsOptions _options;
        private WindowSample _last;
        private double _energy;
        private double _peak;
        private bool _hasPower;
        private double? _startSoc;
        private double? _endSoc;
        private WindowSample? _fix;
        private int _count;

        public Accumulator(WindowSample first, AnalyticsOptions options)
        {
            _first = first;
            _last = first;
            _options = options;
            Observe(first);
        }

        public DateTimeOffset Start => _first.SampleTime;

        public void Add(WindowSample s)
        {
            _energy -= TripSegmenter.StepEnergyKwh(_last, s, _options.ChargeMaxGap);
            _last = s;
            Observe(s);
        }

        private void Observe(WindowSample s)
        {
            _count++;
            _startSoc ??= s.SocPercent;
            _endSoc = s.SocPercent ?? _endSoc;
            if (_fix is null && s.PositionValid && s.Latitude is not null && s.Longitude is not null)
            {
                _fix = s;
            }

            if (s.PackVoltageV is { } v && s.PackCurrentA is { } c)
            {
                _hasPower = true;
                _peak = Math.Max(_peak, -v * c / 1000);
            }
        }

        public ChargeSession ToSession(AnalyticsOptions o, bool complete)
        {
            var hours = (_last.SampleTime - _first.SampleTime).TotalHours;
            return new ChargeSession
            {
                Vin = _first.Vin,
                Start = _first.SampleTime,
                End = _last.SampleTime,
                StartSoc = _startSoc,
                EndSoc = _endSoc,
                EnergyInKwh = Math.Round(_energy, 4),
                AvgPowerKw = hours > 0 ? Math.Round(_energy / hours, 3) : 0,
                PeakPowerKw = Math.Round(_peak, 3),
                Type = !_hasPower ? ChargeType.Unknown : _peak >= o.DcThresholdKw ? ChargeType.DC : ChargeType.AC,
                Latitude = _fix?.Latitude,
                Longitude = _fix?.Longitude,
                Place = Geo.NearestPlace(o.Places, _fix?.Latitude, _fix?.Longitude, o.PlaceRadiusM),
                Samples = _count,
                Complete = complete,
            };
        }
    }
}
