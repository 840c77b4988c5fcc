using System.Collections.Concurrent;
using NevHub.Domain;

namespace NevHub.Processing;

/// <summary>What the platform knows about one vehicle right now. Immutable: the twin swaps whole snapshots.</summary>
public sealed record VehicleLiveState
{
    public required string Vin { get; init; }

    /// <summary>The newest sample by sample time (a reissue of older data never moves it back).</summary>
    public VehicleSample? Latest { get; init; }

    public bool Online { get; init; }

    /// <summary>Platform time of the last frame received from the vehicle.</summary>
    public DateTimeOffset? LastSeen { get; init; }

    /// <summary>The current session, or the last one when offline.</summary>
    public VehicleSession? Session { get; init; }

    /// <summary>Frames received since the process started.</summary>
    public long FramesReceived { get; init; }

    /// <summary>Increases with every change; lets the live feed send only what changed.</summary>
    public long Version { get; init; }
}

/// <summary>
/// The live digital twin of every vehicle, in memory. Each vehicle is written only by its own lane of the
/// <see cref="IngestBus"/>, so updates of one vehicle never race; readers see consistent snapshots.
/// </summary>
public sealed class LiveTwin
{
    private readonly ConcurrentDictionary<string, VehicleLiveState> _states = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _changed = new(StringComparer.Ordinal);
    private long _version;

    public int Count => _states.Count;

    public VehicleLiveState? Get(string vin) => _states.GetValueOrDefault(vin);

    public IEnumerable<VehicleLiveState> All => _states.Values;

    public int OnlineCount => _states.Values.Count(s => s.Online);

    /// <summary>Seeds the twin from the store's newest sample per vehicle (all offline until they log in again).</summary>
    public void Restore(IEnumerable<VehicleSample> latestSamples)
    {
        foreach (var sample in latestSamples)
        {
            _states[sample.Vin] = new VehicleLiveState
            {
                Vin = sample.Vin,
                Latest = sample,
                LastSeen = sample.ReceivedAt,
                Version = Interlocked.Increment(ref _version),
            };
        }
    }

    /// <summary>Returns and forgets the VINs changed since the last call (for batched, throttled live updates).</summary>
    public IReadOnlyList<string> DrainChanged()
    {
        var vins = new List<string>(_changed.Count);
        foreach (var vin in _changed.Keys)
        {
            if (_changed.TryRemove(vin, out _))
            {
                vins.Add(vin);
            }
        }

        return vins;
    }

    /// <summary>Applies one message. Called only from the vehicle's lane.</summary>
    internal VehicleLiveState Apply(IngestMessage message)
    {
        var current = _states.GetValueOrDefault(message.Vin) ?? new VehicleLiveState { Vin = message.Vin };
        var next = current;

        if (message.Session is { } session)
        {
            var ended = session.LogoutAt is not null;
            // An end event for a session that was already replaced must not take the newer session offline.
            if (!ended || current.Session is null || current.Session.SessionId == session.SessionId)
            {
                next = next with { Session = session, Online = !ended };
            }
        }

        if (message.Sample is { } sample)
        {
            if (next.Latest is null || sample.SampleTime >= next.Latest.SampleTime)
            {
                next = next with { Latest = sample };
            }

            next = next with
            {
                LastSeen = Max(next.LastSeen, sample.ReceivedAt),
                FramesReceived = next.FramesReceived + 1,
            };
        }
        else if (message.Raw is { } raw)
        {
            next = next with { LastSeen = Max(next.LastSeen, raw.ReceivedAt), FramesReceived = next.FramesReceived + 1 };
        }

        next = next with { Version = Interlocked.Increment(ref _version) };
        _states[message.Vin] = next;
        _changed[message.Vin] = 0;
        return next;
    }

    private static DateTimeOffset Max(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x > b ? x : b;
}
