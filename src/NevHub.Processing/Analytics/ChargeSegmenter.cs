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
    public static List<ChargeSession> Segment(IReadOnlyList<VehicleSample> samples, int from, AnalyticsOptions options)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(options);
        var sessions = new List<ChargeSession>();
        var start = -1;
        var last = -1;
        from = Math.Max(0, from);
        for (var i = from; i < samples.Count; i++)
        {
            var s = samples[i];
            var charging = s.Charging is ChargingState.ParkedCharging;
            if (start >= 0 && (!charging || s.SampleTime - samples[last].SampleTime > options.ChargeMaxGap))
            {
                sessions.Add(Build(samples, start, last, options, complete: true));
                start = -1;
            }

            if (i > 0 && start < 0 && Reconstruct(samples[i - 1], s, options) is { } offline)
            {
                sessions.Add(offline);
            }

            if (charging)
            {
                if (start < 0)
                {
                    start = i;
                }

                last = i;
            }
        }

        if (start >= 0)
        {
            sessions.Add(Build(samples, start, last, options, complete: false));
        }

        return sessions;
    }

    private static ChargeSession? Reconstruct(VehicleSample before, VehicleSample after, AnalyticsOptions o)
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

    private static ChargeSession Build(IReadOnlyList<VehicleSample> samples, int a, int b, AnalyticsOptions o, bool complete)
    {
        double energy = 0, peak = 0;
        var hasPower = false;
        double? startSoc = null, endSoc = null;
        VehicleSample? fix = null;
        for (var i = a; i <= b; i++)
        {
            var s = samples[i];
            startSoc ??= s.SocPercent;
            endSoc = s.SocPercent ?? endSoc;
            if (fix is null && s.PositionValid && s.Latitude is not null && s.Longitude is not null)
            {
                fix = s;
            }

            if (s.PackVoltageV is { } v && s.PackCurrentA is { } c)
            {
                hasPower = true;
                peak = Math.Max(peak, -v * c / 1000);
            }

            if (i > a)
            {
                energy -= TripSegmenter.StepEnergyKwh(samples[i - 1], s, o.ChargeMaxGap);
            }
        }

        var hours = (samples[b].SampleTime - samples[a].SampleTime).TotalHours;
        return new ChargeSession
        {
            Vin = samples[a].Vin,
            Start = samples[a].SampleTime,
            End = samples[b].SampleTime,
            StartSoc = startSoc,
            EndSoc = endSoc,
            EnergyInKwh = Math.Round(energy, 4),
            AvgPowerKw = hours > 0 ? Math.Round(energy / hours, 3) : 0,
            PeakPowerKw = Math.Round(peak, 3),
            Type = !hasPower ? ChargeType.Unknown : peak >= o.DcThresholdKw ? ChargeType.DC : ChargeType.AC,
            Latitude = fix?.Latitude,
            Longitude = fix?.Longitude,
            Place = Geo.NearestPlace(o.Places, fix?.Latitude, fix?.Longitude, o.PlaceRadiusM),
            Samples = b - a + 1,
            Complete = complete,
        };
    }
}
