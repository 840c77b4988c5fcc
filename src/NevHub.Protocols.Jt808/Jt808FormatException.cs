using System.Diagnostics.CodeAnalysis;

namespace NevHub.Protocols.Jt808;

/// <summary>Why a JT/T 808 frame, body or subpackage was rejected. Every value ends the connection (jt808.md §12 item 3).</summary>
public enum Jt808FormatError
{
    /// <summary>Bytes before an opening 0x7E flag.</summary>
    BytesBeforeStart,

    /// <summary>Two consecutive flags (<c>7E 7E</c>): a frame with no content.</summary>
    EmptyFrame,

    /// <summary>The frame is larger than <see cref="Jt808CodecOptions.MaxFrameLength"/>.</summary>
    FrameTooLarge,

    /// <summary>0x7D followed by something other than 0x01 or 0x02 (or by the closing flag).</summary>
    BadEscape,

    /// <summary>A raw 0x7E inside a frame: the frame ended early and garbage follows the false closing flag.</summary>
    UnescapedDelimiter,

    /// <summary>The input ended inside a frame (only reported when the caller says no more bytes will come).</summary>
    Incomplete,

    /// <summary>Fewer bytes between the flags than the smallest header plus the checksum.</summary>
    FrameTooShort,

    /// <summary>Header + declared body length + checksum does not equal the unescaped frame size.</summary>
    LengthMismatch,

    /// <summary>The XOR checksum does not match.</summary>
    ChecksumMismatch,

    /// <summary>A body field, count or length runs past the end of the body.</summary>
    InvalidBody,

    /// <summary>A subpackage with total 0, index 0 or index greater than total, or a total that exceeds the limit.</summary>
    InvalidSubpackage,

    /// <summary>More messages are being reassembled than <see cref="Jt808ReassemblerOptions.MaxPendingMessages"/> allows.</summary>
    TooManyPendingMessages,

    /// <summary>Pending subpackage bytes would exceed <see cref="Jt808ReassemblerOptions.MaxPendingBytes"/>.</summary>
    PendingBytesExceeded,
}

/// <summary>The one exception the JT/T 808 codec throws for malformed input. <see cref="Reason"/> says why.</summary>
public sealed class Jt808FormatException : FormatException
{
    public Jt808FormatException(Jt808FormatError reason, string message)
        : base(message) => Reason = reason;

    public Jt808FormatException(string message)
        : base(message) => Reason = Jt808FormatError.InvalidBody;

    public Jt808FormatException()
        : this(Jt808FormatError.InvalidBody, "Malformed JT/T 808 data.")
    {
    }

    public Jt808FormatException(string message, Exception innerException)
        : base(message, innerException) => Reason = Jt808FormatError.InvalidBody;

    public Jt808FormatError Reason { get; }

    /// <summary>Offset of the offending byte in the escaped frame (0 = opening flag), or -1 when not applicable.</summary>
    public int Offset { get; init; } = -1;

    /// <summary>Body length declared in the header (length errors).</summary>
    public int? DeclaredBodyLength { get; init; }

    /// <summary>Body length actually present (length errors).</summary>
    public int? ActualBodyLength { get; init; }

    /// <summary>The checksum byte carried by the frame (length and checksum errors).</summary>
    public byte? ChecksumInFrame { get; init; }

    /// <summary>The checksum computed over the unescaped header and body (length and checksum errors).</summary>
    public byte? ChecksumComputed { get; init; }

    /// <summary>The reason as the snake_case code used in the JSON output and the test vectors.</summary>
    public string ReasonCode => ReasonToCode(Reason);

    public static string ReasonToCode(Jt808FormatError reason) => reason switch
    {
        Jt808FormatError.BytesBeforeStart => "bytes_before_start",
        Jt808FormatError.EmptyFrame => "empty_frame",
        Jt808FormatError.FrameTooLarge => "frame_too_large",
        Jt808FormatError.BadEscape => "bad_escape",
        Jt808FormatError.UnescapedDelimiter => "unescaped_delimiter",
        Jt808FormatError.Incomplete => "incomplete",
        Jt808FormatError.FrameTooShort => "frame_too_short",
        Jt808FormatError.LengthMismatch => "length_mismatch",
        Jt808FormatError.ChecksumMismatch => "checksum_mismatch",
        Jt808FormatError.InvalidBody => "invalid_body",
        Jt808FormatError.InvalidSubpackage => "invalid_subpackage",
        Jt808FormatError.TooManyPendingMessages => "too_many_pending_messages",
        Jt808FormatError.PendingBytesExceeded => "pending_bytes_exceeded",
        _ => "unknown",
    };
}

/// <summary>Throw helpers keep the hot methods small (npgsql <c>ThrowHelper</c>).</summary>
internal static class Jt808Throw
{
    [DoesNotReturn]
    public static void Format(Jt808FormatError reason, string message, int offset = -1) =>
        throw new Jt808FormatException(reason, message) { Offset = offset };

    [DoesNotReturn]
    public static void Length(int declared, int actual, byte inFrame, byte computed) =>
        throw new Jt808FormatException(
            Jt808FormatError.LengthMismatch,
            $"Declared body length {declared} but {actual} body bytes are present.")
        {
            DeclaredBodyLength = declared,
            ActualBodyLength = actual,
            ChecksumInFrame = inFrame,
            ChecksumComputed = computed,
        };

    [DoesNotReturn]
    public static void Checksum(byte inFrame, byte computed) =>
        throw new Jt808FormatException(
            Jt808FormatError.ChecksumMismatch,
            $"Checksum 0x{inFrame:X2} in the frame, 0x{computed:X2} computed.")
        {
            ChecksumInFrame = inFrame,
            ChecksumComputed = computed,
        };

    [DoesNotReturn]
    public static void Body(string message) => throw new Jt808FormatException(Jt808FormatError.InvalidBody, message);

    [DoesNotReturn]
    public static T Body<T>(string message) => throw new Jt808FormatException(Jt808FormatError.InvalidBody, message);
}
