using NevHub.Storage.Analytics;

namespace NevHub.Storage.Tests;

/// <summary>
/// The behaviour every <see cref="IAnalyticsStore"/> must have. An implementation derives a test class and supplies
/// <see cref="CreateStoreAsync"/> (fresh, migrated) and <see cref="OpenSameStoreAsync"/> (another instance over the same data).
/// </summary>
public abstract class AnalyticsStoreContractTests : IAsyncLifetime
{
    protected const string VinA = "LCONTRACT00000001";
    protected const string VinB = "LCONTRACT00000002";
    protected static readonly DateTimeOffset T0 = new(2026, 4, 1, 8, 0, 0, TimeSpan.Zero);
    private IAnalyticsStore? _store;

    protected IAnalyticsStore Store => _store ?? throw new InvalidOperationException("The store is not initialized.");

    protected abstract Task<IAnalyticsStore> CreateStoreAsync();

    protected abstract Task<IAnalyticsStore> OpenSameStoreAsync();

    protected virtual Task CleanUpAsync() => Task.CompletedTask;

    /// <summary>How long the store keeps quality receipts behind a vehicle's newest sample.</summary>
    protected abstract TimeSpan QualityReceiptRetention { get; }

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

    protected static Trip Trip(string vin, string maker, int minutes, double km = 5, bool complete = true) => new()
    {
        Vin = vin,
        Maker = maker,
        Start = T0.AddMinutes(minutes),
        End = T0.AddMinutes(minutes + 10),
        DistanceOdometerKm = km,
        DistanceGpsKm = km,
        EnergyKwh = km * 0.15,
        StartSoc = 80,
        EndSoc = 78,
        Samples = 61,
        Complete = complete,
        Route = [new RoutePoint(T0.AddMinutes(minutes), 29.56, 106.55), new RoutePoint(T0.AddMinutes(minutes + 10), 29.57, 106.56)],
    };

    protected static AlarmEpisode Alarm(string vin, string maker, int minutes, int peak, bool open) => new()
    {
        Id = $"{vin}:HighTemperature:{T0.AddMinutes(minutes).UtcTicks}",
        Vin = vin,
        Maker = maker,
        Kind = "HighTemperature",
        Bit = 1,
        Start = T0.AddMinutes(minutes),
        End = open ? null : T0.AddMinutes(minutes + 2),
        LastSeen = T0.AddMinutes(minutes + 2),
        FirstLevel = 1,
        PeakLevel = peak,
        Levels = [new AlarmLevelChange(T0.AddMinutes(minutes), 1)],
        Samples = 13,
    };

    private static QualityDay Day(string vin, long frames, long duplicates) => new()
    {
        Vin = vin,
        Maker = "changan",
        Day = DateOnly.FromDateTime(T0.UtcDateTime),
        Frames = frames,
        Realtime = frames,
        Duplicates = duplicates,
    };

    private static QualityReceipt Receipt(string vin, int second, long receivedTicks) =>
        new(vin, T0.AddSeconds(second).UtcTicks, 42 + second, receivedTicks, Day(vin, 1, 0), Day(vin, 1, 1));

    [Fact]
    public async Task Upserts_replace_by_natural_key_and_deletes_remove()
    {
        await Store.ApplyAsync(new AnalyticsBatch { Trips = [Trip(VinA, "changan", 0, complete: false), Trip(VinA, "changan", 30)] });
        await Store.ApplyAsync(new AnalyticsBatch { Trips = [Trip(VinA, "changan", 0, km: 7)] });
        var trips = (await Store.ListTripsAsync(new RecordQuery { Vin = VinA })).Items;
        Assert.Equal(2, trips.Count);
        var first = await Store.GetTripAsync(VinA, T0);
        Assert.NotNull(first);
        Assert.Equal(7, first.DistanceOdometerKm);
        Assert.True(first.Complete);
        Assert.Equal(2, first.Route.Count);

        await Store.ApplyAsync(new AnalyticsBatch { DeletedTrips = [(VinA, T0.AddMinutes(30))] });
        Assert.Single((await Store.ListTripsAsync(new RecordQuery { Vin = VinA })).Items);
        Assert.Null(await Store.GetTripAsync(VinA, T0.AddMinutes(30)));
    }

