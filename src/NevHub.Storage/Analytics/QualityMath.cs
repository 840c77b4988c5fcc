namespace NevHub.Storage.Analytics;

/// <summary>Adds quality increments; every store merges them the same way.</summary>
public static class QualityMath
{
    public static QualityDay Add(QualityDay a, QualityDay b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var latency = new long[Math.Max(a.Latency.Count, b.Latency.Count)];
        for (var i = 0; i < latency.Length; i++)
        {
            latency[i] = (i < a.Latency.Count ? a.Latency[i] : 0) + (i < b.Latency.Count ? b.Latency[i] : 0);
        }

        return a with
        {
            Maker = b.Maker.Length > 0 ? b.Maker : a.Maker,
            Frames = a.Frames + b.Frames,
            Realtime = a.Realtime + b.Realtime,
            Reissue = a.Reissue + b.Reissue,
            Duplicates = a.Duplicates + b.Duplicates,
            CoveredSeconds = a.CoveredSeconds + b.CoveredSeconds,
            ExpectedFrames = a.ExpectedFrames + b.ExpectedFrames,
            Latency = latency,
            ClockDriftSumSeconds = a.ClockDriftSumSeconds + b.ClockDriftSumSeconds,
            ClockDriftMaxSeconds = Math.Max(a.ClockDriftMaxSeconds, b.ClockDriftMaxSeconds),
            ClockDriftSamples = a.ClockDriftSamples + b.ClockDriftSamples,
            ClockDriftViolations = a.ClockDriftViolations + b.ClockDriftViolations,
            OdometerJumps = a.OdometerJumps + b.OdometerJumps,
            SocJumps = a.SocJumps + b.SocJumps,
            PositionJumps = a.PositionJumps + b.PositionJumps,
            InvalidFields = Sum(a.InvalidFields, b.InvalidFields),
            AbnormalFields = Sum(a.AbnormalFields, b.AbnormalFields),
        };
    }

    private static Dictionary<string, long> Sum(IReadOnlyDictionary<string, long> a, IReadOnlyDictionary<string, long> b)
    {
        var sum = new Dictionary<string, long>(a, StringComparer.Ordinal);
        foreach (var (k, v) in b)
        {
            sum[k] = sum.GetValueOrDefault(k) + v;
        }

        return sum;
    }
}
