using NevHub.Domain;
using static NevHub.Storage.Tests.TestData;

namespace NevHub.Storage.Tests;

public sealed class CodecTests
{
    [Fact]
    public void A_detail_round_trips_bit_for_bit_through_the_compact_form()
    {
        var detail = Detail(100);
        var blob = SampleDetailCodec.Encode(detail);
        AssertSameDetail(detail, SampleDetailCodec.Decode(blob));

        // 100 mV-exact cells take 2 bytes each, not 8.
        Assert.InRange(blob.Length, 200, 400);
    }

    [Fact]
    public void Values_that_do_not_fit_a_scaled_int16_fall_back_to_doubles()
    {
        var detail = new SampleDetail
        {
            CellVoltages = [new PackCellVoltages(-3, double.NaN, -0.0, int.MaxValue, int.MinValue, [1e300, double.Epsilon, -0.0, null, 32.768, 3.3])],
            Temperatures =
            [
                new PackTemperatures(0, [double.PositiveInfinity, null, double.NaN]),
                new PackTemperatures(1, [32767, -32767, null]),
                new PackTemperatures(2, [3.301, 3.3010000000000002, 0.1, 0.30000000000000004]),
                new PackTemperatures(3, [3301 * 0.001, 12 * 0.1, 7 * 0.01]),
            ],
        };
        var decoded = SampleDetailCodec.Decode(SampleDetailCodec.Encode(detail));
        AssertSameDetail(detail, decoded);
        Assert.True(double.IsNaN(decoded.CellVoltages[0].VoltageV!.Value));
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 2, 0, 0, 0 })]
    [InlineData(new byte[] { 1, 1 })]
    [InlineData(new byte[] { 1, 0x7F, 0, 0 })]
    [InlineData(new byte[] { 1, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 1, 0, 2, 0, 2, 9, 0 })]
    public void A_corrupt_detail_blob_is_a_typed_error(byte[] blob) =>
        Assert.Throws<InvalidDataException>(() => SampleDetailCodec.Decode(blob));

    [Fact]
    public void Every_truncation_of_a_detail_blob_is_a_typed_error()
    {
        var blob = SampleDetailCodec.Encode(Detail(10));
        for (var length = 0; length < blob.Length; length++)
        {
            Assert.Throws<InvalidDataException>(() => SampleDetailCodec.Decode(blob.AsSpan(0, length)));
        }
    }

    [Fact]
    public void The_content_hash_is_pinned_because_it_is_stored_as_a_key()
    {
        // If this fails, the hash changed: existing databases would stop recognising duplicates. Add a new key version instead.
        var sample = new VehicleSample
        {
            Vin = "LNBSCB3F000000001",
            SampleTime = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
            ReceivedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 6, TimeSpan.Zero),
            Protocol = TelemetryProtocol.Gbt32960V2016,
            SpeedKmh = 42.5,
            SocPercent = 80,
            Gear = "D",
            AlarmLevel = 1,
            AlarmFlags = 0x10,
            FaultCodes = ["0000A1B2"],
            InvalidFields = SampleField.Altitude,
            Detail = new SampleDetail
            {
                CellVoltages = [new PackCellVoltages(1, 380.1, 2.5, 3, 1, [3.301, null, 3.302])],
                Temperatures = [new PackTemperatures(1, [25, null])],
                Motors = [new MotorReading(1, MotorState.Consuming, 40, 3000, 100, 50, 380, 20)],
            },
        };
        Assert.Equal(7366224054873973952L, SampleContentHash.Compute(sample));
        Assert.Equal(6398409579716502028L, SampleContentHash.Compute([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    }

    [Fact]
    public void The_content_hash_ignores_transport_metadata_but_sees_every_value()
    {
        var sample = Sample(Vin(1), Start);
        var hash = SampleContentHash.Compute(sample);
        Assert.Equal(hash, SampleContentHash.Compute(sample with { ReceivedAt = Start.AddDays(1), Kind = ReportKind.Reissue }));
        Assert.Equal(hash, SampleContentHash.Compute(sample with { FaultCodes = ["0000A1B2", "DEADBEEF"] }));

        VehicleSample[] changed =
        [
            sample with { SpeedKmh = null },
            sample with { SpeedKmh = 57.4 },
            sample with { Gear = "R" },
            sample with { Gear = null },
            sample with { AlarmFlags = 1 },
            sample with { InvalidFields = SampleField.None },
            sample with { FaultCodes = ["DEADBEEF", "0000A1B2"] },
            sample with { FaultCodes = [] },
            sample with { Detail = null },
            sample with { Detail = Detail(95) },
            sample with { PositionValid = false },
            sample with { AlarmLevel = null },
            sample with { AlarmLevel = 0 },
        ];
        var hashes = changed.Select(SampleContentHash.Compute).Append(hash).ToArray();
        Assert.Equal(hashes.Length, hashes.Distinct().Count());
    }

    [Fact]
    public void Cursors_round_trip_and_reject_other_tags()
    {
        var cursor = PageCursor.Encode((byte)'S', long.MinValue, -1);
        Assert.Equal((long.MinValue, -1L), PageCursor.DecodeInt64Pair((byte)'S', cursor));
        Assert.Throws<InvalidCursorException>(() => PageCursor.DecodeInt64Pair((byte)'R', cursor));
        var vin = PageCursor.Encode((byte)'V', "渝A12345/+=");
        Assert.DoesNotContain('+', vin);
        Assert.DoesNotContain('/', vin);
        Assert.Equal("渝A12345/+=", PageCursor.DecodeString((byte)'V', vin));
    }
}
