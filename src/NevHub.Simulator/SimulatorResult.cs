namespace NevHub.Simulator;

/// <summary>Shared counters of a run, updated with <see cref="Interlocked"/> from the shard tasks and receive loops.</summary>
internal sealed class SimulatorCounters
{
#pragma warning disable CA1051 // plain fields so that Interlocked can update them
    public long FramesSent;
    public long BytesSent;
    public long RealtimeReports;
    public long ReissueReports;
    public long Logins;
    public long LoginAnswers;
    public long LoginRefusals;
    public long LoginTimeouts;
    public long Logouts;
    public long LogoutAnswers;
    public long Heartbeats;
    public long HeartbeatAnswers;
    public long ReportErrors;
    public long LinkDrops;
    public long ConnectionsLost;
    public long ConnectFailures;
    public long PlatformCommands;
    public long CommandAnswers;
    public long Registrations;
    public long BadFramesReceived;
    public long Connected;
    public long PeakConnected;
#pragma warning restore CA1051

    public void Online()
    {
        var now = Interlocked.Increment(ref Connected);
        long peak;
        while (now > (peak = Interlocked.Read(ref PeakConnected)) && Interlocked.CompareExchange(ref PeakConnected, now, peak) != peak)
        {
        }
    }

    public void Offline() => Interlocked.Decrement(ref Connected);
}

/// <summary>What a run achieved.</summary>
public sealed record SimulatorResult
{
    public required long FramesSent { get; init; }

    public required long BytesSent { get; init; }

    public required long RealtimeReports { get; init; }

    public required long ReissueReports { get; init; }

    /// <summary>Login frames sent (first logins and re-logins).</summary>
    public required long Logins { get; init; }

    /// <summary>Logins the platform accepted.</summary>
    public required long LoginAnswers { get; init; }

    public required long LoginRefusals { get; init; }

    public required long LoginTimeouts { get; init; }

    /// <summary>Logins after the first of a vehicle: after a link drop, a lost connection or a sleep.</summary>
    public required long Reconnects { get; init; }

    public required long Logouts { get; init; }

    public required long Heartbeats { get; init; }

    public required long HeartbeatAnswers { get; init; }

    /// <summary>Error answers to reports (the platform rejected a 0x02/0x03).</summary>
    public required long ReportErrors { get; init; }

    /// <summary>Simulated link drops (the client reset the connection).</summary>
    public required long LinkDrops { get; init; }

    /// <summary>Connections that ended without the simulator asking (platform closed, reset, I/O error).</summary>
    public required long ConnectionsLost { get; init; }

    public required long ConnectFailures { get; init; }

    /// <summary>Commands from the platform: GB/T 32960 query/set/control (not answered) and JT/T 808 downlink messages (answered).</summary>
    public required long PlatformCommands { get; init; }

    /// <summary>JT/T 808 answers sent to platform commands (0x0001, 0x0104, 0x0201).</summary>
    public long CommandAnswers { get; init; }

    /// <summary>JT/T 808 registrations (0x0100) sent; their authentications count as logins.</summary>
    public long Registrations { get; init; }

    /// <summary>Vehicles logged in at the same time, at most.</summary>
    public required long PeakConnected { get; init; }

    /// <summary>Samples that could not be sent by the end of the run (platform unreachable); they are in the ground truth but not on the platform.</summary>
    public required long SamplesNotSent { get; init; }

    public required TimeSpan Elapsed { get; init; }

    public required TimeSpan Simulated { get; init; }

    public double FramesPerSecond => Elapsed > TimeSpan.Zero ? FramesSent / Elapsed.TotalSeconds : 0;

    /// <summary>Simulated seconds per real second actually achieved.</summary>
    public double AchievedTimeScale => Elapsed > TimeSpan.Zero ? Simulated.TotalSeconds / Elapsed.TotalSeconds : 0;

    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{FramesSent} frames ({FramesPerSecond:F0}/s, {BytesSent / 1024.0 / 1024.0:F1} MiB) in {Elapsed.TotalSeconds:F1} s for {Simulated} simulated " +
            $"(×{AchievedTimeScale:F0}); realtime {RealtimeReports}, reissue {ReissueReports}; logins {Logins} (answered {LoginAnswers}, " +
            $"refused {LoginRefusals}, timed out {LoginTimeouts}), reconnects {Reconnects}, link drops {LinkDrops}, lost {ConnectionsLost}; " +
            $"peak connected {PeakConnected}; jt808 registrations {Registrations}, commands {PlatformCommands}/{CommandAnswers} answered; heartbeats {Heartbeats}/{HeartbeatAnswers}; report errors {ReportErrors}; not sent {SamplesNotSent}");
}
