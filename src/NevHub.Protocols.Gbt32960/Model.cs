namespace NevHub.Protocols.Gbt32960;

/// <summary>
/// A list preceded by a count field. When the count is a sentinel (0xFE/0xFF for its width) no entries follow (§10.4);
/// the sentinel is kept so the list re-encodes byte for byte.
/// </summary>
public readonly struct Counted<T> : IEquatable<Counted<T>>
{
    private readonly T[]? _items;

    public Counted(T[] items, Validity countValidity = Validity.Valid)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (countValidity != Validity.Valid && items.Length != 0)
        {
            throw new ArgumentException("a sentinel count has no entries", nameof(items));
        }

        _items = items;
        CountValidity = countValidity;
    }

    /// <summary>The entries (empty when the count is a sentinel).</summary>
    public T[] Items => _items ?? [];

    /// <summary>Valid, or the sentinel the count field carried.</summary>
    public Validity CountValidity { get; }

    public int Count => Items.Length;

    /// <summary>A list whose count field is a sentinel.</summary>
    public static Counted<T> Sentinel(Validity validity) => new([], validity);

    public static implicit operator Counted<T>(T[] items) => new(items);

    public Counted<T> ToCounted() => this;

    public bool Equals(Counted<T> other) => CountValidity == other.CountValidity && Items.AsSpan().SequenceEqual(other.Items);

    public override bool Equals(object? obj) => obj is Counted<T> other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(CountValidity, Items.Length);

    public static bool operator ==(Counted<T> left, Counted<T> right) => left.Equals(right);

    public static bool operator !=(Counted<T> left, Counted<T> right) => !left.Equals(right);
}

/// <summary>A decoded (or to-be-encoded) message: header fields plus a typed body.</summary>
public sealed class Gbt32960Message
{
    public Gbt32960Version Version { get; set; } = Gbt32960Version.V2016;

    public Gbt32960Command Command { get; set; }

    public Gbt32960ResponseFlag ResponseFlag { get; set; } = Gbt32960ResponseFlag.Command;

    public Gbt32960Vin Vin { get; set; }

    public Gbt32960Encryption Encryption { get; set; } = Gbt32960Encryption.None;

    public Gbt32960Body Body { get; set; } = EmptyBody.Instance;

    /// <summary>True when the message is an answer (flag ≠ 0xFE).</summary>
    public bool IsAnswer => ResponseFlag != Gbt32960ResponseFlag.Command;

    /// <summary>A command message (flag 0xFE, no encryption).</summary>
    public static Gbt32960Message Create(Gbt32960Version version, Gbt32960Command command, string vin, Gbt32960Body body) => new()
    {
        Version = version,
        Command = command,
        Vin = Gbt32960Vin.Parse(vin),
        Body = body,
    };
}

/// <summary>Base of every data-unit body.</summary>
public abstract class Gbt32960Body
{
    /// <summary>The time at the start of the data unit, if the body has one.</summary>
    public virtual DateTimeOffset? Timestamp => null;
}

/// <summary>An empty data unit (heartbeat, time-sync request, empty answers).</summary>
public sealed class EmptyBody : Gbt32960Body
{
    public static EmptyBody Instance { get; } = new();
}

/// <summary>
/// An answer (flag ≠ 0xFE) other than a query answer: empty, time-only (the request's time, or the platform time for a
/// time-sync answer), or — accepted when receiving (§10.1) — the time followed by an echo of the rest of the request.
/// </summary>
public sealed class AcknowledgementBody : Gbt32960Body
{
    /// <summary>The time, or null for an empty answer.</summary>
    public DateTimeOffset? Time { get; set; }

    /// <summary>Bytes after the time in an echoed-body answer (empty for time-only answers).</summary>
    public byte[] Echo { get; set; } = [];

    public override DateTimeOffset? Timestamp => Time;
}

/// <summary>An encrypted data unit: not decoded (no decryptor configured or no key).</summary>
public sealed class EncryptedBody : Gbt32960Body
{
    public Gbt32960Encryption Algorithm { get; set; }

    public byte[] Ciphertext { get; set; } = [];
}

/// <summary>Platform-exchange custom commands 0xC0–0xFE: opaque data unit.</summary>
public sealed class RawBody : Gbt32960Body
{
    public byte[] Data { get; set; } = [];
}

/// <summary>Vehicle login 0x01 (both editions).</summary>
public sealed class VehicleLoginBody : Gbt32960Body
{
    public DateTimeOffset Time { get; set; }

    /// <summary>Login serial, 1–65531, restarts daily.</summary>
    public ushort Serial { get; set; }

    /// <summary>ICCID, STRING[20], 0x00-padded.</summary>
    public string Iccid { get; set; } = string.Empty;

