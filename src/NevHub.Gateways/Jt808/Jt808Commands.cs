using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Options;
using NevHub.Protocols.Jt808;

namespace NevHub.Gateways.Jt808;

/// <summary>Where a downlink command is.</summary>
public enum Jt808CommandStatus
{
    /// <summary>Written to the terminal's connection; no answer yet.</summary>
    Sent,

    /// <summary>The terminal answered 0x0001 with result 0 (a query may still be answered with its data).</summary>
    Acknowledged,

    /// <summary>The terminal answered with data (0x0104 parameters, 0x0201 position).</summary>
    Answered,

    /// <summary>The terminal answered 0x0001 with result 1 (failure), 2 (bad message) or 3 (unsupported).</summary>
    Failed,

    /// <summary>No answer within the command time-out.</summary>
    TimedOut,

    /// <summary>The connection closed before an answer.</summary>
    Offline,
}

/// <summary>One terminal parameter as answered in 0x0104.</summary>
public sealed record Jt808ParameterView(string Id, string Name, string Type, long? Number, string? Text, string Hex);

/// <summary>A position as answered in 0x0201.</summary>
public sealed record Jt808PositionView(
    double Latitude, double Longitude, bool Positioned, bool AccOn, double SpeedKmh, int Heading, int AltitudeM, DateTimeOffset? Time, string Alarm, string Status);

/// <summary>A downlink command and what became of it. Snapshots: a new record replaces the old one on every change.</summary>
public sealed record Jt808CommandRecord
{
    public required string Id { get; init; }

    public required string Vin { get; init; }

    /// <summary>text, set_parameters, query_parameters or query_position.</summary>
    public required string Kind { get; init; }

    /// <summary>The downlink message id, e.g. "0x8300".</summary>
    public required string MessageId { get; init; }

    /// <summary>The platform serial the command was sent with (the terminal quotes it).</summary>
    public required int Serial { get; init; }

    public required Jt808CommandStatus Status { get; init; }

    public required DateTimeOffset SentAt { get; init; }

    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>The 0x0001 result byte: 0 ok, 1 failure, 2 bad message, 3 unsupported.</summary>
    public int? Result { get; init; }

    public IReadOnlyList<Jt808ParameterView>? Parameters { get; init; }

    public Jt808PositionView? Position { get; init; }

    internal string ConnectionId { get; init; } = "";

    internal bool ExpectsAnswer { get; init; }
}

/// <summary>
/// Downlink commands by vehicle, in memory only (a restart forgets them), the newest <see cref="Jt808GatewayOptions.CommandHistory"/>
/// per vehicle. Answers are matched by (VIN, connection, serial).
/// </summary>
public sealed class Jt808CommandTracker
{
    private readonly ConcurrentDictionary<string, LinkedList<Jt808CommandRecord>> _byVin = new(StringComparer.Ordinal);
    private readonly Jt808GatewayOptions _options;
    private readonly TimeProvider _clock;
    private long _nextId;

    public Jt808CommandTracker(IOptions<Jt808GatewayOptions> options, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _clock = clock;
    }

    internal Jt808CommandRecord Add(string vin, string kind, ushort messageId, ushort serial, string connectionId, bool expectsAnswer)
    {
        var record = new Jt808CommandRecord
        {
            Id = Interlocked.Increment(ref _nextId).ToString(CultureInfo.InvariantCulture),
            Vin = vin,
            Kind = kind,
            MessageId = "0x" + messageId.ToString("X4", CultureInfo.InvariantCulture),
            Serial = serial,
            Status = Jt808CommandStatus.Sent,
            SentAt = _clock.GetUtcNow(),
            ConnectionId = connectionId,
            ExpectsAnswer = expectsAnswer,
        };
        var list = _byVin.GetOrAdd(vin, _ => new LinkedList<Jt808CommandRecord>());
        lock (list)
        {
            list.AddLast(record);
            while (list.Count > _options.CommandHistory)
            {
                list.RemoveFirst();
            }
        }

        return record;
    }

    /// <summary>The vehicle's commands, newest first.</summary>
    public IReadOnlyList<Jt808CommandRecord> List(string vin)
    {
        if (!_byVin.TryGetValue(vin, out var list))
        {
            return [];
        }

        lock (list)
        {
            ExpireLocked(list);
            return [.. list.Reverse()];
        }
    }

    public Jt808CommandRecord? Get(string vin, string id) => List(vin).FirstOrDefault(c => c.Id == id);

