namespace NevHub.Protocols.Jt808;

/// <summary>What to do with a frame that sets the 2019 version flag (bit 14) but only fits a 2013 header.</summary>
public enum Jt808VersionFlagMismatchHandling
{
    /// <summary>Parse it with the 2013 header and flag <see cref="Jt808Header.VersionFlagMismatch"/> (jt808.md §12 item 1; default).</summary>
    ParseAs2013,

    /// <summary>Strict: reject it as <see cref="Jt808FormatError.LengthMismatch"/>.</summary>
    Reject,
}

/// <summary>Options of the framer and the decoder. Defaults follow docs/protocols/jt808.md.</summary>
public sealed class Jt808CodecOptions
{
    /// <summary>The defaults, shared.</summary>
    public static Jt808CodecOptions Default { get; } = new();

    /// <summary>Largest legal unescaped frame without the flags: 21 header + 1023 body + 1 checksum.</summary>
    public const int MaxLegalFrameLength = 21 + 1023 + 1;

    /// <summary>
    /// Cap on the unescaped frame size, flags excluded (default <see cref="MaxLegalFrameLength"/> = 1045). The escaped frame
    /// may be up to twice this plus the two flags; anything longer is rejected before it is parsed.
    /// </summary>
    public int MaxFrameLength { get; init; } = MaxLegalFrameLength;

    /// <summary>Default <see cref="Jt808VersionFlagMismatchHandling.ParseAs2013"/>.</summary>
    public Jt808VersionFlagMismatchHandling VersionFlagMismatch { get; init; } = Jt808VersionFlagMismatchHandling.ParseAs2013;

    /// <summary>Offset in which devices send BCD times: GMT+8 per the standard; override per device when needed.</summary>
    public TimeSpan DeviceTimeOffset { get; init; } = TimeSpan.FromHours(8);
}