    /// <summary>2016: n = number of energy-storage subsystems (raw; codes follow only when n and m are not sentinels and m &gt; 0).</summary>
    public byte SubsystemCount { get; set; }

    /// <summary>2016: m = code length (0 = codes not uploaded).</summary>
    public byte CodeLength { get; set; }

    /// <summary>2016: the n subsystem codes, each m bytes.</summary>
    public string[] Codes { get; set; } = [];

    /// <summary>2025: packs per BMS (the count byte n is this list's count).</summary>
    public Counted<byte> PacksPerBms { get; set; }

    /// <summary>2025: 24-character pack codes, BMS by BMS.</summary>
    public string[][] PackCodes { get; set; } = [];

    public override DateTimeOffset? Timestamp => Time;
}

/// <summary>Vehicle logout 0x04 and platform logout 0x06.</summary>
public sealed class LogoutBody : Gbt32960Body
{
    public DateTimeOffset Time { get; set; }

    /// <summary>The serial of the login this logout ends.</summary>
    public ushort Serial { get; set; }

    public override DateTimeOffset? Timestamp => Time;
}

/// <summary>Platform login 0x05 (41 bytes).</summary>
public sealed class PlatformLoginBody : Gbt32960Body
{
    public DateTimeOffset Time { get; set; }

    public ushort Serial { get; set; }

    /// <summary>STRING[12], 0x00-padded.</summary>
    public string Username { get; set; } = string.Empty;

    /// <summary>STRING[20], 0x00-padded.</summary>
    public string Password { get; set; } = string.Empty;

    /// <summary>Encryption rule (same codes as the header byte).</summary>
    public Gbt32960Encryption EncryptionRule { get; set; } = Gbt32960Encryption.None;

    public override DateTimeOffset? Timestamp => Time;
}

/// <summary>2025 signature (report block 0xFF, activation tail): algorithm, R, S.</summary>
public sealed class Gbt32960Signature
{
    /// <summary>01 SM2, 02 RSA, 03 ECC.</summary>
    public byte Algorithm { get; set; }

    public byte[] R { get; set; } = [];

    public byte[] S { get; set; } = [];

    public const byte Sm2 = 0x01;
    public const byte Rsa = 0x02;
    public const byte Ecc = 0x03;
}

/// <summary>Realtime report 0x02 and reissue report 0x03.</summary>
public sealed class ReportBody : Gbt32960Body
{
    public DateTimeOffset Time { get; set; }

    /// <summary>Information blocks in frame order (duplicates kept).</summary>
    public List<Gbt32960Block> Blocks { get; set; } = [];

    /// <summary>2025 signature (always last on the wire), or null.</summary>
    public Gbt32960Signature? Signature { get; set; }

    /// <summary>
    /// With a signature: data-unit bytes [0, SignedLength) are signed (collection time up to, not including, the 0xFF marker).
    /// Set by the decoder and by the encoder.
    /// </summary>
    public int SignedLength { get; set; }

    public override DateTimeOffset? Timestamp => Time;

    /// <summary>The first block of a type, or null.</summary>
    public T? Find<T>()
        where T : Gbt32960Block
    {
        foreach (var block in Blocks)
        {
            if (block is T t)
            {
                return t;
            }
        }

        return null;
    }
}

/// <summary>2025 activation 0x09.</summary>
public sealed class ActivationBody : Gbt32960Body
{
    public DateTimeOffset Time { get; set; }

    /// <summary>STRING[16], space-padded.</summary>
    public string ChipId { get; set; } = string.Empty;

    public byte[] PublicKey { get; set; } = [];

    /// <summary>STRING[17], 0x00-padded.</summary>
    public string Vin { get; set; } = string.Empty;

    public Gbt32960Signature Signature { get; set; } = new();

    /// <summary>Data-unit bytes [0, SignedLength) are signed (everything before the signature).</summary>
    public int SignedLength { get; set; }

    public override DateTimeOffset? Timestamp => Time;
}

/// <summary>2025 activation response 0x0A (a command, flag 0xFE).</summary>
public sealed class ActivationResponseBody : Gbt32960Body
{
    /// <summary>01 activated, 02 failed.</summary>
    public byte Status { get; set; }

    /// <summary>00 activated, 01 chip already activated, 02 VIN duplicate (§10.14).</summary>
    public byte Info { get; set; }
}

/// <summary>2025 key exchange 0x0B.</summary>
public sealed class KeyExchangeBody : Gbt32960Body
{
    /// <summary>02 RSA, 03 AES, 04 SM2, 05 SM4.</summary>
    public Gbt32960Encryption KeyType { get; set; }

    public byte[] Key { get; set; } = [];

    public DateTimeOffset ValidFrom { get; set; }

    public DateTimeOffset ValidUntil { get; set; }
}

/// <summary>Parameter query 0x80 (command): time and the requested ids.</summary>
public sealed class ParameterQueryBody : Gbt32960Body
{
    public DateTimeOffset Time { get; set; }

