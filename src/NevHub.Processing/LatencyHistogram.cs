namespace NevHub.Processing;

/// <summary>
/// A lock-free latency histogram with logarithmic buckets (about 5 % resolution from 1 µs to ~20 min),
/// cheap enough to record every frame on the hot path. Percentiles are read from bucket upper bounds.
/// </summary>
public sealed class LatencyHistogram
{
    private const double Growth = 1.05;
    private const int BucketCount = 440; // 1.05^440 µs ≈ 2e9 µs
    private static readonly double LogGrowth = Math.Log(Growth);
    private readonly long[] _buckets = new long[BucketCount];
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public void Record(TimeSpan latency)
    {
        var micros = Math.Max(1.0, latency.TotalMicroseconds);
        var index = (int)Math.Min(BucketCount - 1, Math.Log(micros) / LogGrowth);
        Interlocked.Increment(ref _buckets[index]);
        Interlocked.Increment(ref _count);
    }

    /// <summary>The latency below which <paramref name="percentile"/> % of recorded values fall (upper bucket bound).</summary>
    public TimeSpan Percentile(double percentile)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(percentile);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percentile, 100);
        var total = Count;
        if (total == 0)
        {
            return TimeSpan.Zero;
        }

        var rank = (long)Math.Ceiling(total * percentile / 100.0);
        long seen = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += Interlocked.Read(ref _buckets[i]);
            if (seen >= Math.Max(1, rank))
            {
                return TimeSpan.FromMicroseconds(Math.Pow(Growth, i + 1));
            }
        }

        return TimeSpan.FromMicroseconds(Math.Pow(Growth, BucketCount));
    }

    public void Reset()
    {
        for (var i = 0; i < BucketCount; i++)
        {
            Interlocked.Exchange(ref _buckets[i], 0);
        }

        Interlocked.Exchange(ref _count, 0);
    }
}
