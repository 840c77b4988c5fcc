using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace NevHub.Gateways.Jt808;

/// <summary>
/// Authentication codes without storage: code = the first 12 bytes of HMAC-SHA256(secret, "phone|vin") as 24 lower-case hex
/// characters, where the phone is in canonical form and the VIN is the vehicle the terminal is bound to. The 32-byte secret
/// is a file in the data directory, generated on first start with mode 0600. So restarts keep codes valid, re-binding a
/// terminal to another vehicle invalidates its old code, and replacing the secret invalidates every code.
/// A logout (0x0003) makes this process refuse the code until the terminal registers again; that memory is not persisted.
/// </summary>
public sealed class Jt808AuthCodes
{
    public const int SecretLength = 32;
    private readonly byte[] _secret;
    private readonly ConcurrentDictionary<string, byte> _loggedOut = new(StringComparer.Ordinal);

    public Jt808AuthCodes(IOptions<Jt808GatewayOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        SecretPath = Path.GetFullPath(Path.Combine(o.DataDirectory ?? "data", o.AuthSecretFile));
        _secret = LoadOrCreate(SecretPath);
    }

    public string SecretPath { get; }

    public string CodeFor(string phone, string vin)
    {
        var mac = HMACSHA256.HashData(_secret, Encoding.UTF8.GetBytes(phone + "|" + vin));
        return Convert.ToHexStringLower(mac.AsSpan(0, 12));
    }

    /// <summary>Constant-time check of a code presented in 0x0102.</summary>
    public bool Verify(string phone, string vin, string presented)
    {
        ArgumentNullException.ThrowIfNull(presented);
        if (_loggedOut.ContainsKey(phone))
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(CodeFor(phone, vin));
        var actual = Encoding.UTF8.GetBytes(presented);
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }

    /// <summary>0x0003: refuse the code until the next successful registration.</summary>
    public void LoggedOut(string phone) => _loggedOut[phone] = 0;

    public void Registered(string phone) => _loggedOut.TryRemove(phone, out _);

    private static byte[] LoadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            var existing = File.ReadAllBytes(path);
            if (existing.Length < 16)
            {
                throw new InvalidOperationException($"The JT/T 808 secret '{path}' is shorter than 16 bytes; delete it to generate a new one.");
            }

            return existing;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var secret = RandomNumberGenerator.GetBytes(SecretLength);
        var file = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            file.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var stream = new FileStream(path, file);
            stream.Write(secret);
            stream.Flush(flushToDisk: true);
            return secret;
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first: use theirs.
            return File.ReadAllBytes(path);
        }
    }
}

/// <summary>What a terminal said about itself in its last 0x0100 (kept in memory, for choosing its battery profile).</summary>
public sealed record Jt808TerminalInfo(string Manufacturer, string Model, string TerminalId, byte PlateColor, string Plate);

/// <summary>The last registration of every terminal seen by this process, by canonical phone.</summary>
public sealed class Jt808TerminalDirectory
{
    /// <summary>Terminals remembered at most; beyond it new terminals are not remembered (they get the default profile).</summary>
    public const int Capacity = 1_000_000;

    private readonly ConcurrentDictionary<string, Jt808TerminalInfo> _byPhone = new(StringComparer.Ordinal);

    public void Set(string phone, Jt808TerminalInfo info)
    {
        if (_byPhone.Count < Capacity || _byPhone.ContainsKey(phone))
        {
            _byPhone[phone] = info;
        }
    }

    public Jt808TerminalInfo? Get(string phone) => _byPhone.TryGetValue(phone, out var info) ? info : null;
}
