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
        var session = current.Session;
        var online = current.Online;
        if (message.Session is { } update)
        {
            var ended = update.LogoutAt is not null;
            // An end event for a session that was already replaced must not take the newer session offline.
            if (!ended || session is null || session.SessionId == update.SessionId)
            {
                session = update;
                online = !ended;
            }
        }

        var latest = current.Latest;
        var lastSeen = current.LastSeen;
        var frames = current.FramesReceived;
        if (message.Sample is { } sample)
        {
            // A reissue of older data never moves the twin back in time.
            if (latest is null || sample.SampleTime >= latest.SampleTime)
            {
                latest = sample;
            }

            lastSeen = Max(lastSeen, sample.ReceivedAt);
            frames++;
        }
        else if (message.Raw is { } raw)
        {
            lastSeen = Max(lastSeen, raw.ReceivedAt);
            frames++;
        }

        // One new snapshot per message: readers on other threads only ever see whole states.
        var next = new VehicleLiveState
        {
            Vin = message.Vin,
            Latest = latest,
            Online = online,
            LastSeen = lastSeen,
            Session = session,
            FramesReceived = frames,
            Version = Interlocked.Increment(ref _version),
        };
        _states[message.Vin] = next;
        _changed[message.Vin] = 0;
        return next;
    }

    private static DateTimeOffset Max(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x > b ? x : b;
}