    public Counted<byte> Ids { get; set; }

    public override DateTimeOffset? Timestamp => Time;
}

/// <summary>Parameter set 0x81 (command), and the answer to a query 0x80: time and (id, value) pairs.</summary>
public sealed class ParameterListBody : Gbt32960Body
{
    public DateTimeOffset Time { get; set; }

    public Counted<Gbt32960Parameter> Parameters { get; set; }

    public override DateTimeOffset? Timestamp => Time;
}

/// <summary>One parameter value. Numeric ids use <see cref="Number"/>; domain names, versions and user-defined ids use <see cref="Bytes"/>.</summary>
public sealed class Gbt32960Parameter
{
    public byte Id { get; set; }

    /// <summary>Value of a BYTE/WORD parameter.</summary>
    public uint Number { get; set; }

    /// <summary>Value of a byte-string parameter (0x05, 0x07, 0x08, 0x0E, user-defined), else empty.</summary>
    public byte[] Bytes { get; set; } = [];

    /// <summary>Byte-string value as text.</summary>
    public string Text => System.Text.Encoding.Latin1.GetString(Bytes);

    public static Gbt32960Parameter Numeric(byte id, uint value) => new() { Id = id, Number = value };

    public static Gbt32960Parameter String(byte id, string value) => new() { Id = id, Bytes = System.Text.Encoding.Latin1.GetBytes(value) };
}

/// <summary>Well-known parameter ids (table B.12 of 2016, B.8 of 2025).</summary>
public static class Gbt32960ParameterId
{
    public const byte LocalStoragePeriod = 0x01;
    public const byte ReportPeriod = 0x02;
    public const byte AlarmReportPeriod = 0x03;
    public const byte PlatformDomainLength = 0x04;
    public const byte PlatformDomain = 0x05;
    public const byte PlatformPort = 0x06;
    public const byte HardwareVersion = 0x07;
    public const byte FirmwareVersion = 0x08;
    public const byte HeartbeatPeriod = 0x09;
    public const byte TerminalAnswerTimeout = 0x0A;
    public const byte PlatformAnswerTimeout = 0x0B;
    public const byte LoginRetryWait = 0x0C;
    public const byte PublicDomainLength = 0x0D;
    public const byte PublicDomain = 0x0E;
    public const byte PublicPort = 0x0F;
    public const byte SamplingMonitoring = 0x10;
}

/// <summary>Terminal control 0x82: time, command id, parameters (kept as raw bytes so they re-encode exactly).</summary>
public sealed class TerminalControlBody : Gbt32960Body
{
    public const byte RemoteUpgradeCommand = 0x01;
    public const byte ShutdownCommand = 0x02;
    public const byte ResetCommand = 0x03;
    public const byte FactoryResetCommand = 0x04;
    public const byte CloseDataLinkCommand = 0x05;
    public const byte AlarmCommand = 0x06;
    public const byte OpenMonitoringLinkCommand = 0x07;

    public DateTimeOffset Time { get; set; }

    public byte CommandId { get; set; }

    /// <summary>The parameter bytes after the command id.</summary>
    public byte[] Arguments { get; set; } = [];

    public override DateTimeOffset? Timestamp => Time;

    /// <summary>Remote upgrade parameters (command 0x01) in either the string or the typed form, or null.</summary>
    public RemoteUpgradeParameters? Upgrade => CommandId == RemoteUpgradeCommand ? RemoteUpgradeParameters.TryParse(Arguments) : null;

    /// <summary>Alarm level (command 0x06), or null.</summary>
    public byte? AlarmLevel => CommandId == AlarmCommand && Arguments.Length > 0 ? Arguments[0] : null;

    /// <summary>Manufacturer-defined alarm information after the level (command 0x06).</summary>
    public ReadOnlyMemory<byte> AlarmInfo => CommandId == AlarmCommand && Arguments.Length > 0 ? Arguments.AsMemory(1) : default;

    /// <summary>A remote-upgrade command in the ASCII string form (§10.16).</summary>
    public static TerminalControlBody RemoteUpgrade(DateTimeOffset time, RemoteUpgradeParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return new() { Time = time, CommandId = RemoteUpgradeCommand, Arguments = parameters.ToStringForm() };
    }

    /// <summary>An alarm/warning command (0x06) with a level and manufacturer-defined information.</summary>
    public static TerminalControlBody Alarm(DateTimeOffset time, byte level, ReadOnlySpan<byte> info) =>
        new() { Time = time, CommandId = AlarmCommand, Arguments = [level, .. info] };

    /// <summary>A command without parameters (0x02–0x05, 0x07).</summary>
    public static TerminalControlBody Simple(DateTimeOffset time, byte commandId) => new() { Time = time, CommandId = commandId };
}
