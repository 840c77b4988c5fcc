namespace NevHub.Domain;

/// <summary>One logged-in connection of a vehicle terminal.</summary>
public sealed record VehicleSession
{
    /// <summary>Unique id of the session (a ULID-like string chosen by the gateway).</summary>
    public required string SessionId { get; init; }

    public required string Vin { get; init; }

    public required TelemetryProtocol Protocol { get; init; }

    public required DateTimeOffset LoginAt { get; init; }

    public string RemoteEndpoint { get; init; } = "";

    /// <summary>The login serial (GB/T 32960: 1–65531, daily cycle).</summary>
    public int LoginSerial { get; init; }

    public string? Iccid { get; init; }

    /// <summary>Battery pack codes (GB/T 34014) announced at login.</summary>
    public IReadOnlyList<string> PackCodes { get; init; } = [];

    public DateTimeOffset? LogoutAt { get; init; }

    /// <summary>Why the session ended: logout, idle time-out, replaced by a new connection, protocol error, connection closed.</summary>
    public string? EndReason { get; init; }
}

/// <summary>An archived frame exactly as received, for audit and re-processing.</summary>
public sealed record RawFrame
{
    public required string Vin { get; init; }

    public required DateTimeOffset ReceivedAt { get; init; }

    public required TelemetryProtocol Protocol { get; init; }

    /// <summary>The protocol's command / message id (GB/T 32960 command byte, JT/T 808 message id).</summary>
    public required int Command { get; init; }

    /// <summary>Sample time carried by the frame, when it has one.</summary>
    public DateTimeOffset? SampleTime { get; init; }

    public required ReadOnlyMemory<byte> Bytes { get; init; }
}
