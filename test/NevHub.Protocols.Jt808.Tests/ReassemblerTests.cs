using System.Security.Cryptography;

namespace NevHub.Protocols.Jt808.Tests;

public class ReassemblerTests
{
    private static readonly Jt808Phone Phone = Jt808Phone.Parse("013912345678");

    private static Jt808Frame Part(string name) => Helpers.ReadOne(Vectors.Named(name).Bytes);

    [Fact]
    public void Vector_packages_reassemble_into_the_expected_body()
    {
        var reassembly = Vectors.Named("subpackage_1205_part2_of_2").Expect["reassembly"]!;
        var reassembler = new Jt808Reassembler();
        Assert.False(reassembler.TryAdd(Part("subpackage_1205_part1_of_2"), out _));
        Assert.Equal(1, reassembler.PendingMessages);
        Assert.True(reassembler.TryAdd(Part("subpackage_1205_part2_of_2"), out var message));

        Assert.Equal(reassembly["body_length"]!.GetValue<int>(), message.Body.Length);
        Assert.Equal(reassembly["body_sha256"]!.GetValue<string>(), Convert.ToHexStringLower(SHA256.HashData(message.Body.Span)));
        Assert.Equal(235, message.OriginalSerial);
        Assert.Equal(0x1205, message.Header.MessageId);
        Assert.Equal(0, reassembler.PendingMessages);
        Assert.Equal(0, reassembler.PendingBytes);

        // 0x1205: reply serial WORD, count DWORD, then 28-byte records.
        var body = message.Body.Span;
        Assert.Equal(reassembly["body_0x1205"]!["reply_serial"]!.GetValue<int>(), (body[0] << 8) | body[1]);
        Assert.Equal(reassembly["body_0x1205"]!["item_count"]!.GetValue<int>(), (body.Length - 6) / 28);
        Assert.IsType<Jt808RawBody>(Jt808Decoder.Default.Decode(message.Header, message.Body.Span).Body);
    }

    [Fact]
    public void Packages_out_of_order_reassemble_in_index_order()
    {
        var reassembler = new Jt808Reassembler();
        Assert.False(reassembler.TryAdd(Part("subpackage_1205_part2_of_2"), out _));
        Assert.True(reassembler.TryAdd(Part("subpackage_1205_part1_of_2"), out var message));
        var expected = Part("subpackage_1205_part1_of_2").Body.ToArray().Concat(Part("subpackage_1205_part2_of_2").Body.ToArray());
        Assert.Equal(expected, message.Body.ToArray());
        Assert.Equal(235, message.OriginalSerial);
    }

    [Fact]
    public void Duplicate_packages_are_counted_and_ignored()
    {
        var reassembler = new Jt808Reassembler();
        Assert.False(reassembler.TryAdd(Part("subpackage_1205_part1_of_2"), out _));
        Assert.False(reassembler.TryAdd(Part("subpackage_1205_part1_of_2"), out _));
        Assert.Equal(1, reassembler.Duplicates);
        Assert.Equal(930, reassembler.PendingBytes);
        Assert.True(reassembler.TryAdd(Part("subpackage_1205_part2_of_2"), out var message));
        Assert.Equal(986, message.Body.Length);
    }

    [Fact]
    public void Random_bodies_split_by_the_encoder_reassemble_in_any_order()
    {
        var random = new Random(1205);
        for (var round = 0; round < 40; round++)
        {
            var body = new byte[random.Next(1, 6000)];
            random.NextBytes(body);
            var header = round % 2 == 0 ? Jt808Header.Create2013(0x0801, Phone, (ushort)random.Next(65536))
                : Jt808Header.Create2019(0x0801, Phone, (ushort)random.Next(65536));
            var packages = Jt808Encoder.EncodeSubpackaged(header, body, random.Next(100, 1024)).ToList();
            var order = packages.OrderBy(_ => random.Next()).ToList();
            var reassembler = new Jt808Reassembler();
            Jt808ReassembledMessage? result = null;
            // A duplicate of a multi-package message is ignored; a total-1 package is a whole message each time.
            foreach (var wire in order.Count > 1 ? order.Append(order[0]) : order)
            {
                if (reassembler.TryAdd(Helpers.ReadOne(wire), out var m))
                {
                    Assert.Null(result);
                    result = m;
                }
            }

            Assert.NotNull(result);
            Assert.Equal(body, result.Value.Body.ToArray());
            Assert.Equal(header.Serial, result.Value.OriginalSerial);
        }
    }

