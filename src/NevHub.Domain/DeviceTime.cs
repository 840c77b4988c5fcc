namespace NevHub.Domain;

/// <summary>
/// The time zone of terminals' clocks. Every supported protocol (GB/T 32960, JT/T 808) sends Beijing time (UTC+8, no DST),
/// so sample times are shown at +08:00 everywhere — API, stores, exports — whatever offset a store keeps internally.
/// </summary>
public static class DeviceTime
{
    public static readonly TimeSpan Offset = TimeSpan.FromHours(8);

    /// <summary>The same instant, at the terminals' offset.</summary>
    public static DateTimeOffset Of(DateTimeOffset instant) => instant.ToOffset(Offset);
}
