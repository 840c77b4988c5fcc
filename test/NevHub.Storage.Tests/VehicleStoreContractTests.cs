using NevHub.Domain;
using static NevHub.Storage.Tests.TestData;

namespace NevHub.Storage.Tests;

/// <summary>
/// The behaviour every <see cref="IVehicleStore"/> must have. A store implementation derives a test class from this one and
/// supplies <see cref="CreateStoreAsync"/> (a fresh, empty store) and <see cref="OpenSameStoreAsync"/> (another instance over the
/// same data, as after a restart).
/// </summary>
public abstract class VehicleStoreContractTests : IAsyncLifetime
{
    private IVehicleStore? _store;

    protected IVehicleStore Store => _store ?? throw new InvalidOperationException("The store is not initialized.");

    /// <summary>Creates a fresh, empty, migrated store for one test.</summary>
    protected abstract Task<IVehicleStore> CreateStoreAsync();

    /// <summary>Opens a second store instance over the data of the one <see cref="CreateStoreAsync"/> made (not migrated yet).</summary>
    protected abstract Task<IVehicleStore> OpenSameStoreAsync();

    /// <summary>Removes what the test created (files, schemas); called after the store is disposed.</summary>
    protected virtual Task CleanUpAsync() => Task.CompletedTask;

    public async Task InitializeAsync() => _store = await CreateStoreAsync();

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        await CleanUpAsync();
    }

    protected async Task ReopenAsync()
    {
        await Store.DisposeAsync();
        _store = await OpenSameStoreAsync();
        await _store.MigrateAsync();
    }

    [Fact]
    public async Task Migrating_again_and_reopening_keeps_the_data()
    {
        await Store.UpsertVehicleAsync(Vehicle(1));
        await Store.WriteAsync(new IngestBatch([Sample(Vin(1), Start)], [Frame(Vin(1), Start)]));
        await Store.MigrateAsync();
        await Store.MigrateAsync();

        await ReopenAsync();
        await Store.MigrateAsync();

        Assert.NotNull(await Store.GetVehicleAsync(Vin(1)));
        Assert.Single((await Store.GetSamplesAsync(new SampleQuery { Vin = Vin(1) })).Items);
        Assert.Single((await Store.GetRawFramesAsync(new RawFrameQuery { Vin = Vin(1) })).Items);
        var again = await Store.WriteAsync(new IngestBatch([Sample(Vin(1), Start)], [Frame(Vin(1), Start)]));
        Assert.Equal(new WriteResult(0, 1, 0, 1), again);
    }

    [Fact]
    public async Task Upserting_a_vehicle_reports_whether_it_was_new_and_updates_it()
    {
        var vehicle = Vehicle(7);
        Assert.True(await Store.UpsertVehicleAsync(vehicle));
        Assert.Equal(vehicle, await Store.GetVehicleAsync(vehicle.Vin));

        var changed = vehicle with { Model = "Changed", Plate = null, Class = VehicleClass.Taxi, BatteryCapacityKwh = 70.5 };
        Assert.False(await Store.UpsertVehicleAsync(changed));
        Assert.Equal(changed, await Store.GetVehicleAsync(vehicle.Vin));
    }

    [Fact]
    public async Task A_vehicle_is_found_by_its_terminal_phone_in_any_of_its_written_forms()
    {
        var vehicle = Vehicle(11) with { TerminalPhone = "13808358246" };
        Assert.Equal("013808358246", vehicle.TerminalPhone);
        await Store.UpsertVehicleAsync(vehicle);
        await Store.UpsertVehicleAsync(Vehicle(12));

        Assert.Equal(vehicle, await Store.GetVehicleByTerminalAsync("013808358246"));
        Assert.Equal(vehicle, await Store.GetVehicleByTerminalAsync("00000000013808358246"));
        Assert.Equal(vehicle, await Store.GetVehicleByTerminalAsync("13808358246"));
        Assert.Null(await Store.GetVehicleByTerminalAsync("013808358247"));
        Assert.Null((await Store.GetVehicleAsync(Vin(12)))!.TerminalPhone);

        await ReopenAsync();
        Assert.Equal(vehicle.Vin, (await Store.GetVehicleByTerminalAsync("013808358246"))?.Vin);
    }

    [Fact]
    public async Task A_terminal_phone_moves_with_an_update_and_is_bound_to_one_vehicle_only()
    {
        await Store.UpsertVehicleAsync(Vehicle(21) with { TerminalPhone = "4F07788EF676" });
        Assert.Equal(Vin(21), (await Store.GetVehicleByTerminalAsync("4f07788ef676"))?.Vin);

        var taken = await Assert.ThrowsAsync<TerminalPhoneConflictException>(
            () => Store.UpsertVehicleAsync(Vehicle(22) with { TerminalPhone = "4f07788ef676" }));
        Assert.Equal(Vin(21), taken.OtherVin);
        Assert.Null(await Store.GetVehicleAsync(Vin(22)));

        // Unbinding frees the phone; another vehicle may then take it. Many vehicles may have none.
        await Store.UpsertVehicleAsync(Vehicle(21) with { TerminalPhone = null });
        await Store.UpsertVehicleAsync(Vehicle(23));
        Assert.Null(await Store.GetVehicleByTerminalAsync("4f07788ef676"));
        await Store.UpsertVehicleAsync(Vehicle(22) with { TerminalPhone = "4f07788ef676" });
        Assert.Equal(Vin(22), (await Store.GetVehicleByTerminalAsync("4f07788ef676"))?.Vin);
        await Store.UpsertVehicleAsync(Vehicle(22) with { TerminalPhone = "4f07788ef676", Model = "again" });
        Assert.Equal("again", (await Store.GetVehicleByTerminalAsync("4f07788ef676"))?.Model);
    }

    [Fact]
    public async Task An_unknown_vehicle_is_null_and_has_no_data()
    {
        Assert.Null(await Store.GetVehicleAsync("NOPE"));
        Assert.Empty((await Store.GetSamplesAsync(new SampleQuery { Vin = "NOPE" })).Items);
        Assert.Empty((await Store.GetRawFramesAsync(new RawFrameQuery { Vin = "NOPE" })).Items);
        Assert.Empty(await Store.ListSessionsAsync("NOPE", 10));
    }

    [Fact]
    public async Task Listing_vehicles_filters_by_tenant_class_and_search()
    {
        await Store.UpsertVehicleAsync(Vehicle(1, "CHANGAN"));
        await Store.UpsertVehicleAsync(Vehicle(2, "CHANGAN", VehicleClass.Taxi));
        await Store.UpsertVehicleAsync(Vehicle(3, "SERES"));
        await Store.UpsertVehicleAsync(Vehicle(4, "LONCIN", VehicleClass.Motorcycle) with { Model = "Voge ER10", Plate = null });

        async Task<string[]> Vins(VehicleQuery query) => [.. (await Store.ListVehiclesAsync(query)).Items.Select(v => v.Vin)];

        Assert.Equal([Vin(1), Vin(2), Vin(3), Vin(4)], await Vins(new VehicleQuery()));
        Assert.Equal([Vin(1), Vin(2)], await Vins(new VehicleQuery { Makers = ["CHANGAN"] }));
        Assert.Equal([Vin(1), Vin(2), Vin(4)], await Vins(new VehicleQuery { Makers = ["LONCIN", "CHANGAN"] }));
        Assert.Empty(await Vins(new VehicleQuery { Makers = [] }));
        Assert.Equal([Vin(2)], await Vins(new VehicleQuery { Class = VehicleClass.Taxi }));
        Assert.Empty(await Vins(new VehicleQuery { Class = VehicleClass.Taxi, Makers = ["SERES"] }));
        Assert.Equal([Vin(4)], await Vins(new VehicleQuery { Search = "voge" }));
        Assert.Equal([Vin(3)], await Vins(new VehicleQuery { Search = Vin(3)[^6..].ToLowerInvariant() }));
        Assert.Equal([Vin(2)], await Vins(new VehicleQuery { Search = "渝A00002" }));
        Assert.Empty(await Vins(new VehicleQuery { Search = "%" }));
        Assert.Empty(await Vins(new VehicleQuery { Search = "_" }));
        Assert.Empty(await Vins(new VehicleQuery { Search = "LONCIN" })); // the maker is not searched
    }

    [Fact]
    public async Task Listing_vehicles_pages_with_a_cursor_in_vin_order()
    {
        for (var i = 10; i > 0; i--)
        {
            await Store.UpsertVehicleAsync(Vehicle(i, i % 3 == 0 ? "OTHER" : "CHANGAN"));
        }

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await Store.ListVehiclesAsync(new VehicleQuery { Makers = ["CHANGAN"], Limit = 3, Cursor = cursor });
            Assert.InRange(page.Items.Count, 1, 3);
            seen.AddRange(page.Items.Select(v => v.Vin));
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);

        var expected = Enumerable.Range(1, 10).Where(i => i % 3 != 0).Select(Vin).ToArray();
        Assert.Equal(expected, seen);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task Sessions_are_upserted_by_id_and_listed_newest_first()
    {
        var first = new VehicleSession
        {
            SessionId = "01J0000000000000000000000A",
            Vin = Vin(1),
            Protocol = TelemetryProtocol.Gbt32960V2025,
            LoginAt = Start,
            RemoteEndpoint = "10.1.2.3:50123",
            LoginSerial = 65531,
            Iccid = "89860012345678901234",
            PackCodes = ["0A1B2C3D4E5F6G7H8J9K0L1M", "PACK2"],
        };
        var second = new VehicleSession
        {
            SessionId = "01J0000000000000000000000B",
            Vin = Vin(1),
            Protocol = TelemetryProtocol.Gbt32960V2025,
            LoginAt = Start.AddHours(1),
            PackCodes = [],
        };
        await Store.SaveSessionAsync(first);
        await Store.SaveSessionAsync(second);
        await Store.SaveSessionAsync(new VehicleSession { SessionId = "other", Vin = Vin(2), Protocol = TelemetryProtocol.Jt808V2013, LoginAt = Start });
        var ended = first with { LogoutAt = Start.AddMinutes(59), EndReason = "replaced" };
        await Store.SaveSessionAsync(ended);

        var sessions = await Store.ListSessionsAsync(Vin(1), 10);
        Assert.Equal(2, sessions.Count);
        Assert.Equal(second with { PackCodes = [] }, sessions[0] with { PackCodes = [] });
        Assert.Empty(sessions[0].PackCodes);
        Assert.Equal(ended with { PackCodes = [] }, sessions[1] with { PackCodes = [] });
        Assert.Equal(ended.PackCodes, sessions[1].PackCodes);
        Assert.Single(await Store.ListSessionsAsync(Vin(1), 1));
    }

    [Fact]
    public async Task Every_sample_field_round_trips_including_nulls_masks_and_detail()
    {
        var full = Sample(Vin(1), Start);
        var empty = EmptySample(Vin(1), Start.AddSeconds(10));
        var emptyDetail = EmptySample(Vin(1), Start.AddSeconds(20)) with { Detail = new SampleDetail(), FaultCodes = [""] };
        var result = await Store.WriteAsync(new IngestBatch([full, empty, emptyDetail], []));
        Assert.Equal(new WriteResult(3, 0, 0, 0), result);

        var page = await Store.GetSamplesAsync(new SampleQuery { Vin = Vin(1), IncludeDetail = true });
        Assert.Equal(3, page.Items.Count);
        AssertSameSample(full, page.Items[0]);
        AssertSameSample(empty, page.Items[1]);
        AssertSameSample(emptyDetail, page.Items[2]);
        Assert.Null(page.NextCursor);

        var withoutDetail = await Store.GetSamplesAsync(new SampleQuery { Vin = Vin(1) });
        AssertSameSample(full with { Detail = null }, withoutDetail.Items[0]);
    }

    [Fact]
    public async Task A_duplicate_is_stored_once_within_a_batch_and_across_batches()
    {
        var sample = Sample(Vin(1), Start);
        var first = await Store.WriteAsync(new IngestBatch([sample, sample with { }], [Frame(Vin(1), Start), Frame(Vin(1), Start)]));
        Assert.Equal(new WriteResult(1, 1, 1, 1), first);

        // Reissued later (different kind and receive time, same content) and redelivered: still the same sample.
        var reissue = sample with { Kind = ReportKind.Reissue, ReceivedAt = Start.AddHours(3) };
        var second = await Store.WriteAsync(new IngestBatch([reissue, sample], [Frame(Vin(1), Start)]));
        Assert.Equal(new WriteResult(0, 2, 0, 1), second);

        var stored = (await Store.GetSamplesAsync(new SampleQuery { Vin = Vin(1), IncludeDetail = true })).Items;
        AssertSameSample(sample, Assert.Single(stored));
        Assert.Single((await Store.GetRawFramesAsync(new RawFrameQuery { Vin = Vin(1) })).Items);
    }

    [Fact]
    public async Task Different_content_at_the_same_sample_time_is_kept_apart()
    {
        var a = Sample(Vin(1), Start);
        var b = a with { SpeedKmh = 58 };
        var c = a with { Detail = Detail(95) };
        var other = Sample(Vin(2), Start);
        Assert.Equal(new WriteResult(4, 0, 0, 0), await Store.WriteAsync(new IngestBatch([a, b, c, other], [])));
        Assert.Equal(3, (await Store.GetSamplesAsync(new SampleQuery { Vin = Vin(1) })).Items.Count);
    }

    [Fact]
    public async Task Out_of_order_and_reissued_samples_read_back_in_sample_time_order()
    {
        var times = new[] { 5, 1, 9, 3, 7, 2, 8 }.Select(s => Start.AddSeconds(s * 10)).ToArray();
        await Store.WriteAsync(new IngestBatch([.. times.Take(4).Select(t => Sample(Vin(1), t, t.ToUnixTimeSeconds()))], []));
        await Store.WriteAsync(new IngestBatch(
            [.. times.Skip(4).Select(t => Sample(Vin(1), t, t.ToUnixTimeSeconds()) with { Kind = ReportKind.Reissue })],
            []));

        var ascending = (await Store.GetSamplesAsync(new SampleQuery { Vin = Vin(1) })).Items;
        Assert.Equal(times.Order().ToArray(), ascending.Select(s => s.SampleTime).ToArray());
        Assert.All(ascending, s => Assert.Equal(s.SampleTime.ToUnixTimeSeconds(), s.OdometerKm));

        var descending = (await Store.GetSamplesAsync(new SampleQuery { Vin = Vin(1), Descending = true })).Items;
        Assert.Equal(times.OrderDescending().ToArray(), descending.Select(s => s.SampleTime).ToArray());
    }

    [Fact]
    public async Task A_time_range_includes_from_and_excludes_to()
    {
        await Store.WriteAsync(new IngestBatch([.. Enumerable.Range(0, 10).Select(i => Sample(Vin(1), Start.AddMinutes(i)))], []));
        var page = await Store.GetSamplesAsync(new SampleQuery { Vin = Vin(1), From = Start.AddMinutes(2), To = Start.AddMinutes(5) });
        Assert.Equal([Start.AddMinutes(2), Start.AddMinutes(3), Start.AddMinutes(4)], page.Items.Select(s => s.SampleTime));
        Assert.Empty((await Store.GetSamplesAsync(new SampleQuery { Vin = Vin(1), From = Start.AddMinutes(5), To = Start.AddMinutes(5) })).Items);
    }

    [Fact]
    public async Task The_latest_sample_of_a_vehicle_only_moves_forward_in_sample_time()
    {
        await Store.WriteAsync(new IngestBatch([Sample(Vin(1), Start.AddMinutes(10), 10), Sample(Vin(2), Start, 1)], []));
        await Store.WriteAsync(new IngestBatch([Sample(Vin(1), Start.AddMinutes(5), 5) with { Kind = ReportKind.Reissue }], []));
        await Store.WriteAsync(new IngestBatch([Sample(Vin(1), Start.AddMinutes(10), 11)], [])); // same time, other content
        await Store.WriteAsync(new IngestBatch([Sample(Vin(2), Start.AddMinutes(1), 2), Sample(Vin(2), Start.AddMinutes(3), 3), Sample(Vin(2), Start.AddMinutes(2), 4)], []));

        var latest = (await Store.GetLatestSamplesAsync()).OrderBy(s => s.Vin, StringComparer.Ordinal).ToArray();
        Assert.Equal(2, latest.Length);
        Assert.Equal((Vin(1), Start.AddMinutes(10), 10.0), (latest[0].Vin, latest[0].SampleTime, latest[0].OdometerKm!.Value));
        Assert.Equal((Vin(2), Start.AddMinutes(3), 3.0), (latest[1].Vin, latest[1].SampleTime, latest[1].OdometerKm!.Value));
        AssertSameDetail(Sample(Vin(2), Start).Detail, latest[1].Detail);

        await Store.WriteAsync(new IngestBatch([Sample(Vin(1), Start.AddMinutes(11), 12)], []));
        var moved = (await Store.GetLatestSamplesAsync()).Single(s => s.Vin == Vin(1));
        Assert.Equal(12.0, moved.OdometerKm);
    }

    [Fact]
    public async Task Latest_samples_cover_every_vehicle()
    {
        var samples = Enumerable.Range(0, 300).Select(i => Sample(Vin(i % 100), Start.AddSeconds(i), i, cells: 4)).ToArray();
        await Store.WriteAsync(new IngestBatch(samples, []));
        var latest = await Store.GetLatestSamplesAsync();
        Assert.Equal(100, latest.Count);
        Assert.All(latest, s => Assert.Equal(Start.AddSeconds(s.OdometerKm!.Value), s.SampleTime));
        Assert.All(latest, s => Assert.True(s.OdometerKm >= 200));
    }

    [Fact]
    public async Task Sample_times_read_back_in_the_terminals_time_zone_whatever_offset_was_written()
    {
        var utc = new DateTimeOffset(2026, 3, 1, 0, 0, 30, TimeSpan.Zero);
        await Store.WriteAsync(new IngestBatch(
            [Sample(Vin(1), utc, cells: 4)],
            [Frame(Vin(1), utc.AddSeconds(1)) with { SampleTime = utc }]));

        var sample = Assert.Single((await Store.GetSamplesAsync(new SampleQuery { Vin = Vin(1) })).Items);
        var latest = Assert.Single(await Store.GetLatestSamplesAsync(), s => s.Vin == Vin(1));
        var frame = Assert.Single((await Store.GetRawFramesAsync(new RawFrameQuery { Vin = Vin(1) })).Items);
        foreach (var time in new[] { sample.SampleTime, latest.SampleTime, frame.SampleTime!.Value })
        {
            Assert.Equal(utc, time); // the same instant...
            Assert.Equal(DeviceTime.Offset, time.Offset); // ...at +08:00, as the device sent it
        }
    }

    [Fact]
    public async Task Raw_frames_round_trip_in_receive_time_order()
    {
        var frames = new[]
        {
            Frame(Vin(1), Start.AddSeconds(2), 200, 1),
            Frame(Vin(1), Start, 17, 2) with { SampleTime = null, Protocol = TelemetryProtocol.Jt808V2019, Command = 0x0200 },
            Frame(Vin(1), Start.AddSeconds(1), 1, 3),
            Frame(Vin(1), Start.AddSeconds(1), 64, 4),
            Frame(Vin(2), Start, 30, 5),
        };
        Assert.Equal(new WriteResult(0, 0, 5, 0), await Store.WriteAsync(new IngestBatch([], frames)));

        var read = (await Store.GetRawFramesAsync(new RawFrameQuery { Vin = Vin(1) })).Items;
        Assert.Equal(4, read.Count);
        Assert.Equal([Start, Start.AddSeconds(1), Start.AddSeconds(1), Start.AddSeconds(2)], read.Select(f => f.ReceivedAt));
        foreach (var expected in frames.Take(4))
        {
            var actual = Assert.Single(read, f => f.Bytes.Span.SequenceEqual(expected.Bytes.Span));
            Assert.Equal(expected with { Bytes = default }, actual with { Bytes = default });
        }

        var range = await Store.GetRawFramesAsync(new RawFrameQuery { Vin = Vin(1), From = Start.AddSeconds(1), To = Start.AddSeconds(2) });
        Assert.Equal(2, range.Items.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Sample_pages_cover_every_sample_once(bool descending)
    {
        // Three samples share each sample time, so the cursor must break ties.
        var samples = Enumerable.Range(0, 90).Select(i => Sample(Vin(1), Start.AddSeconds(i / 3), i, cells: 2)).ToArray();
        await Store.WriteAsync(new IngestBatch(samples, []));

        var seen = new List<VehicleSample>();
        string? cursor = null;
        do
        {
            var page = await Store.GetSamplesAsync(new SampleQuery { Vin = Vin(1), Limit = 7, Cursor = cursor, Descending = descending });
            seen.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        Assert.Equal(90, seen.Count);
        Assert.Equal(90, seen.Select(s => s.OdometerKm).Distinct().Count());
        var times = seen.Select(s => s.SampleTime).ToArray();
        Assert.Equal(descending ? times.OrderDescending() : times.Order(), times);
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 1)]
    [InlineData(false, 3)]
    [InlineData(true, 4)]
    public async Task Samples_spread_over_days_and_reissued_far_back_page_in_sample_time_order(bool descending, int limit)
    {
        var offsets = new[] { 0, 59, 60, 61, 3600, 86_400, (3 * 86_400) + 30, 119 };
        await Store.WriteAsync(new IngestBatch([.. offsets.Select(o => Sample(Vin(1), Start.AddSeconds(o), o, cells: 2))], []));
        var reissued = Sample(Vin(1), Start.AddDays(-2), -1, cells: 2) with { Kind = ReportKind.Reissue };
        await Store.WriteAsync(new IngestBatch([reissued], []));
        await Store.WriteAsync(new IngestBatch([Sample(Vin(2), Start.AddSeconds(30), 30, cells: 2)], []));

        var seen = new List<double>();
        string? cursor = null;
        do
        {
            var page = await Store.GetSamplesAsync(new SampleQuery { Vin = Vin(1), Limit = limit, Cursor = cursor, Descending = descending });
            Assert.InRange(page.Items.Count, 1, limit);
            seen.AddRange(page.Items.Select(s => s.OdometerKm!.Value));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        double[] expected = [-1, .. offsets.Order().Select(o => (double)o)];
        Assert.Equal(descending ? expected.Reverse() : expected, seen);

        var window = await Store.GetSamplesAsync(new SampleQuery { Vin = Vin(1), From = Start.AddSeconds(60), To = Start.AddDays(1), Descending = descending });
        double[] inWindow = [60, 61, 119, 3600];
        Assert.Equal(descending ? inWindow.Reverse() : inWindow, window.Items.Select(s => s.OdometerKm!.Value));
    }

    [Fact]
    public async Task A_terminal_clock_years_off_still_reads_back_in_order()
    {
        var badClock = new DateTimeOffset(2000, 1, 1, 0, 0, 5, TimeSpan.FromHours(8));
        await Store.WriteAsync(new IngestBatch([Sample(Vin(1), Start, 2), Sample(Vin(1), badClock, 1)], [Frame(Vin(1), Start, 20, 1)]));
        await Store.WriteAsync(new IngestBatch([Sample(Vin(1), Start.AddDays(400), 3)], [Frame(Vin(1), Start.AddDays(-4000), 20, 2)]));

        var all = await Store.GetSamplesAsync(new SampleQuery { Vin = Vin(1) });
        Assert.Equal([1.0, 2, 3], all.Items.Select(s => s.OdometerKm!.Value));
        var newestFirst = await Store.GetSamplesAsync(new SampleQuery { Vin = Vin(1), Descending = true, Limit = 2 });
        Assert.Equal([3.0, 2], newestFirst.Items.Select(s => s.OdometerKm!.Value));
        var frames = await Store.GetRawFramesAsync(new RawFrameQuery { Vin = Vin(1) });
        Assert.Equal([Start.AddDays(-4000), Start], frames.Items.Select(f => f.ReceivedAt));
    }

    [Fact]
    public async Task Data_older_than_a_purge_cutoff_written_after_the_purge_is_readable()
    {
        await Store.WriteAsync(new IngestBatch([Sample(Vin(1), Start, 2), Sample(Vin(1), Start.AddDays(-10), 1)], []));
        Assert.Equal(1, await Store.PurgeAsync(Start.AddDays(-1)));
        await Store.WriteAsync(new IngestBatch([Sample(Vin(1), Start.AddDays(-10), 3) with { Kind = ReportKind.Reissue }], []));
        var all = await Store.GetSamplesAsync(new SampleQuery { Vin = Vin(1) });
        Assert.Equal([3.0, 2], all.Items.Select(s => s.OdometerKm!.Value));
    }

    [Fact]
    public async Task Raw_frames_spread_over_hours_page_in_receive_time_order()
    {
        var offsets = new[] { 7200, 0, 59, 60, 3599, 61 };
        await Store.WriteAsync(new IngestBatch([], [.. offsets.Select((o, i) => Frame(Vin(1), Start.AddSeconds(o), 10, i))]));
        var seen = new List<DateTimeOffset>();
        string? cursor = null;
        do
        {
            var page = await Store.GetRawFramesAsync(new RawFrameQuery { Vin = Vin(1), Limit = 2, Cursor = cursor });
            seen.AddRange(page.Items.Select(f => f.ReceivedAt));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        Assert.Equal(offsets.Order().Select(o => Start.AddSeconds(o)), seen);
    }

    [Fact]
    public async Task Raw_frame_pages_cover_every_frame_once()
    {
        await Store.WriteAsync(new IngestBatch([], [.. Enumerable.Range(0, 25).Select(i => Frame(Vin(1), Start.AddSeconds(i / 2), 40, i))]));
        var seen = new List<RawFrame>();
        string? cursor = null;
        do
        {
            var page = await Store.GetRawFramesAsync(new RawFrameQuery { Vin = Vin(1), Limit = 4, Cursor = cursor });
            seen.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        Assert.Equal(25, seen.Select(f => Convert.ToBase64String(f.Bytes.Span)).Distinct().Count());
        Assert.Equal(seen.Select(f => f.ReceivedAt).Order(), seen.Select(f => f.ReceivedAt));
    }

    [Theory]
    [InlineData("garbage!")]
    [InlineData("====")]
    [InlineData("AAAA")]
    [InlineData("UwAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("\u0000\uffff")]
    [InlineData("VgD_")]
    public async Task A_hostile_cursor_is_rejected_with_an_argument_exception(string cursor)
    {
        await Store.WriteAsync(new IngestBatch([Sample(Vin(1), Start)], [Frame(Vin(1), Start)]));
        await Store.UpsertVehicleAsync(Vehicle(1));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.GetSamplesAsync(new SampleQuery { Vin = Vin(1), Cursor = cursor }));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.GetRawFramesAsync(new RawFrameQuery { Vin = Vin(1), Cursor = cursor }));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.ListVehiclesAsync(new VehicleQuery { Cursor = cursor }));
    }

    [Fact]
    public async Task A_cursor_from_another_query_kind_or_a_huge_cursor_is_rejected()
    {
        await Store.WriteAsync(new IngestBatch([Sample(Vin(1), Start), Sample(Vin(1), Start.AddSeconds(1))], []));
        var page = await Store.GetSamplesAsync(new SampleQuery { Vin = Vin(1), Limit = 1 });
        Assert.NotNull(page.NextCursor);
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.GetRawFramesAsync(new RawFrameQuery { Vin = Vin(1), Cursor = page.NextCursor }));
        await Assert.ThrowsAnyAsync<ArgumentException>(
            () => Store.GetSamplesAsync(new SampleQuery { Vin = Vin(1), Cursor = page.NextCursor, Descending = true }));
        await Assert.ThrowsAnyAsync<ArgumentException>(
            () => Store.GetSamplesAsync(new SampleQuery { Vin = Vin(1), Cursor = new string('A', 100_000) }));
    }

    [Fact]
    public async Task A_page_size_below_one_is_rejected()
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.GetSamplesAsync(new SampleQuery { Vin = Vin(1), Limit = 0 }));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.ListVehiclesAsync(new VehicleQuery { Limit = -1 }));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.ListSessionsAsync(Vin(1), 0));
    }

    [Fact]
    public async Task An_empty_batch_writes_nothing_and_a_sample_without_vin_is_rejected()
    {
        Assert.Equal(default, await Store.WriteAsync(IngestBatch.Empty));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.WriteAsync(new IngestBatch([Sample("", Start)], [])));
    }

    [Fact]
    public async Task Purging_deletes_samples_details_and_raw_frames_older_than_the_cutoff()
    {
        var samples = new List<VehicleSample>();
        var frames = new List<RawFrame>();
        for (var v = 0; v < 5; v++)
        {
            for (var i = 0; i < 40; i++)
            {
                samples.Add(Sample(Vin(v), Start.AddDays(i % 4), i, cells: 3));
                frames.Add(Frame(Vin(v), Start.AddDays(i % 4), 20, (v * 100) + i));
            }
        }

        await Store.WriteAsync(new IngestBatch(samples, frames));
        await Store.WriteAsync(new IngestBatch([Sample(Vin(9), Start.AddDays(-1))], []));

        var removed = await Store.PurgeAsync(Start.AddDays(2));
        Assert.Equal((5 * 20) + (5 * 20) + 1, removed);

        for (var v = 0; v < 5; v++)
        {
            var left = (await Store.GetSamplesAsync(new SampleQuery { Vin = Vin(v), IncludeDetail = true })).Items;
            Assert.Equal(20, left.Count);
            Assert.All(left, s => Assert.True(s.SampleTime >= Start.AddDays(2)));
            Assert.All(left, s => Assert.NotNull(s.Detail));
            Assert.Equal(20, (await Store.GetRawFramesAsync(new RawFrameQuery { Vin = Vin(v) })).Items.Count);
        }

        var latest = await Store.GetLatestSamplesAsync();
        Assert.Equal(5, latest.Count);
        Assert.DoesNotContain(latest, s => s.Vin == Vin(9));
        Assert.Equal(0, await Store.PurgeAsync(Start.AddDays(2)));
    }
}
