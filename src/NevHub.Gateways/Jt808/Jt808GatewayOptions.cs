using System.ComponentModel.DataAnnotations;
using NevHub.Gateways.Gbt32960;
using NevHub.Processing;
using NevHub.Protocols.Jt808;

namespace NevHub.Gateways.Jt808;

/// <summary>Options of the JT/T 808 gateway (two-wheeler and e-motorcycle trackers). Section "NevHub:Gateways:Jt808".</summary>
public sealed class Jt808GatewayOptions
{
    public const string Section = "NevHub:Gateways:Jt808";

    /// <summary>
    /// Listen for JT/T 808 terminals. Default false: port 808 is privileged, and turning a second public port on by an
    /// upgrade is a decision for the operator (docs/protocols/jt808.md, "Gateway").
    /// </summary>
    public bool Enabled { get; set; }

    /// <summary>TCP port; 0 picks a free port (tests). Default 808.</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 808;

    /// <summary>Address to listen on. Default all interfaces ("0.0.0.0").</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>
    /// Whether an unknown terminal may register (0x0100) and is then bound to a new vehicle. Null (default) follows
    /// NevHub:Registry:Policy, whose default is <see cref="RegistrationPolicy.RequireRegistration"/>: unknown terminals are refused.
    /// </summary>
    public RegistrationPolicy? Registration { get; set; }

    public DuplicateSessionPolicy DuplicateSession { get; set; } = DuplicateSessionPolicy.ReplaceOld;

    /// <summary>A connection must authenticate (0x0102) within this time. Default 60 s.</summary>
    public TimeSpan LoginTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>An authenticated connection that sends nothing for this long is closed. Default 300 s (three heartbeats at 100 s).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>A frame that has started must be complete within this time (slow-loris protection). Default 30 s.</summary>
    public TimeSpan PartialFrameTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Sustained frames per second one connection may send; faster senders are slowed down (not dropped). Default 100.</summary>
    [Range(1, 1_000_000)]
    public double MaxFramesPerSecond { get; set; } = 100;

    /// <summary>Frames a connection may send in a burst above the sustained rate (blind-area backfill). Default 1000.</summary>
    [Range(1, 10_000_000)]
    public int FrameBurst { get; set; } = 1000;

    /// <summary>Frames whose body fails its checks in a row (each answered 0x8001 result 2) before the connection is closed. Default 3.</summary>
    [Range(1, 1000)]
    public int MaxConsecutiveBadFrames { get; set; } = 3;

    /// <summary>
    /// The file holding the platform secret that authentication codes are derived from (HMAC-SHA256 of the phone). Relative
    /// paths are under the data directory. Created with 32 random bytes and mode 0600 on first start. Default "jt808-auth.key".
    /// Deleting or replacing it invalidates every issued code: terminals must register (0x0100) again.
    /// </summary>
    public string AuthSecretFile { get; set; } = "jt808-auth.key";

    /// <summary>The data directory for <see cref="AuthSecretFile"/>; defaults to NevHub:DataDirectory.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>Frames with the 2019 flag but a 2013 header (a known device quirk): parse as 2013 (default) or reject.</summary>
    public Jt808VersionFlagMismatchHandling VersionFlagMismatch { get; set; } = Jt808VersionFlagMismatchHandling.ParseAs2013;

    /// <summary>Offset in which terminals send BCD times. Default +08:00, the standard's GMT+8.</summary>
    public TimeSpan DeviceTimeOffset { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Subpackaged messages reassembled at once per connection. Default 4.</summary>
    [Range(1, 1024)]
    public int MaxPendingSubpackagedMessages { get; set; } = 4;

    /// <summary>Bytes held for incomplete subpackaged messages per connection. Default 256 KiB.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxPendingSubpackageBytes { get; set; } = 256 * 1024;

    /// <summary>Largest accepted package total of one subpackaged message. Default 256.</summary>
    [Range(1, 65535)]
    public int MaxPackageTotal { get; set; } = 256;

    /// <summary>Silence after which missing packages are requested again with 0x8003 (5 requests, then the message is dropped). Default 10 s.</summary>
    public TimeSpan SubpackageRetryInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a downlink command waits for its answer before it is reported as timed out. Default 60 s.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Commands remembered per vehicle (in memory, oldest forgotten first). Default 50.</summary>
    [Range(1, 10_000)]
    public int CommandHistory { get; set; } = 50;

    /// <summary>
    /// Battery profiles by name: how vendor additional items and 0x0900 payloads carry battery values, chosen per terminal by
    /// the manufacturer id and model of its 0x0100 registration. A profile named "default" replaces the built-in default.
    /// See docs/protocols/jt808-battery-profiles.md.
    /// </summary>
    public Dictionary<string, Jt808BatteryProfile> BatteryProfiles { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
