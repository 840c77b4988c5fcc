using System.ComponentModel.DataAnnotations;

namespace NevHub.Gateways.Gbt32960;

/// <summary>What happens when a VIN logs in while it already has a live connection.</summary>
public enum DuplicateSessionPolicy
{
    /// <summary>The new connection wins; the old one is closed (a terminal that lost its link reconnects before the old socket times out).</summary>
    ReplaceOld = 0,

    /// <summary>The new login is answered "VIN duplicate" (0x03) and closed.</summary>
    RejectNew = 1,
}

/// <summary>Options of the GB/T 32960 gateway. Section "NevHub:Gateways:Gbt32960".</summary>
public sealed class Gbt32960GatewayOptions
{
    public const string Section = "NevHub:Gateways:Gbt32960";

    public bool Enabled { get; set; } = true;

    /// <summary>TCP port; 0 picks a free port (tests). Default 32960.</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 32960;

    /// <summary>Address to listen on. Default all interfaces ("0.0.0.0"); the demo uses loopback.</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>A PFX certificate file: when set, the port speaks TLS.</summary>
    public string? CertificatePath { get; set; }

    public string? CertificatePassword { get; set; }

    public DuplicateSessionPolicy DuplicateSession { get; set; } = DuplicateSessionPolicy.ReplaceOld;

    /// <summary>A connection must log in within this time. Default 60 s.</summary>
    public TimeSpan LoginTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>A logged-in connection that sends nothing for this long is closed. Default 300 s (the heartbeat period is at most 240 s).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>A frame that has started must be complete within this time (slow-loris protection). Default 30 s.</summary>
    public TimeSpan PartialFrameTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest accepted data unit. Default 65531, the standard's maximum.</summary>
    [Range(64, 65531)]
    public int MaxDataLength { get; set; } = 65531;

    /// <summary>Sustained frames per second one connection may send; faster senders are slowed down (not dropped). Default 200.</summary>
    [Range(1, 1_000_000)]
    public double MaxFramesPerSecond { get; set; } = 200;

    /// <summary>Frames a connection may send in a burst above the sustained rate (reissue after an outage). Default 2000.</summary>
    [Range(1, 10_000_000)]
    public int FrameBurst { get; set; } = 2000;

    /// <summary>Answer correct realtime/reissue reports with success (after they are durable). The standard says not to; default false.</summary>
    public bool AnswerReports { get; set; }

    /// <summary>Frames that fail content checks in a row before the connection is closed. Default 3.</summary>
    [Range(1, 1000)]
    public int MaxConsecutiveBadFrames { get; set; } = 3;
}
