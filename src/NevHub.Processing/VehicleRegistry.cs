using System.Collections.Concurrent;
using NevHub.Domain;
using NevHub.Storage;

namespace NevHub.Processing;

/// <summary>Whether a terminal whose VIN is not registered may log in (and is then registered automatically).</summary>
public enum RegistrationPolicy
{
    /// <summary>Unknown VINs are refused at login. The secure default.</summary>
    RequireRegistration = 0,

    /// <summary>Unknown VINs are registered on first login under <see cref="RegistryOptions.AutoRegisterMaker"/>.</summary>
    AutoRegister = 1,
}

/// <summary>Options of the vehicle registry. Section "NevHub:Registry".</summary>
public sealed class RegistryOptions
{
    public const string Section = "NevHub:Registry";

    public RegistrationPolicy Policy { get; set; } = RegistrationPolicy.RequireRegistration;

    /// <summary>Maker (tenant) given to automatically registered vehicles, until an operator assigns the real one.</summary>
    public string AutoRegisterMaker { get; set; } = "unassigned";
}

/// <summary>
/// The single way vehicles are registered and looked up at login: keeps a cache in front of the store so that
/// 10,000 logins at once do not become 10,000 queries, and so that API updates are seen by gateways at once.
/// </summary>
public sealed class VehicleRegistry
{
    private readonly IVehicleStore _store;
    private readonly RegistryOptions _options;
    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<string, Vehicle> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _vinByTerminal = new(StringComparer.Ordinal);

    public VehicleRegistry(IVehicleStore store, Microsoft.Extensions.Options.IOptions<RegistryOptions> options, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _options = options.Value;
        _clock = clock;
    }

    public RegistrationPolicy Policy => _options.Policy;

    /// <summary>Maker (tenant) given to vehicles registered automatically.</summary>
    public string AutoRegisterMaker => _options.AutoRegisterMaker;

    /// <summary>The registered vehicle, registering it first when the policy allows; null when the login must be refused.</summary>
    public async ValueTask<Vehicle?> ResolveForLoginAsync(string vin, VehicleClass defaultClass, CancellationToken cancellationToken)
    {
        if (await FindAsync(vin, cancellationToken).ConfigureAwait(false) is { } known)
        {
            return known;
        }

        if (_options.Policy != RegistrationPolicy.AutoRegister)
        {
            return null;
        }

        var vehicle = new Vehicle
        {
            Vin = vin,
            Maker = _options.AutoRegisterMaker,
            Class = defaultClass,
            AutoRegistered = true,
            RegisteredAt = _clock.GetUtcNow(),
        };
        await _store.UpsertVehicleAsync(vehicle, cancellationToken).ConfigureAwait(false);
        _cache[vin] = vehicle;
        return vehicle;
    }

    public async ValueTask<Vehicle?> FindAsync(string vin, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(vin, out var cached))
        {
            return cached;
        }

        var stored = await _store.GetVehicleAsync(vin, cancellationToken).ConfigureAwait(false);
        if (stored is not null)
        {
            _cache[vin] = stored;
        }

        return stored;
    }

    /// <summary>
    /// The vehicle bound to a JT/T 808 terminal phone (any written form; see <see cref="TerminalPhoneNumber"/>), or null.
    /// Cached: a hit is trusted only while the cached vehicle still carries that phone, so a re-binding through
    /// <see cref="RegisterAsync"/> is seen at once.
    /// </summary>
    public async ValueTask<Vehicle?> FindByTerminalAsync(string terminalPhone, CancellationToken cancellationToken)
    {
        var phone = TerminalPhoneNumber.Normalize(terminalPhone);
        if (phone is null || !TerminalPhoneNumber.IsValid(phone))
        {
            return null;
        }

        if (_vinByTerminal.TryGetValue(phone, out var vin) && _cache.TryGetValue(vin, out var cached) && cached.TerminalPhone == phone)
        {
            return cached;
        }

        var stored = await _store.GetVehicleByTerminalAsync(phone, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            _vinByTerminal.TryRemove(phone, out _);
            return null;
        }

        _cache[stored.Vin] = stored;
        _vinByTerminal[phone] = stored.Vin;
        return stored;
    }

    /// <summary>Registers or updates a vehicle. Returns true when it was new.</summary>
    public async Task<bool> RegisterAsync(Vehicle vehicle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(vehicle);
        var created = await _store.UpsertVehicleAsync(vehicle, cancellationToken).ConfigureAwait(false);
        _cache[vehicle.Vin] = vehicle;
        return created;
    }
}