    [Fact]
    public async Task Lists_are_newest_first_paged_by_cursor_and_filtered_by_maker_and_time()
    {
        var trips = Enumerable.Range(0, 5).Select(i => Trip(VinA, "changan", i * 20)).Append(Trip(VinB, "seres", 5)).ToList();
        await Store.ApplyAsync(new AnalyticsBatch { Trips = trips });

        var page1 = await Store.ListTripsAsync(new RecordQuery { Makers = ["changan"], Limit = 3 });
        Assert.Equal([80, 60, 40], page1.Items.Select(t => (int)(t.Start - T0).TotalMinutes));
        Assert.NotNull(page1.NextCursor);
        var page2 = await Store.ListTripsAsync(new RecordQuery { Makers = ["changan"], Limit = 3, Cursor = page1.NextCursor });
        Assert.Equal([20, 0], page2.Items.Select(t => (int)(t.Start - T0).TotalMinutes));
        Assert.Null(page2.NextCursor);

        Assert.Equal([VinB], (await Store.ListTripsAsync(new RecordQuery { Makers = ["seres"] })).Items.Select(t => t.Vin));
        Assert.Empty((await Store.ListTripsAsync(new RecordQuery { Makers = [] })).Items);
        Assert.Equal(6, (await Store.ListTripsAsync(new RecordQuery())).Items.Count);
        var window = await Store.ListTripsAsync(new RecordQuery { From = T0.AddMinutes(20), To = T0.AddMinutes(40) });
        Assert.All(window.Items, t => Assert.InRange(t.Start, T0.AddMinutes(20), T0.AddMinutes(40)));
        Assert.NotEmpty(window.Items);
        await Assert.ThrowsAsync<InvalidCursorException>(() => Store.ListTripsAsync(new RecordQuery { Cursor = "not-a-cursor" }));
    }

    [Fact]
    public async Task Alarms_filter_by_level_and_open_state_and_keep_their_handling()
    {
        await Store.ApplyAsync(new AnalyticsBatch
        {
            Alarms = [Alarm(VinA, "changan", 0, peak: 1, open: false), Alarm(VinA, "changan", 10, peak: 3, open: true), Alarm(VinB, "seres", 5, peak: 3, open: false)],
        });
        Assert.Equal(2, (await Store.ListAlarmsAsync(new AlarmQuery { MinLevel = 3 })).Items.Count);
        Assert.Equal([T0.AddMinutes(10)], (await Store.ListAlarmsAsync(new AlarmQuery { Open = true })).Items.Select(a => a.Start));
        Assert.Equal(2, (await Store.ListAlarmsAsync(new AlarmQuery { Makers = ["changan"] })).Items.Count);

        var id = Alarm(VinA, "changan", 10, 3, true).Id;
        await Store.SaveAlarmHandlingAsync(new AlarmHandling { AlarmId = id, Status = AlarmStatus.Acknowledged, AcknowledgedAt = T0.AddHours(1), AcknowledgedBy = "op" });
        // The episode changes (it closes): its handling stays.
        await Store.ApplyAsync(new AnalyticsBatch { Alarms = [Alarm(VinA, "changan", 10, peak: 3, open: false)] });
        Assert.False((await Store.GetAlarmAsync(id))!.Open);
        Assert.Equal(AlarmStatus.Acknowledged, (await Store.GetAlarmHandlingAsync(id))!.Status);

        await Store.ApplyAsync(new AnalyticsBatch { DeletedAlarms = [id] });
        Assert.Null(await Store.GetAlarmAsync(id));
    }

    [Fact]
    public async Task Derived_records_since_a_time_include_open_ones_and_survive_a_reopen()
    {
        await Store.ApplyAsync(new AnalyticsBatch
        {
            Trips = [Trip(VinA, "changan", -600), Trip(VinA, "changan", 0, complete: false)],
            Alarms = [Alarm(VinA, "changan", -600, 3, open: true)],
        });
        await ReopenAsync();
        var derived = await Store.GetDerivedSinceAsync(VinA, T0.AddMinutes(-60));
        Assert.Equal([T0], derived.Trips.Select(t => t.Start));
        Assert.Single(derived.Alarms);
    }

