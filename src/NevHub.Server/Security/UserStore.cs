using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NevHub.Server.Hosting;

namespace NevHub.Server.Security;

/// <summary>
/// A web-UI user as stored. <see cref="PasswordHash"/> is ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/>
/// format (PBKDF2, per-user salt); <see cref="SecurityStamp"/> changes whenever the password, role or maker changes,
/// which signs out every cookie issued before.
/// </summary>
public sealed record UserRecord(string UserName, string PasswordHash, string Role, string? Maker, DateTimeOffset CreatedAt, string SecurityStamp);

/// <summary>What the API shows of a user: never the hash.</summary>
public sealed record UserView(string UserName, string Role, string? Maker, DateTimeOffset CreatedAt)
{
    public static UserView Of(UserRecord u) => new(u.UserName, u.Role, u.Maker, u.CreatedAt);
}

public sealed class UserStoreException(string message) : Exception(message);

/// <summary>
/// Users of the web UI in <c>users.json</c> in the data directory (file mode 0600). On the first start, when there is
/// no user, an <c>admin</c> user is created with <c>NevHub:InitialAdminPassword</c>, or with a generated password that
/// is logged once.
/// </summary>
public sealed partial class UserStore
{
    public const string FileName = "users.json";
    public const string InitialAdminName = "admin";
    public const int MinPasswordLength = 10;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private readonly PasswordHasher<UserRecord> _hasher = new();
    private readonly string _path;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, UserRecord> _users;
    private readonly TimeProvider _clock;

    // Verified against when the user name is unknown, so a wrong name costs as much time as a wrong password.
    private readonly string _dummyHash;

    public UserStore(IOptions<NevHubOptions> options, IOptions<AuthOptions> auth, TimeProvider clock, ILogger<UserStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(auth);
        _clock = clock;
        Directory.CreateDirectory(options.Value.DataDirectory);
        _path = Path.Combine(options.Value.DataDirectory, FileName);
        _users = Load(_path).ToDictionary(u => u.UserName, StringComparer.OrdinalIgnoreCase);
        _dummyHash = _hasher.HashPassword(null!, Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));

