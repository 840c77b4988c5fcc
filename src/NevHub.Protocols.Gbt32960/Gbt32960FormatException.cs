using System.Diagnostics.CodeAnalysis;

namespace NevHub.Protocols.Gbt32960;

/// <summary>A malformed GB/T 32960 frame or data unit. The connection that produced it should be closed.</summary>
public sealed class Gbt32960FormatException : FormatException
{
    public Gbt32960FormatException()
        : this(Gbt32960ErrorReason.Truncated, "Malformed GB/T 32960 frame.")
    {
    }

    public Gbt32960FormatException(string message)
        : this(Gbt32960ErrorReason.Truncated, message)
    {
    }

    public Gbt32960FormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = Gbt32960ErrorReason.Truncated;
    }

    public Gbt32960FormatException(Gbt32960ErrorReason reason, string message, int offset = -1, int garbageLength = 0)
        : base(message)
    {
        Reason = reason;
        Offset = offset;
        GarbageLength = garbageLength;
    }

    /// <summary>The machine-readable reason.</summary>
    public Gbt32960ErrorReason Reason { get; }

    /// <summary>Offset of the offending byte (frame offset for framing errors, data-unit offset for body errors), or -1.</summary>
    public int Offset { get; }

    /// <summary>For <see cref="Gbt32960ErrorReason.GarbageBeforeStart"/>: how many bytes precede the next possible start symbol.</summary>
    public int GarbageLength { get; }

    /// <summary>The snake_case name of <see cref="Reason"/> (the JSON <c>kind</c>).</summary>
    public string Kind => KindOf(Reason);

    /// <summary>The snake_case name of a reason, as used by the JSON renderer and the test vectors.</summary>
    public static string KindOf(Gbt32960ErrorReason reason) => reason switch
    {
        Gbt32960ErrorReason.BadStartSymbol => "bad_start_symbol",
        Gbt32960ErrorReason.GarbageBeforeStart => "garbage_before_start",
        Gbt32960ErrorReason.DataLengthTooLarge => "data_length_too_large",
        Gbt32960ErrorReason.LengthMismatch => "length_mismatch",
        Gbt32960ErrorReason.BadBcc => "bad_bcc",
        Gbt32960ErrorReason.Truncated => "truncated",
        Gbt32960ErrorReason.UnknownInformationType => "unknown_type",
        Gbt32960ErrorReason.CustomBlockOverrun => "custom_block_overrun",
        Gbt32960ErrorReason.TrailingData => "trailing_data",
        Gbt32960ErrorReason.InvalidTime => "invalid_time",
        Gbt32960ErrorReason.BlockOverrun => "block_overrun",
        Gbt32960ErrorReason.UnknownParameter => "unknown_parameter",
        Gbt32960ErrorReason.UnknownCommand => "unknown_command",
        Gbt32960ErrorReason.MissingSignature => "missing_signature",
        Gbt32960ErrorReason.SignatureInvalid => "signature_invalid",
        Gbt32960ErrorReason.DecryptionFailed => "decryption_failed",
        Gbt32960ErrorReason.EmptyReport => "empty_report",
        _ => "unknown",
    };
}

/// <summary>Throw helpers keep the hot methods small.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void Throw(Gbt32960ErrorReason reason, string message, int offset = -1) =>
        throw new Gbt32960FormatException(reason, message, offset);

    [DoesNotReturn]
    public static T Throw<T>(Gbt32960ErrorReason reason, string message, int offset = -1) =>
        throw new Gbt32960FormatException(reason, message, offset);

    [DoesNotReturn]
    public static void Garbage(int garbageLength) =>
        throw new Gbt32960FormatException(
            Gbt32960ErrorReason.GarbageBeforeStart,
            $"{garbageLength} byte(s) precede the next start symbol ('##' or '$$')",
            0,
            garbageLength);

    [DoesNotReturn]
    public static void BadStart(byte b0, byte b1) =>
        throw new Gbt32960FormatException(
            Gbt32960ErrorReason.BadStartSymbol, $"frame starts with 0x{b0:X2} 0x{b1:X2}, not '##' or '$$'", 0);

    [DoesNotReturn]
    public static void TooLarge(int length, int max) =>
        throw new Gbt32960FormatException(
            Gbt32960ErrorReason.DataLengthTooLarge, $"declared data length {length} exceeds the maximum {max}", 22);

    [DoesNotReturn]
    public static void BadBcc(byte carried, byte computed, int last) =>
        throw new Gbt32960FormatException(
            Gbt32960ErrorReason.BadBcc, $"frame carries 0x{carried:X2}, XOR of bytes 2..{last} is 0x{computed:X2}", last + 1);

    [DoesNotReturn]
    public static void LengthMismatch(int length, int actual) =>
        throw new Gbt32960FormatException(
            Gbt32960ErrorReason.LengthMismatch,
            $"declared data length {length} needs a {length + 25}-byte frame, {actual} bytes present",
            22);
}
