using System.Buffers;

namespace NevHub.Protocols.Jt808.Tests;

internal static class Helpers
{
    public static readonly Jt808CodecOptions Strict = new() { VersionFlagMismatch = Jt808VersionFlagMismatchHandling.Reject };

    /// <summary>Reads exactly one frame from a single-segment buffer and requires it to be consumed entirely.</summary>
    public static Jt808Frame ReadOne(byte[] wire, Jt808CodecOptions? options = null)
    {
        var framer = new Jt808Framer(options);
        var buffer = new ReadOnlySequence<byte>(wire);
        Assert.True(framer.TryRead(ref buffer, out var frame));
        Assert.True(buffer.IsEmpty);
        return frame.Clone();
    }

    public static Jt808FormatException ReadFails(byte[] wire, Jt808CodecOptions? options = null)
    {
        var framer = new Jt808Framer(options);
        var buffer = new ReadOnlySequence<byte>(wire);
        return Assert.Throws<Jt808FormatException>(() => framer.TryRead(ref buffer, out _));
    }

    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal));
}

/// <summary>A clock the tests move by hand.</summary>
internal sealed class ManualTime : TimeProvider
{
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public override long GetTimestamp() => _now.UtcTicks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public void Advance(TimeSpan by) => _now += by;
}