        if (_users.Count == 0)
        {
            var configured = auth.Value.InitialAdminPassword;
            var password = string.IsNullOrEmpty(configured) ? GeneratePassword() : configured;
            Create(InitialAdminName, password, Roles.Admin, null);
            if (string.IsNullOrEmpty(configured))
            {
                InitialAdminPassword = password;
                Log.InitialAdminPassword(logger, InitialAdminName, password, _path);
            }
        }
    }

    /// <summary>The generated password of the initial admin (first start without a configured one only); null otherwise.</summary>
    public string? InitialAdminPassword { get; }

    public IReadOnlyList<UserRecord> List()
    {
        lock (_gate)
        {
            return [.. _users.Values.OrderBy(u => u.UserName, StringComparer.OrdinalIgnoreCase)];
        }
    }

    public UserRecord? Find(string userName)
    {
        lock (_gate)
        {
            return _users.GetValueOrDefault(userName);
        }
    }

    /// <summary>The user when the password is right; null otherwise (unknown users take as long as wrong passwords).</summary>
    public UserRecord? Verify(string userName, string password)
    {
        if (string.IsNullOrEmpty(userName) || userName.Length > 64 || string.IsNullOrEmpty(password) || password.Length > 256)
        {
            return null;
        }

        var user = Find(userName);
        if (user is null)
        {
            _hasher.VerifyHashedPassword(null!, _dummyHash, password);
            return null;
        }

        // PasswordHasher compares in constant time.
        var result = _hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        if (result == PasswordVerificationResult.SuccessRehashNeeded)
        {
            lock (_gate)
            {
                if (_users.TryGetValue(user.UserName, out var current) && current.PasswordHash == user.PasswordHash)
                {
                    _users[user.UserName] = current with { PasswordHash = _hasher.HashPassword(current, password) };
                    Save();
                }
            }
        }

        return result == PasswordVerificationResult.Failed ? null : user;
    }

    public UserRecord Create(string userName, string password, string role, string? maker)
    {
        ValidateName(userName);
        ValidatePassword(password);
        maker = ValidateRole(role, maker);
        var user = new UserRecord(userName, "", role, maker, _clock.GetUtcNow(), NewStamp());
        user = user with { PasswordHash = _hasher.HashPassword(user, password) };
        lock (_gate)
        {
            if (!_users.TryAdd(userName, user))
            {
                throw new UserStoreException($"user '{userName}' exists");
            }

            Save();
        }

        return user;
    }

    /// <summary>Sets role and maker; returns null when there is no such user.</summary>
    public UserRecord? SetRole(string userName, string role, string? maker)
    {
        maker = ValidateRole(role, maker);
        lock (_gate)
        {
            if (!_users.TryGetValue(userName, out var user))
            {
                return null;
            }

            if (user.Role == Roles.Admin && role != Roles.Admin && AdminCount() == 1)
            {
                throw new UserStoreException("the last admin cannot lose the admin role");
            }

            user = user with { Role = role, Maker = maker, SecurityStamp = NewStamp() };
            _users[user.UserName] = user;
            Save();
            return user;
        }
    }

    public bool SetPassword(string userName, string password)
    {
        ValidatePassword(password);
        lock (_gate)
        {
            if (!_users.TryGetValue(userName, out var user))
            {
                return false;
            }

            _users[user.UserName] = user with { PasswordHash = _hasher.HashPassword(user, password), SecurityStamp = NewStamp() };
            Save();
            return true;
        }
    }

    public bool Delete(string userName)
    {
        lock (_gate)
        {
            if (!_users.TryGetValue(userName, out var user))
            {
                return false;
            }

            if (user.Role == Roles.Admin && AdminCount() == 1)
            {
                throw new UserStoreException("the last admin cannot be deleted");
            }

            _users.Remove(userName);
            Save();
            return true;
        }
    }

    private int AdminCount() => _users.Values.Count(u => u.Role == Roles.Admin);

    private static void ValidateName(string userName)
    {
        if (string.IsNullOrWhiteSpace(userName) || userName.Length > 64 || !userName.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '@'))
        {
            throw new UserStoreException("a user name is 1-64 characters of letters, digits, '.', '-', '_' or '@'");
        }
    }

    private static void ValidatePassword(string password)
    {
        if (string.IsNullOrEmpty(password) || password.Length < MinPasswordLength || password.Length > 256)
        {
            throw new UserStoreException($"a password has {MinPasswordLength} to 256 characters");
        }
    }

    private static string? ValidateRole(string role, string? maker)
    {
        if (!Roles.All.Contains(role))
        {
            throw new UserStoreException($"unknown role '{role}' (admin, operator, maker)");
        }

        if (role == Roles.MakerViewer)
        {
            return string.IsNullOrWhiteSpace(maker) ? throw new UserStoreException("a maker user needs a maker") : maker.Trim();
        }

        // Admins and operators see every maker; a maker on them would only mislead.
        return null;
    }

    private static string NewStamp() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private static string GeneratePassword() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', '-').Replace('/', '_');

    private static List<UserRecord> Load(string path) =>
        File.Exists(path) ? JsonSerializer.Deserialize<List<UserRecord>>(File.ReadAllText(path), Json) ?? [] : [];

    private void Save()
    {
        var temp = _path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(_users.Values.ToList(), Json));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temp, _path, overwrite: true);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1002, Level = LogLevel.Warning,
            Message = "No user existed, so the user '{UserName}' (admin) was created. Its password is shown only this once: {Password} (hash stored in {Path}; set NevHub:InitialAdminPassword to choose it)")]
        public static partial void InitialAdminPassword(ILogger logger, string userName, string password, string path);
    }
}
