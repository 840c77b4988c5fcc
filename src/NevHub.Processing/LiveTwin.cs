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
    private ConcurrentDictionary<string, byte>[] _feeds = [];
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

    /// <summary>
    /// Brings the twin up to the store's newest samples without moving anything back in time (an API node that may have
    /// missed live updates while it was disconnected from the bus). Returns how many vehicles changed; they go to the live feed.
    /// </summary>
    public int Refresh(IEnumerable<VehicleSample> latestSamples)
    {
        ArgumentNullException.ThrowIfNull(latestSamples);
        var changed = 0;
        foreach (var sample in latestSamples)
        {
            var current = _states.GetValueOrDefault(sample.Vin);
            if (current?.Latest is { } mine && mine.SampleTime >= sample.SampleTime)
            {
                continue;
            }

            _states[sample.Vin] = (current ?? new VehicleLiveState { Vin = sample.Vin }) with
            {
                Latest = sample,
                LastSeen = Max(current?.LastSeen, sample.ReceivedAt),
                Version = Interlocked.Increment(ref _version),
            };
            MarkChanged(sample.Vin);
            changed++;
        }

        return changed;
    }

    /// <summary>Returns and forgets the VINs changed since the last call (for batched, throttled live updates).</summary>
    public IReadOnlyList<string> DrainChanged() => Drain(_changed);

    /// <summary>
    /// A second, independent record of changed VINs (the live feed keeps <see cref="DrainChanged"/>): a processor node's
    /// publisher of live updates drains its own without taking changes away from the node's hub.
    /// </summary>
    public Func<IReadOnlyList<string>> CreateChangeFeed()
    {
        var feed = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        lock (_changed)
        {
            _feeds = [.. _feeds, feed];
        }

        return () => Drain(feed);
    }

    /// <summary>
    /// Takes the state another node computed (a processor's, received by an API node) into this twin: the newer sample by
    /// sample time wins as in <see cref="Apply"/>, online, session and counters are the other node's, last seen only grows.
    /// Called from one thread per node (the live-update consumer); nothing else writes an API node's twin.
    /// </summary>
    public VehicleLiveState Merge(VehicleLiveState remote)
    {
        ArgumentNullException.ThrowIfNull(remote);
        var current = _states.GetValueOrDefault(remote.Vin);
        var latest = current?.Latest is { } mine && (remote.Latest is null || mine.SampleTime > remote.Latest.SampleTime) ? mine : remote.Latest;
        var next = remote with
        {
            Latest = latest,
            LastSeen = current?.LastSeen is { } seen && (remote.LastSeen is null || seen > remote.LastSeen) ? seen : remote.LastSeen,
            Version = Interlocked.Increment(ref _version),
        };
        _states[remote.Vin] = next;
        MarkChanged(remote.Vin);
        return next;
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
        MarkChanged(message.Vin);
        return next;
    }

    private void MarkChanged(string vin)
    {
        _changed[vin] = 0;
        foreach (var feed in _feeds)
        {
            feed[vin] = 0;
        }
    }

    private static List<string> Drain(ConcurrentDictionary<string, byte> changed)
    {
        var vins = new List<string>(changed.Count);
        foreach (var vin in changed.Keys)
        {
            if (changed.TryRemove(vin, out _))
            {
                vins.Add(vin);
            }
        }

        return vins;
    }

    private static DateTimeOffset Max(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x > b ? x : b;
}