    [Fact]
    public void A_reassembled_batch_upload_decodes_to_its_typed_body()
    {
        var phone = Jt808Phone.Parse("013800000000");
        var locations = Enumerable.Range(0, 40)
            .Select(i => Jt808Location.Create(29.5 + (i / 1000.0), 106.5, new DateTimeOffset(2026, 5, 1, 8, 0, i, TimeSpan.FromHours(8)),
                items: [Jt808Items.MileageTenthsKm((uint)i)]))
            .ToList();
        var body = Jt808Encoder.EncodeBody(new Jt808BatchLocationUpload(1, locations), Jt808Version.V2019);
        Assert.True(body.Length > Jt808Encoder.MaxBodyLength);
        var packages = Jt808Encoder.EncodeSubpackaged(Jt808Header.Create2019(Jt808MessageIds.BatchLocationUpload, phone, 10), body);
        var reassembler = new Jt808Reassembler();
        Jt808ReassembledMessage whole = default;
        var completed = 0;
        foreach (var package in packages)
        {
            if (reassembler.TryAdd(Helpers.ReadOne(package), out var m))
            {
                whole = m;
                completed++;
            }
        }

        Assert.Equal(1, completed);
        Assert.True(packages.Count >= 2);

        var message = Jt808Decoder.Default.Decode(whole);
        var batch = Assert.IsType<Jt808BatchLocationUpload>(message.Body);
        Assert.Equal(40, batch.Locations.Count);
        Assert.Equal(3.9, batch.Locations[39].MileageKm!.Value, 6);
        Assert.Equal(10, message.Header.Serial);
    }

    [Fact]
    public void A_message_that_is_not_subpackaged_passes_straight_through()
    {
        var reassembler = new Jt808Reassembler();
        Assert.True(reassembler.TryAdd(Helpers.ReadOne(Vectors.Named("logout_2013").Bytes), out var message));
        Assert.Equal(0x0003, message.Header.MessageId);
        Assert.Equal(0, reassembler.PendingMessages);
    }

    [Fact]
    public void Silence_produces_requests_for_the_missing_packages_then_a_drop()
    {
        var time = new ManualTime();
        var reassembler = new Jt808Reassembler(new Jt808ReassemblerOptions { RetryInterval = TimeSpan.FromSeconds(10), MaxRetries = 2 }, time);
        var packages = Jt808Encoder.EncodeSubpackaged(Jt808Header.Create2013(0x0801, Phone, 100), new byte[2500], 1000);
        Assert.False(reassembler.TryAdd(Helpers.ReadOne(packages[1]), out _));

        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Empty(reassembler.CollectTimeouts());

        time.Advance(TimeSpan.FromSeconds(1));
        var first = Assert.Single(reassembler.CollectTimeouts());
        Assert.Equal(new ushort[] { 1, 3 }, first.MissingIndexes);
        Assert.False(first.Dropped);
        Assert.Equal(1, first.Attempt);

        time.Advance(TimeSpan.FromSeconds(10));
        Assert.False(Assert.Single(reassembler.CollectTimeouts()).Dropped);
        time.Advance(TimeSpan.FromSeconds(10));
        var last = Assert.Single(reassembler.CollectTimeouts());
        Assert.True(last.Dropped);
        Assert.Equal(0, reassembler.PendingMessages);
        Assert.Equal(0, reassembler.PendingBytes);
    }

