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

    internal static List<AlarmEpisode> Segment(IReadOnlyList<WindowSample> samples, int from, AnalyticsOptions options)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(options);
        var episodes = new List<AlarmEpisode>();
        var state = new State();
        for (var i = Math.Max(0, from); i < samples.Count; i++)
        {
            state.Step(samples[i], options, episodes);
        }

        state.AddOpen(options, episodes);
        Sort(episodes);
        return episodes;
    }

    internal static void Sort(List<AlarmEpisode> episodes) =>
        episodes.Sort((x, y) => x.Start != y.Start ? x.Start.CompareTo(y.Start) : string.CompareOrdinal(x.Kind, y.Kind));

    /// <summary>
    /// The segmenter's state after the samples it has stepped over (<see cref="Segment"/> is a loop of <see cref="Step"/>);
    /// kept by the derivation processor to extend open episodes by an in-order sample in O(1).
    /// </summary>
    internal sealed class State
    {
        private readonly Dictionary<string, Builder> _open = new(StringComparer.Ordinal);
        private readonly HashSet<string> _present = new(StringComparer.Ordinal);
        private readonly List<string> _closed = [];

        public int OpenCount => _open.Count;

        /// <summary>Feeds the next sample; episodes it clears go to <paramref name="ended"/>.</summary>
        public void Step(WindowSample s, AnalyticsOptions options, List<AlarmEpisode> ended)
        {
            _present.Clear();
            for (var flags = s.AlarmFlags; flags != 0; flags &= flags - 1)
            {
                _present.Add(KindOf(System.Numerics.BitOperations.TrailingZeroCount(flags)));
            }

            foreach (var code in s.FaultCodes)
            {
                _present.Add(FaultKind(code));
            }

            if (_open.Count > 0)
            {
                _closed.Clear();
                foreach (var (kind, b) in _open)
                {
                    if (!_present.Contains(kind) || s.SampleTime - b.LastSeen > options.MaxGap)
                    {
                        _closed.Add(kind);
                    }
                }

                foreach (var kind in _closed)
                {
                    ended.Add(_open[kind].Build(cleared: true, options));
                    _open.Remove(kind);
                }
            }

            var level = s.AlarmLevel ?? 0;
            foreach (var kind in _present)
            {
                if (!_open.TryGetValue(kind, out var b))
                {
                    _open[kind] = b = new Builder(s.Vin, kind, s.SampleTime);
                }

                b.Observe(s.SampleTime, level);
            }
        }

        public void AddOpen(AnalyticsOptions options, List<AlarmEpisode> episodes)
        {
            foreach (var b in _open.Values)
            {
                episodes.Add(b.Build(cleared: false, options));
            }
        }

        /// <summary>Ids of the open episodes (the derivation processor keeps the id of an episode that late data moved).</summary>
        public void AddOpenIds(List<string> ids)
        {
            foreach (var b in _open.Values)
            {
                ids.Add(b.Id);
            }
        }

        /// <summary>After a re-derivation renamed episodes, the open ones take the ids they were emitted with.</summary>
        public void AdoptIds(IReadOnlyList<AlarmEpisode> emitted)
        {
            foreach (var b in _open.Values)
            {
                foreach (var e in emitted)
                {
                    if (e.End is null && e.Kind == b.Kind && e.Start == b.Start)
                    {
                        b.Id = e.Id;
                        break;
                    }
                }
            }
        }
    }

    private static int BitOf(string kind)
    {
        var bit = -1;
        for (var i = 0; i < FlagNames.Count; i++)
        {
            if (FlagNames[i] == kind)
            {
                bit = i;
            }
        }

        return bit;
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
        private int _peak;
        private DateTimeOffset? _seriousSince;

        public Builder(string vin, string kind, DateTimeOffset start)
        {
            this.vin = vin;
            this.kind = kind;
            this.start = start;
            LastSeen = start;
            Id = IdOf(vin, kind, start);
        }

        public DateTimeOffset LastSeen { get; private set; }

        public string Kind => kind;

        public DateTimeOffset Start => start;

        /// <summary>The id the episode is emitted with: its natural id, or that of the episode it replaced.</summary>
        public string Id { get; set; }

        public void Observe(DateTimeOffset time, int level)
        {
            _samples++;
            LastSeen = time;
            if (_levels.Count == 0 || level > _peak)
            {
                _peak = level;
                _levels.Add(new AlarmLevelChange(time, level));
            }

            if (level >= 3)
            {
                _seriousSince ??= time;
            }
        }

        public AlarmEpisode Build(bool cleared, AnalyticsOptions o)
        {
            var bit = BitOf(kind);

            return new AlarmEpisode
            {
                Id = Id,
                Vin = vin,
                Kind = kind,
                Bit = bit >= 0 ? bit : null,
                Start = start,
                End = cleared ? LastSeen : null,
                LastSeen = LastSeen,
                FirstLevel = _levels[0].Level,
                PeakLevel = _peak,
                Levels = [.. _levels],
                Samples = _samples,
                WindowFrom = _seriousSince - o.AlarmWindowMargin,
                WindowTo = _seriousSince is null ? null : LastSeen + o.AlarmWindowMargin,
            };
        }
    }
}
