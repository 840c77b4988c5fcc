using NevHub.Domain;
using NevHub.Messaging.RabbitMq;
using NevHub.Processing;

namespace NevHub.Distributed.Tests;

/// <summary>The live-update wire format and how an API node's twin merges what processors send (no broker needed).</summary>
public sealed class LiveUpdateCodecTests
{
    private static VehicleLiveState State(int seq, bool online = true) => new()
    {
        Vin = Load.Vin(7),
        Latest = Load.Sample(Load.Vin(7), seq),
        Online = online,
        LastSeen = Load.Start.AddSeconds(seq + 1),
        Session = new VehicleSession
        {
            SessionId = "s-" + seq,
            Vin = Load.Vin(7),
            Protocol = TelemetryProtocol.Gbt32960V2016,
            LoginAt = Load.Start,
            LoginSerial = 3,
            PackCodes = ["ABC"],
        },
        FramesReceived = 40 + seq,
    };

    [Fact]
    public void A_batch_round_trips_with_every_part_and_without_optional_ones()
    {
        var bare = new VehicleLiveState { Vin = Load.Vin(8) };
        var decoded = LiveUpdateCodec.Decode(LiveUpdateCodec.Encode([State(5), bare]));

        Assert.Equal(2, decoded.Count);
        var full = decoded[0];
        Assert.Equal(Load.Vin(7), full.Vin);
        Assert.True(full.Online);
        Assert.Equal(45, full.FramesReceived);
        Assert.Equal(Load.Start.AddSeconds(6), full.LastSeen);
        Assert.Equal(TimeSpan.FromHours(8), full.LastSeen!.Value.Offset);
        Assert.Equal(Load.Sample(Load.Vin(7), 5), full.Latest! with { FaultCodes = Load.Sample(Load.Vin(7), 5).FaultCodes });
        Assert.Equal("s-5", full.Session!.SessionId);
        Assert.Equal(["ABC"], full.Session.PackCodes);

        Assert.Equal(Load.Vin(8), decoded[1].Vin);
        Assert.False(decoded[1].Online);
        Assert.Null(decoded[1].Latest);
        Assert.Null(decoded[1].Session);
        Assert.Null(decoded[1].LastSeen);
    }

    [Fact]
    public void Unknown_versions_and_truncated_batches_are_typed_errors()
    {
        var bytes = LiveUpdateCodec.Encode([State(1)]);
        Assert.Throws<InvalidDataException>(() => LiveUpdateCodec.Decode(bytes.AsMemory(0, bytes.Length - 3)));
        bytes[0] = 99;
        Assert.Throws<InvalidDataException>(() => LiveUpdateCodec.Decode(bytes));
        Assert.Throws<InvalidDataException>(() => LiveUpdateCodec.Decode(ReadOnlyMemory<byte>.Empty));
    }

    [Fact]
    public void Merging_an_older_remote_state_keeps_the_newer_sample_but_takes_online_and_session()
    {
        var twin = new LiveTwin();
        twin.Merge(State(10));
        twin.DrainChanged();

        // A processor that took the partition over late still has an older sample; the vehicle went offline meanwhile.
        var merged = twin.Merge(State(4, online: false));

        Assert.Equal(10, merged.Latest!.OdometerKm);
        Assert.False(merged.Online);
        Assert.Equal("s-4", merged.Session!.SessionId);
        Assert.Equal(Load.Start.AddSeconds(11), merged.LastSeen); // last seen only grows
        Assert.Equal([Load.Vin(7)], twin.DrainChanged());
    }

    [Fact]
    public void A_refresh_from_the_store_moves_only_vehicles_that_are_behind_and_each_change_feed_sees_every_change()
    {
        var twin = new LiveTwin();
        var feed = twin.CreateChangeFeed();
        twin.Merge(State(10));

        var changed = twin.Refresh([Load.Sample(Load.Vin(7), 3), Load.Sample(Load.Vin(9), 1)]);

        Assert.Equal(1, changed);
        Assert.Equal(10, twin.Get(Load.Vin(7))!.Latest!.OdometerKm);
        Assert.True(twin.Get(Load.Vin(7))!.Online); // a refresh does not touch what the store does not know
        Assert.Equal(1, twin.Get(Load.Vin(9))!.Latest!.OdometerKm);
        Assert.Equal([Load.Vin(7), Load.Vin(9)], feed().Order());
        Assert.Equal([Load.Vin(7), Load.Vin(9)], twin.DrainChanged().Order());
        Assert.Empty(feed());
    }

    [Theory]
    [InlineData("", new[] { 0, 1, 2, 3 })]
    [InlineData("0-1", new[] { 0, 1 })]
    [InlineData(" 3, 0-1 ,1", new[] { 0, 1, 3 })]
    public void Preferred_partitions_are_lists_and_ranges(string spec, int[] expected) =>
        Assert.Equal(expected, new RabbitMqBusOptions { Uri = "amqp://h/", Partitions = 4, PreferredPartitions = spec }.Preferred());

    [Theory]
    [InlineData("4")]
    [InlineData("2-1")]
    [InlineData("a")]
    [InlineData("0-1-2")]
    public void Impossible_preferred_partitions_are_refused_at_start(string spec) =>
        Assert.Throws<ArgumentException>(() => new RabbitMqBusOptions { Uri = "amqp://h/", Partitions = 4, PreferredPartitions = spec }.Validate());
}
