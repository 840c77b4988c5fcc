using NevHub.Simulator.Model;

namespace NevHub.Simulator;

/// <summary>The protocol client of one simulated vehicle (GB/T 32960 or JT/T 808), driven by a shard task.</summary>
internal interface ISimTerminal
{
    SimVehicle Vehicle { get; }

    /// <summary>Samples waiting to be sent as reissue / blind-area reports.</summary>
    int Stored { get; }

    /// <summary>The terminal logged in (authenticated) at least once.</summary>
    bool EverLoggedIn { get; }

    /// <summary>One simulated second: steps the vehicle and runs the session.</summary>
    ValueTask TickAsync(CancellationToken cancellationToken);

    /// <summary>End of the run: send what is stored, log out, close.</summary>
    Task FinishAsync(CancellationToken cancellationToken);
}