    [Fact]
    public async Task Daily_energy_sums_trips_per_vehicle_and_day_within_the_makers()
    {
        await Store.ApplyAsync(new AnalyticsBatch { Trips = [Trip(VinA, "changan", 0, km: 4), Trip(VinA, "changan", 30, km: 6), Trip(VinB, "seres", 0, km: 9)] });
        var days = await Store.GetDailyEnergyAsync(new DailyQuery { Makers = ["changan"] });
        var day = Assert.Single(days);
        Assert.Equal((VinA, 2, 10.0), (day.Vin, day.Trips, day.DistanceKm));
        Assert.Equal(2, (await Store.GetDailyEnergyAsync(new DailyQuery())).Count);
    }

    [Fact]
    public async Task Quality_receipts_count_once_however_often_they_are_applied()
    {
        var batch = new AnalyticsBatch { QualityReceipts = [Receipt(VinA, 0, 1), Receipt(VinA, 10, 2), Receipt(VinA, 20, 3)] };
        await Store.ApplyAsync(batch);
        // The same receipts again (a replay after a crash), in the same store and after a reopen.
        await Store.ApplyAsync(batch);
        await ReopenAsync();
        await Store.ApplyAsync(batch);
        var q = Assert.Single(await Store.GetQualityDaysAsync(new DailyQuery { Vin = VinA }));
        Assert.Equal(3, q.Frames);
        Assert.Equal(0, q.Duplicates);

        // A second receipt of an already counted sample (the terminal sent it again) is a duplicate, once.
        var resend = new AnalyticsBatch { QualityReceipts = [Receipt(VinA, 10, 99)] };
        await Store.ApplyAsync(resend);
        await Store.ApplyAsync(resend);
        q = Assert.Single(await Store.GetQualityDaysAsync(new DailyQuery { Vin = VinA }));
        Assert.Equal(4, q.Frames);
        Assert.Equal(1, q.Duplicates);

        // Plain increments still add up (they carry no receipt).
        await Store.ApplyAsync(new AnalyticsBatch { QualityIncrements = [Day(VinA, 5, 0)] });
        Assert.Equal(9, Assert.Single(await Store.GetQualityDaysAsync(new DailyQuery { Vin = VinA })).Frames);
    }

    [Fact]
    public async Task Quality_receipts_older_than_the_retention_behind_the_newest_are_forgotten()
    {
        var t0 = new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);
        QualityDay Day(DateTimeOffset t, long duplicates) => new() { Vin = VinA, Day = DateOnly.FromDateTime(t.UtcDateTime), Frames = 1, Duplicates = duplicates };
        QualityReceipt Receipt(DateTimeOffset t) => new(VinA, t.UtcTicks, 7, t.UtcTicks + 1, Day(t, 0), Day(t, 1));
        var old = new AnalyticsBatch { QualityReceipts = [Receipt(t0)] };
        await Store.ApplyAsync(old);
        await Store.ApplyAsync(old);
        Assert.Equal(1, (await Store.GetQualityDaysAsync(new DailyQuery { Vin = VinA })).Sum(d => d.Frames));

