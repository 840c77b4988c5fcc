using System.Globalization;
using NevHub.Domain;
using NevHub.Storage.Analytics;

namespace NevHub.Processing.Analytics;

/// <summary>
/// Alarm episodes per kind (each general flag bit, each fault code), pure and deterministic: an episode opens at the
/// first sample with the flag set and is cleared by the first later sample without it (or a silence longer than
/// <see cref="AnalyticsOptions.MaxGap"/>). The level of a sample is its highest alarm level (GB/T 32960 2016 sends only
/// that one per frame); an episode records every rise of the level (escalation) and its peak. Episodes at level ≥ 3 get
/// the sample-time range of their high-frequency data: from <see cref="AnalyticsOptions.AlarmWindowMargin"/> before
/// they reached level 3 until the margin after they cleared.
/// </summary>
public static class AlarmSegmenter
{
    /// <summary>Names of the GB/T 32960 general alarm flag bits (§7.8); bits 19–27 are 2025 additions.</summary>
    public static IReadOnlyList<string> FlagNames { get; } =
    [
        "TemperatureDifference", "HighTemperature", "StorageOverVoltage", "StorageUnderVoltage", "SocLow", "CellOverVoltage",
        "CellUnderVoltage", "SocHigh", "SocJump", "StorageMismatch", "PoorCellConsistency", "Insulation", "DcDcTemperature",
        "BrakeSystem", "DcDcState", "MotorControllerTemperature", "HighVoltageInterlock", "MotorTemperature", "StorageOverCharge",
        "MotorOverSpeed", "MotorOverCurrent", "SupercapacitorOverTemperature", "SupercapacitorOverVoltage", "StorageThermalEvent",
        "HydrogenLeak", "HydrogenPressure", "HydrogenTemperature", "StackOverTemperature",
    ];

    public static string KindOf(int bit) =>
        bit < FlagNames.Count ? FlagNames[bit] : "Bit" + bit.ToString(CultureInfo.InvariantCulture);

    public static string FaultKind(string code) => "Fault:" + code;

    public static List<AlarmEpisode> Segment(IReadOnlyList<VehicleSample> samples, int from, AnalyticsOptions options)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(options);
        var episodes = new List<AlarmEpisode>();
        var open = new Dictionary<string, Builder>(StringComparer.Ordinal);
        var present = new HashSet<string>(StringComparer.Ordinal);
        for (var i = Math.Max(0, from); i < samples.Count; i++)
        {
            var s = samples[i];
            present.Clear();
            for (var bit = 0; bit < 32; bit++)
            {
                if ((s.AlarmFlags & (1u << bit)) != 0)
                {
                    present.Add(KindOf(bit));
                }
            }

            foreach (var code in s.FaultCodes)
            {
                present.Add(FaultKind(code));
            }

            List<string>? closed = null;
            foreach (var (kind, b) in open)
            {
                if (!present.Contains(kind) || s.SampleTime - b.LastSeen > options.MaxGap)
                {
                    (closed ??= []).Add(kind);
                }
            }

            foreach (var kind in closed ?? [])
            {
                episodes.Add(open[kind].Build(cleared: true, options));
                open.Remove(kind);
            }

            var level = s.AlarmLevel ?? 0;
            foreach (var kind in present)
            {
                if (!open.TryGetValue(kind, out var b))
                {
                    open[kind] = b = new Builder(s.Vin, kind, s.SampleTime);
                }

                b.Observe(s.SampleTime, level);
            }
        }

        foreach (var b in open.Values)
        {
            episodes.Add(b.Build(cleared: false, options));
        }

        episodes.Sort((x, y) => x.Start != y.Start ? x.Start.CompareTo(y.Start) : string.CompareOrdinal(x.Kind, y.Kind));
        return episodes;
    }

    /// <summary>The natural id of a newly derived episode.</summary>
    public static string IdOf(string vin, string kind, DateTimeOffset start) =>
        string.Create(CultureInfo.InvariantCulture, $"{vin}:{kind}:{start.UtcTicks}");

    private sealed class Builder
    {
        private readonly string vin;
        private readonly string kind;
        private readonly DateTimeOffset start;
        private readonly List<AlarmLevelChange> _levels = [];
        private int _samples;
        private DateTimeOffset? _seriousSince;

        public Builder(string vin, string kind, DateTimeOffset start)
        {
            this.vin = vin;
            this.kind = kind;
            this.start = start;
            LastSeen = start;
        }

        public DateTimeOffset LastSeen { get; private set; }

        public void Observe(DateTimeOffset time, int level)
        {
            _samples++;
            LastSeen = time;
            if (_levels.Count == 0 || level > _levels.Max(l => l.Level))
            {
                _levels.Add(new AlarmLevelChange(time, level));
            }

            if (level >= 3)
            {
                _seriousSince ??= time;
            }
        }

        public AlarmEpisode Build(bool cleared, AnalyticsOptions o)
        {
            var bit = -1;
            for (var i = 0; i < FlagNames.Count; i++)
            {
                if (FlagNames[i] == kind)
                {
                    bit = i;
                }
            }

            return new AlarmEpisode
            {
                Id = IdOf(vin, kind, start),
                Vin = vin,
                Kind = kind,
                Bit = bit >= 0 ? bit : null,
                Start = start,
                End = cleared ? LastSeen : null,
                LastSeen = LastSeen,
                FirstLevel = _levels[0].Level,
                PeakLevel = _levels.Max(l => l.Level),
                Levels = [.. _levels],
                Samples = _samples,
                WindowFrom = _seriousSince - o.AlarmWindowMargin,
                WindowTo = _seriousSince is null ? null : LastSeen + o.AlarmWindowMargin,
            };
        }
    }
}
