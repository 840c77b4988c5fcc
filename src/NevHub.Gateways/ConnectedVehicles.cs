using System.Collections.Concurrent;

namespace NevHub.Gateways;

/// <summary>A logged-in connection that can be closed from outside (replaced by a newer login, shut down, ...).</summary>
public interface IVehicleConnection
{
    string ConnectionId { get; }

    string SessionId { get; }

    /// <summary>Closes the connection; <paramref name="reason"/> ends up in the session record.</summary>
    void Close(string reason);
}

/// <summary>The live connection of every logged-in vehicle, across all gateways of this node.</summary>
public sealed class ConnectedVehicles
{
    private readonly ConcurrentDictionary<string, IVehicleConnection> _byVin = new(StringComparer.Ordinal);

    public int Count => _byVin.Count;

    public bool TryGet(string vin, out IVehicleConnection connection) => _byVin.TryGetValue(vin, out connection!);

    /// <summary>Makes <paramref name="connection"/> the VIN's live connection and returns the one it replaces, if any.</summary>
    public IVehicleConnection? Set(string vin, IVehicleConnection connection)
    {
        IVehicleConnection? previous = null;
        _byVin.AddOrUpdate(vin, connection, (_, old) =>
        {
            previous = old;
            return connection;
        });
        return ReferenceEquals(previous, connection) ? null : previous;
    }

    /// <summary>Forgets the VIN's connection only if it is still <paramref name="connection"/> (a newer login may have replaced it).</summary>
    public bool Remove(string vin, IVehicleConnection connection) =>
        _byVin.TryRemove(new KeyValuePair<string, IVehicleConnection>(vin, connection));
}