    /// <summary>A 0x0001 from the terminal.</summary>
    internal void Acknowledge(string vin, string connectionId, ushort serial, Jt808ResponseResult result) =>
        Update(vin, connectionId, serial, r => r.Status is Jt808CommandStatus.Sent, r => result == Jt808ResponseResult.Success
            ? r with { Status = Jt808CommandStatus.Acknowledged, Result = 0, CompletedAt = r.ExpectsAnswer ? null : _clock.GetUtcNow() }
            : r with { Status = Jt808CommandStatus.Failed, Result = (int)result, CompletedAt = _clock.GetUtcNow() });

    /// <summary>A 0x0104 answer.</summary>
    internal void Answer(string vin, string connectionId, ushort serial, IReadOnlyList<Jt808ParameterView> parameters) =>
        Update(vin, connectionId, serial, r => r.ExpectsAnswer && r.Status is Jt808CommandStatus.Sent or Jt808CommandStatus.Acknowledged,
            r => r with { Status = Jt808CommandStatus.Answered, Parameters = parameters, CompletedAt = _clock.GetUtcNow() });

    /// <summary>A 0x0201 answer.</summary>
    internal void Answer(string vin, string connectionId, ushort serial, Jt808PositionView position) =>
        Update(vin, connectionId, serial, r => r.ExpectsAnswer && r.Status is Jt808CommandStatus.Sent or Jt808CommandStatus.Acknowledged,
            r => r with { Status = Jt808CommandStatus.Answered, Position = position, CompletedAt = _clock.GetUtcNow() });

    /// <summary>The connection closed: what it still owed is offline.</summary>
    internal void ConnectionClosed(string vin, string connectionId)
    {
        if (!_byVin.TryGetValue(vin, out var list))
        {
            return;
        }

        lock (list)
        {
            ExpireLocked(list);
            for (var node = list.First; node is not null; node = node.Next)
            {
                if (node.Value.ConnectionId == connectionId && node.Value.Status == Jt808CommandStatus.Sent)
                {
                    node.Value = node.Value with { Status = Jt808CommandStatus.Offline, CompletedAt = _clock.GetUtcNow() };
                }
            }
        }
    }

    private void Update(string vin, string connectionId, ushort serial, Func<Jt808CommandRecord, bool> when, Func<Jt808CommandRecord, Jt808CommandRecord> change)
    {
        if (!_byVin.TryGetValue(vin, out var list))
        {
            return;
        }

        lock (list)
        {
            ExpireLocked(list);
            for (var node = list.Last; node is not null; node = node.Previous)
            {
                if (node.Value.ConnectionId == connectionId && node.Value.Serial == serial && when(node.Value))
                {
                    node.Value = change(node.Value);
                    return;
                }
            }
        }
    }

    private void ExpireLocked(LinkedList<Jt808CommandRecord> list)
    {
        var now = _clock.GetUtcNow();
        for (var node = list.First; node is not null; node = node.Next)
        {
            if (node.Value.Status == Jt808CommandStatus.Sent && now - node.Value.SentAt > _options.CommandTimeout)
            {
                node.Value = node.Value with { Status = Jt808CommandStatus.TimedOut, CompletedAt = now };
            }
        }
    }

    internal static IReadOnlyList<Jt808ParameterView> Views(IReadOnlyList<Jt808Parameter> parameters) =>
        [.. parameters.Select(p => new Jt808ParameterView(
            "0x" + p.Id.ToString("X4", CultureInfo.InvariantCulture),
            Jt808Parameters.NameOf(p.Id),
            p.Type.ToString().ToLowerInvariant(),
            p.Number,
            p.Text,
            Convert.ToHexStringLower(p.Value.Span)))];

    internal static Jt808PositionView View(Jt808Location l, TimeSpan deviceOffset) => new(
        l.Latitude, l.Longitude, l.Positioned, l.AccOn, l.SpeedKmh, l.Direction, l.AltitudeM, l.GetTime(deviceOffset),
        "0x" + l.AlarmFlags.ToString("X8", CultureInfo.InvariantCulture), "0x" + l.StatusFlags.ToString("X8", CultureInfo.InvariantCulture));
}

/// <summary>A live JT/T 808 connection that can take downlink commands.</summary>
public interface IJt808Connection : IVehicleConnection
{
    /// <summary>
    /// Sends <paramref name="body"/> with the next platform serial and records it in the tracker before it is written (so
    /// an instant answer finds it). Null when the connection is closing.
    /// </summary>
    ValueTask<Jt808CommandRecord?> SendCommandAsync(string kind, Jt808Body body, bool expectsAnswer, CancellationToken cancellationToken);
}
