namespace NevHub.Protocols.Gbt32960;

/// <summary>Codec options. Every default is the standard's rule or the choice documented in docs/protocols/gbt32960.md.</summary>
public sealed class Gbt32960Options
{
    /// <summary>The standard's largest data-unit length (the WORD range is 0–65531).</summary>
    public const int StandardMaxDataLength = 65531;

    /// <summary>Shared default instance; do not mutate.</summary>
    public static Gbt32960Options Default { get; } = new();

    /// <summary>
    /// Largest declared data length accepted by the framer; larger frames are rejected with
    /// <see cref="Gbt32960ErrorReason.DataLengthTooLarge"/> before any of the body is awaited. Default 65531 (the standard's maximum);
    /// gateways may lower it to bound per-connection buffers.
    /// </summary>
    public int MaxDataLength { get; set; } = StandardMaxDataLength;

    /// <summary>
    /// 2025 reports (0x02/0x03) without a signature block are rejected with <see cref="Gbt32960ErrorReason.MissingSignature"/>
    /// (§10.13: a structure error). Default true.
    /// </summary>
    public bool RequireSignature { get; set; } = true;

    /// <summary>
    /// Value lengths of user-defined parameter ids 0x80–0xFE (query/set lists). A list containing an id without a configured
    /// length is rejected (§10.15). Default: none configured.
    /// </summary>
    public IReadOnlyDictionary<byte, int> UserParameterLengths { get; set; } = new Dictionary<byte, int>();

    /// <summary>Decrypts encrypted data units; without one, encrypted bodies are reported as <see cref="EncryptedBody"/>. Default null.</summary>
    public IDataUnitDecryptor? Decryptor { get; set; }

    /// <summary>Verifies 2025 report and activation signatures; without one, signatures are decoded but not checked. Default null.</summary>
    public ISignatureVerifier? SignatureVerifier { get; set; }
}

/// <summary>Decrypts a data unit (RSA, AES-128, SM2, SM4). Implemented later; the codec only calls it.</summary>
public interface IDataUnitDecryptor
{
    /// <summary>
    /// Decrypts <paramref name="ciphertext"/> of the frame from <paramref name="vin"/>. Returns false when no key is configured for this
    /// vehicle and algorithm (the body is then reported as <see cref="EncryptedBody"/>); throws or returns false with
    /// <paramref name="failed"/> set when decryption fails.
    /// </summary>
    bool TryDecrypt(
        Gbt32960Version version,
        Gbt32960Vin vin,
        Gbt32960Encryption algorithm,
        ReadOnlySpan<byte> ciphertext,
        out byte[] plaintext,
        out bool failed);
}

/// <summary>Outcome of a signature check.</summary>
public enum SignatureCheck
{
    /// <summary>The signature verifies.</summary>
    Valid,

    /// <summary>The signature does not verify: the frame is rejected with <see cref="Gbt32960ErrorReason.SignatureInvalid"/>.</summary>
    Invalid,

    /// <summary>No key is registered for the vehicle; the data is accepted without verification (§10.13).</summary>
    NoKey,
}

/// <summary>Verifies 2025 signatures (report 0xFF block, activation). Implemented later; the codec only calls it.</summary>
public interface ISignatureVerifier
{
    /// <summary>Checks <paramref name="signature"/> over <paramref name="signedData"/> (for a report: the data unit from the collection time up to, not including, 0xFF).</summary>
    SignatureCheck Verify(Gbt32960Vin vin, Gbt32960Command command, ReadOnlySpan<byte> signedData, Gbt32960Signature signature);
}
