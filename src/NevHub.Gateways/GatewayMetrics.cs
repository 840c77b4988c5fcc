using System.Diagnostics.Metrics;

namespace NevHub.Gateways;

/// <summary>Instruments of every gateway (Meter "NevHub.Gateways"), tagged by protocol.</summary>
public sealed class GatewayMetrics
{
    public const string MeterName = "NevHub.Gateways";

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        Connections = meter.CreateUpDownCounter<long>("nevhub.gateway.connections", description: "Open device connections.");
        Frames = meter.CreateCounter<long>("nevhub.gateway.frames", description: "Frames received.");
        BadFrames = meter.CreateCounter<long>("nevhub.gateway.bad_frames", description: "Frames rejected, by reason.");
        Logins = meter.CreateCounter<long>("nevhub.gateway.logins", description: "Login attempts, by result.");
        Timeouts = meter.CreateCounter<long>("nevhub.gateway.timeouts", description: "Connections closed by a time-out, by kind.");
    }

    public UpDownCounter<long> Connections { get; }

    public Counter<long> Frames { get; }

    public Counter<long> BadFrames { get; }

    public Counter<long> Logins { get; }

    public Counter<long> Timeouts { get; }

    /// <summary>Plain totals, cheap to read for the stats endpoint and the load harness.</summary>
    public long FramesTotal => Interlocked.Read(ref _framesTotal);

    public long BadFramesTotal => Interlocked.Read(ref _badFramesTotal);

    private long _framesTotal;
    private long _badFramesTotal;

    internal void CountFrame(KeyValuePair<string, object?> protocol)
    {
        Interlocked.Increment(ref _framesTotal);
        Frames.Add(1, protocol);
    }

    internal void CountBadFrame(KeyValuePair<string, object?> protocol, string reason)
    {
        Interlocked.Increment(ref _badFramesTotal);
        BadFrames.Add(1, protocol, new KeyValuePair<string, object?>("reason", reason));
    }
}
