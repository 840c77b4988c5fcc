using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NevHub.Server.Hosting;

namespace NevHub.Server.Security;

/// <summary>An API key as stored: only the SHA-256 of the secret is kept.</summary>
public sealed record ApiKeyRecord(string Name, string Sha256, string Role, string? Maker, DateTimeOffset CreatedAt)
{
    /// <summary>A short public handle of the key (the first 16 hex digits of its hash), for listing and revoking.</summary>
    [JsonIgnore]
    public string Id => Sha256[..16];
}

/// <summary>What the API shows of a key: never the hash, and the secret only once, when created.</summary>
public sealed record ApiKeyView(string Id, string Name, string Role, string? Maker, DateTimeOffset CreatedAt, bool FromConfiguration)
{
    public static ApiKeyView Of(ApiKeyRecord k) => new(k.Id, k.Name, k.Role, k.Maker, k.CreatedAt, k.Name == ApiKeyStore.ConfiguredAdminName);
}

/// <summary>
/// API keys for integrations and the CLI. Keys live in <c>api-keys.json</c> in the data directory (hashes only).
/// On the first start, when there is none, an admin key is created and its secret printed once.
/// </summary>
public sealed partial class ApiKeyStore
{
    public const string FileName = "api-keys.json";
    public const string ConfiguredAdminName = "configured-admin";
    private const string Prefix = "nh_";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private readonly string _path;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ApiKeyRecord> _byHash;

    public ApiKeyStore(IOptions<NevHubOptions> options, ILogger<ApiKeyStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        Directory.CreateDirectory(o.DataDirectory);
        _path = Path.Combine(o.DataDirectory, FileName);
        _byHash = Load(_path).ToDictionary(k => k.Sha256, StringComparer.Ordinal);

        if (!string.IsNullOrEmpty(o.AdminApiKey))
        {
            // A key from configuration (environment, secret store): used as given, never written to disk in clear.
            var record = new ApiKeyRecord(ConfiguredAdminName, Hash(o.AdminApiKey), Roles.Admin, null, DateTimeOffset.UtcNow);
            _byHash[record.Sha256] = record;
        }
        else if (_byHash.Count == 0)
        {
            var (secret, _) = Create("initial-admin", Roles.Admin, null);
            InitialAdminKey = secret;
            Log.InitialAdminKey(logger, secret, _path);
        }
    }

    /// <summary>The admin key created on this start (first start only), so `nevhub demo` can print it; null otherwise.</summary>
    public string? InitialAdminKey { get; }

    public ApiKeyRecord? Find(string secret)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length > 256)
        {
            return null;
        }

        lock (_gate)
        {
            return _byHash.GetValueOrDefault(Hash(secret));
        }
    }

    /// <summary>Creates a key and persists its hash. Returns the secret, which is shown only now.</summary>
    public (string Secret, ApiKeyRecord Record) Create(string name, string role, string? maker)
    {
        if (!Roles.All.Contains(role))
        {
            throw new ArgumentException($"unknown role '{role}'", nameof(role));
        }

        if (role == Roles.MakerViewer && string.IsNullOrWhiteSpace(maker))
        {
            throw new ArgumentException("a maker viewer key needs a maker", nameof(maker));
        }

        var secret = Prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var record = new ApiKeyRecord(name, Hash(secret), role, maker, DateTimeOffset.UtcNow);
        lock (_gate)
        {
            _byHash[record.Sha256] = record;
            Save();
        }

        return (secret, record);
    }

    public IReadOnlyList<ApiKeyRecord> List()
    {
        lock (_gate)
        {
            return [.. _byHash.Values.OrderBy(k => k.CreatedAt)];
        }
    }

    /// <summary>Revokes the key with this <see cref="ApiKeyRecord.Id"/>. A key from configuration cannot be revoked here.</summary>
    public bool Delete(string id)
    {
        lock (_gate)
        {
            var key = _byHash.Values.FirstOrDefault(k => k.Id == id && k.Name != ConfiguredAdminName);
            if (key is null)
            {
                return false;
            }

            _byHash.Remove(key.Sha256);
            Save();
            return true;
        }
    }

    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static List<ApiKeyRecord> Load(string path) =>
        File.Exists(path) ? JsonSerializer.Deserialize<List<ApiKeyRecord>>(File.ReadAllText(path), Json) ?? [] : [];

    private void Save()
    {
        var temp = _path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(_byHash.Values.Where(k => k.Name != ConfiguredAdminName).ToList(), Json));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temp, _path, overwrite: true);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1001, Level = LogLevel.Warning,
            Message = "No API key existed, so an admin key was created. It is shown only this once: {Secret} (hash stored in {Path})")]
        public static partial void InitialAdminKey(ILogger logger, string secret, string path);
    }
}
