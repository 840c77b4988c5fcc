namespace NevHub.Protocols.Gbt32960;

/// <summary>Edition of GB/T 32960.3, selected by the start symbol: <c>##</c> = 2016, <c>$$</c> = 2025.</summary>
public enum Gbt32960Version : byte
{
    /// <summary>GB/T 32960.3-2016, start symbol <c>##</c> (0x23 0x23).</summary>
    V2016 = 0x23,

    /// <summary>GB/T 32960.3-2025, start symbol <c>$$</c> (0x24 0x24).</summary>
    V2025 = 0x24,
}

/// <summary>Command id (offset 2 of the frame).</summary>
public enum Gbt32960Command : byte
{
    VehicleLogin = 0x01,
    RealtimeReport = 0x02,
    ReissueReport = 0x03,
    VehicleLogout = 0x04,
    PlatformLogin = 0x05,
    PlatformLogout = 0x06,
    Heartbeat = 0x07,
    TimeSync = 0x08,

    /// <summary>2025 only.</summary>
    Activation = 0x09,

    /// <summary>2025 only; sent by the platform as a command (flag 0xFE).</summary>
    ActivationResponse = 0x0A,

    /// <summary>2025 only.</summary>
    KeyExchange = 0x0B,
    QueryParameters = 0x80,
    SetParameters = 0x81,
    TerminalControl = 0x82,
}

/// <summary>Response flag (offset 3). 0xFE marks a command; every other value marks an answer.</summary>
public enum Gbt32960ResponseFlag : byte
{
    Success = 0x01,

    /// <summary>2016: "setting failed"; 2025: other error (format/content).</summary>
    Error = 0x02,
    VinDuplicate = 0x03,

    /// <summary>2025 only.</summary>
    VinNotFound = 0x04,

    /// <summary>2025 only.</summary>
    SignatureError = 0x05,

    /// <summary>2025 only.</summary>
    StructureError = 0x06,

    /// <summary>2025 only.</summary>
    DecryptionError = 0x07,
    Command = 0xFE,
}

/// <summary>Encryption byte (offset 21), also the platform-login encryption rule and the key-exchange key type.</summary>
public enum Gbt32960Encryption : byte
{
    None = 0x01,
    Rsa = 0x02,

    /// <summary>"AES128" in the 2016 text.</summary>
    Aes128 = 0x03,

    /// <summary>2025 only.</summary>
    Sm2 = 0x04,

    /// <summary>2025 only.</summary>
    Sm4 = 0x05,
    Abnormal = 0xFE,
    Invalid = 0xFF,
}

/// <summary>Why a frame was rejected. Stable: the JSON renderer exposes these as snake_case <c>kind</c> names.</summary>
public enum Gbt32960ErrorReason
{
    /// <summary>A whole frame (span API) does not start with <c>##</c> or <c>$$</c>.</summary>
    BadStartSymbol = 1,

    /// <summary>Stream API: bytes that are not a start symbol precede the next frame; see <see cref="Gbt32960FormatException.GarbageLength"/>.</summary>
    GarbageBeforeStart,

    /// <summary>The declared data length exceeds <see cref="Gbt32960Options.MaxDataLength"/>.</summary>
    DataLengthTooLarge,

    /// <summary>Span API: the frame size is not 25 + declared data length.</summary>
    LengthMismatch,

    /// <summary>The XOR check byte does not match.</summary>
    BadBcc,

    /// <summary>A fixed-layout data unit (or field) ends before its last field.</summary>
    Truncated,

    /// <summary>An information type with no defined layout (its length is unknown).</summary>
    UnknownInformationType,

    /// <summary>A 0x80–0xFE block's WORD length runs past the end of the data unit.</summary>
    CustomBlockOverrun,

    /// <summary>Bytes follow the end of a data unit's layout (or the 2025 signature).</summary>
    TrailingData,

    /// <summary>A 6-byte time has a field out of range (month 0, hour 24, ...).</summary>
    InvalidTime,

    /// <summary>An information block (or a list inside it) runs past the end of the data unit.</summary>
    BlockOverrun,

    /// <summary>A parameter id whose value length is unknown (reserved, user-defined without a configured length, or a domain name without its length).</summary>
    UnknownParameter,

    /// <summary>A reserved command id that has no defined data unit in this edition.</summary>
    UnknownCommand,

    /// <summary>A 2025 report carries no signature block while <see cref="Gbt32960Options.RequireSignature"/> is set.</summary>
    MissingSignature,

    /// <summary>The configured <see cref="ISignatureVerifier"/> rejected the signature.</summary>
    SignatureInvalid,

    /// <summary>The configured <see cref="IDataUnitDecryptor"/> could not decrypt the data unit.</summary>
    DecryptionFailed,

    /// <summary>A realtime/reissue report has a collection time but no information block.</summary>
    EmptyReport,
}

/// <summary>Meaning of a raw field: the FE/FF sentinel rule of the standard.</summary>
public enum Validity : byte
{
    Valid = 0,

    /// <summary>All 0xFF minus one for the field width (0xFE, 0xFFFE, 0xFFFFFFFE).</summary>
    Abnormal = 1,

    /// <summary>All 0xFF for the field width.</summary>
    Invalid = 2,
}