    [Fact]
    public void A_late_package_restarts_the_silence_timer()
    {
        var time = new ManualTime();
        var reassembler = new Jt808Reassembler(new Jt808ReassemblerOptions(), time);
        var packages = Jt808Encoder.EncodeSubpackaged(Jt808Header.Create2013(0x0801, Phone, 100), new byte[2500], 1000);
        reassembler.TryAdd(Helpers.ReadOne(packages[0]), out _);
        time.Advance(TimeSpan.FromSeconds(8));
        reassembler.TryAdd(Helpers.ReadOne(packages[1]), out _);
        time.Advance(TimeSpan.FromSeconds(8));
        Assert.Empty(reassembler.CollectTimeouts());
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(new ushort[] { 3 }, Assert.Single(reassembler.CollectTimeouts()).MissingIndexes);
    }

    [Fact]
    public void Too_many_pending_messages_is_a_typed_error()
    {
        var reassembler = new Jt808Reassembler(new Jt808ReassemblerOptions { MaxPendingMessages = 2 });
        for (var i = 0; i < 2; i++)
        {
            var packages = Jt808Encoder.EncodeSubpackaged(Jt808Header.Create2013((ushort)(0x0801 + i), Phone, 1), new byte[20], 10);
            Assert.False(reassembler.TryAdd(Helpers.ReadOne(packages[0]), out _));
        }

        var third = Jt808Encoder.EncodeSubpackaged(Jt808Header.Create2013(0x0900, Phone, 1), new byte[20], 10);
        var error = Assert.Throws<Jt808FormatException>(() => reassembler.TryAdd(Helpers.ReadOne(third[0]), out _));
        Assert.Equal(Jt808FormatError.TooManyPendingMessages, error.Reason);
    }

    [Fact]
    public void Too_many_pending_bytes_is_a_typed_error()
    {
        var reassembler = new Jt808Reassembler(new Jt808ReassemblerOptions { MaxPendingBytes = 1500 });
        var packages = Jt808Encoder.EncodeSubpackaged(Jt808Header.Create2013(0x0801, Phone, 1), new byte[3000], 1000);
        Assert.False(reassembler.TryAdd(Helpers.ReadOne(packages[0]), out _));
        var error = Assert.Throws<Jt808FormatException>(() => reassembler.TryAdd(Helpers.ReadOne(packages[1]), out _));
        Assert.Equal(Jt808FormatError.PendingBytesExceeded, error.Reason);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(2, 0)]
    [InlineData(2, 3)]
    [InlineData(2000, 1)]
    public void A_package_index_or_total_out_of_range_is_a_typed_error(int total, int index)
    {
        var header = Jt808Header.Create2013(0x0801, Phone, 1) with
        {
            IsSubpackaged = true,
            PackageTotal = (ushort)total,
            PackageIndex = (ushort)index,
        };
        var frame = Helpers.ReadOne(Jt808Encoder.EncodeFrame(header, new byte[4]));
        var error = Assert.Throws<Jt808FormatException>(() => new Jt808Reassembler().TryAdd(frame, out _));
        Assert.Equal(Jt808FormatError.InvalidSubpackage, error.Reason);
    }

    [Fact]
    public void Messages_from_different_phones_are_kept_apart()
    {
        var reassembler = new Jt808Reassembler();
        var a = Jt808Encoder.EncodeSubpackaged(Jt808Header.Create2013(0x0801, Phone, 1), Enumerable.Repeat((byte)0xAA, 20).ToArray(), 10);
        var b = Jt808Encoder.EncodeSubpackaged(
            Jt808Header.Create2013(0x0801, Jt808Phone.Parse("013900000000"), 1), Enumerable.Repeat((byte)0xBB, 20).ToArray(), 10);
        Assert.False(reassembler.TryAdd(Helpers.ReadOne(a[0]), out _));
        Assert.False(reassembler.TryAdd(Helpers.ReadOne(b[1]), out _));
        Assert.True(reassembler.TryAdd(Helpers.ReadOne(a[1]), out var ma));
        Assert.All(ma.Body.ToArray(), x => Assert.Equal(0xAA, x));
        Assert.True(reassembler.TryAdd(Helpers.ReadOne(b[0]), out var mb));
        Assert.All(mb.Body.ToArray(), x => Assert.Equal(0xBB, x));
    }
}