        // A frame more than the retention later: the old receipt is pruned, so a replay of the old frame counts again.
        await Store.ApplyAsync(new AnalyticsBatch { QualityReceipts = [Receipt(t0 + QualityReceiptRetention + TimeSpan.FromHours(1))] });
        await Store.ApplyAsync(old);
        Assert.Equal(3, (await Store.GetQualityDaysAsync(new DailyQuery { Vin = VinA })).Sum(d => d.Frames));
    }

    [Fact]
    public async Task A_batch_that_changes_a_record_twice_leaves_its_last_change_and_counts_receipts_in_order()
    {
        await Store.ApplyAsync(new AnalyticsBatch
        {
            Trips = [Trip(VinA, "changan", 0, km: 3, complete: false), Trip(VinA, "changan", 0, km: 4)],
            Alarms = [Alarm(VinA, "changan", 0, peak: 1, open: true), Alarm(VinA, "changan", 0, peak: 2, open: false)],
            // The same receipt twice, then a resend of its sample: one frame, then one duplicate.
            QualityReceipts = [Receipt(VinA, 0, 1), Receipt(VinA, 0, 1), Receipt(VinA, 0, 2)],
        });
        var trip = Assert.Single((await Store.ListTripsAsync(new RecordQuery { Vin = VinA })).Items);
        Assert.Equal((4.0, true), (trip.DistanceOdometerKm, trip.Complete));
        var alarm = Assert.Single((await Store.ListAlarmsAsync(new AlarmQuery { Vin = VinA })).Items);
        Assert.Equal((2, false), (alarm.PeakLevel, alarm.Open));
        Assert.Empty((await Store.ListAlarmsAsync(new AlarmQuery { Open = true })).Items);
        var q = Assert.Single(await Store.GetQualityDaysAsync(new DailyQuery { Vin = VinA }));
        Assert.Equal((2, 1), (q.Frames, q.Duplicates));
    }

    [Fact]
    public async Task Paging_breaks_ties_of_the_same_start_by_key_without_losing_or_repeating_records()
    {
        var vins = Enumerable.Range(0, 7).Select(i => $"LTIE{i:D13}").ToArray();
        await Store.ApplyAsync(new AnalyticsBatch
        {
            Trips = [.. vins.Select(v => Trip(v, "changan", 0)), .. vins.Select(v => Trip(v, "changan", 10))],
            Alarms = [.. vins.Select(v => Alarm(v, "changan", 0, peak: 1, open: false))],
        });
        var seen = new List<(DateTimeOffset, string)>();
        string? cursor = null;
        do
        {
            var page = await Store.ListTripsAsync(new RecordQuery { Limit = 3, Cursor = cursor });
            seen.AddRange(page.Items.Select(t => (t.Start, t.Vin)));
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        Assert.Equal(
            vins.Select(v => (T0.AddMinutes(10), v)).Reverse().Concat(vins.Select(v => (T0, v)).Reverse()),
            seen);

        var alarms = await Store.ListAlarmsAsync(new AlarmQuery { Limit = 4 });
        var rest = await Store.ListAlarmsAsync(new AlarmQuery { Limit = 4, Cursor = alarms.NextCursor });
        Assert.Equal(vins.AsEnumerable().Reverse(), alarms.Items.Concat(rest.Items).Select(a => a.Vin));
        Assert.Null(rest.NextCursor);
        // A trip cursor is refused by the alarm list.
        var tripCursor = (await Store.ListTripsAsync(new RecordQuery { Limit = 1 })).NextCursor;
        await Assert.ThrowsAsync<InvalidCursorException>(() => Store.ListAlarmsAsync(new AlarmQuery { Cursor = tripCursor }));
    }

    [Fact]
    public async Task Factors_are_data_with_one_active_grid_factor()
    {
        var seeded = await Store.ListFactorsAsync();
        Assert.Single(seeded, f => f.Active && f.Kind == FactorKind.Grid);
        await Store.UpsertFactorAsync(new EmissionFactor { Id = "contract-grid", Kind = FactorKind.Grid, Value = 0.9, Unit = "kg/kWh", Year = 2024, Scope = "t", Source = "t" });
        Assert.True(await Store.SetActiveGridFactorAsync("contract-grid"));
        Assert.False(await Store.SetActiveGridFactorAsync("no-such-factor"));
        await ReopenAsync();
        var active = Assert.Single(await Store.ListFactorsAsync(), f => f.Active && f.Kind == FactorKind.Grid);
        Assert.Equal(("contract-grid", 0.9), (active.Id, active.Value));
    }

    [Fact]
    public async Task Webhook_deliveries_are_durable_rescheduled_and_completed()
    {
        await Store.ApplyAsync(new AnalyticsBatch { Webhooks = [new WebhookDelivery { Url = "http://127.0.0.1:1/hook", Payload = "{}", CreatedAt = T0, NextAttemptAt = T0 }] });
        await ReopenAsync();
        var due = Assert.Single(await Store.GetDueWebhooksAsync(T0, 10));
        await Store.RescheduleWebhookAsync(due.Id, 1, T0.AddMinutes(1), "HTTP 500");
        Assert.Empty(await Store.GetDueWebhooksAsync(T0.AddSeconds(59), 10));
        Assert.Equal(1, Assert.Single(await Store.GetDueWebhooksAsync(T0.AddMinutes(1), 10)).Attempts);
        Assert.Equal(1, await Store.CountPendingWebhooksAsync());
        await Store.CompleteWebhookAsync(due.Id);
        Assert.Equal(0, await Store.CountPendingWebhooksAsync());
    }

    private static ShareLink Share(string hash, string vin, string maker, int createdMinutes, int hours = 24) => new()
    {
        Id = hash[..ShareLink.IdLength],
        TokenHash = hash,
        Vin = vin,
        Maker = maker,
        TripStart = T0,
        CreatedAt = T0.AddMinutes(createdMinutes),
        CreatedBy = "contract",
        ExpiresAt = T0.AddMinutes(createdMinutes).AddHours(hours),
    };

    [Fact]
    public async Task Share_links_are_found_by_id_and_token_hash_listed_newest_first_within_the_makers_and_survive_a_reopen()
    {
        var a = Share(new string('a', 64), VinA, "changan", 1);
        var b = Share(new string('b', 64), VinA, "changan", 2);
        var c = Share(new string('c', 64), VinB, "seres", 3);
        foreach (var share in new[] { a, b, c })
        {
            Assert.True(await Store.CreateShareAsync(share));
        }

        // The id is unique: a second link whose hash starts like a taken one is refused, and nothing of it is stored.
        var clash = Share("aaaaaaaa" + new string('d', 56), VinB, "seres", 4);
        Assert.False(await Store.CreateShareAsync(clash));
        Assert.Null(await Store.GetShareByTokenHashAsync(clash.TokenHash));

        await ReopenAsync();
        Assert.Equal(a, await Store.GetShareAsync(a.Id));
        Assert.Equal(b, await Store.GetShareByTokenHashAsync(b.TokenHash));
        Assert.Null(await Store.GetShareAsync("00000000"));
        Assert.Null(await Store.GetShareByTokenHashAsync(new string('e', 64)));

        Assert.Equal([c.Id, b.Id, a.Id], (await Store.ListSharesAsync(new ShareQuery())).Select(s => s.Id));
        Assert.Equal([b.Id, a.Id], (await Store.ListSharesAsync(new ShareQuery { Makers = ["changan"] })).Select(s => s.Id));
        Assert.Equal([c.Id], (await Store.ListSharesAsync(new ShareQuery { Vin = VinB })).Select(s => s.Id));
        Assert.Empty(await Store.ListSharesAsync(new ShareQuery { Vin = VinB, Makers = ["changan"] }));
        Assert.Empty(await Store.ListSharesAsync(new ShareQuery { Makers = [] }));
        Assert.Equal([c.Id], (await Store.ListSharesAsync(new ShareQuery { Limit = 1 })).Select(s => s.Id));
    }

    [Fact]
    public async Task A_share_link_expires_at_its_time_and_a_revocation_keeps_its_first_time()
    {
        var share = Share(new string('f', 64), VinA, "changan", 0, hours: 1);
        Assert.True(await Store.CreateShareAsync(share));
        var stored = await Store.GetShareByTokenHashAsync(share.TokenHash);
        Assert.True(stored!.IsLiveAt(T0.AddMinutes(59)));
        Assert.False(stored.IsLiveAt(T0.AddHours(1)));

        Assert.True(await Store.RevokeShareAsync(share.Id, T0.AddMinutes(5)));
        Assert.True(await Store.RevokeShareAsync(share.Id, T0.AddMinutes(9)));
        Assert.False(await Store.RevokeShareAsync("00000000", T0));
        await ReopenAsync();
        var revoked = await Store.GetShareAsync(share.Id);
        Assert.Equal(T0.AddMinutes(5), revoked!.RevokedAt);
        Assert.False(revoked.IsLiveAt(T0.AddMinutes(6)));
    }
}
