using NevHub.Storage.Analytics;
using Npgsql;
using NpgsqlTypes;

namespace NevHub.Storage.Postgres.Analytics;

public sealed partial class PostgresAnalyticsStore
{
    /// <summary>
    /// One transaction: per-vehicle locks, deletes, then upserts by natural key (each table in one statement over arrays; within a
    /// batch the last change of a key wins, as when SQLite applies them one by one), quality receipts and counters, webhooks.
    /// </summary>
    public async Task ApplyAsync(AnalyticsBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.IsEmpty)
        {
            return;
        }

        await InTransactionAsync(async (connection, tx) =>
        {
            await LockVehiclesAsync(connection, tx, batch, cancellationToken).ConfigureAwait(false);
            await DeleteRecordsAsync(connection, tx, batch, cancellationToken).ConfigureAwait(false);
            await UpsertTripsAsync(connection, tx, LastByKey(batch.Trips, t => (t.Vin, t.Start.UtcTicks)), cancellationToken).ConfigureAwait(false);
            await UpsertChargesAsync(connection, tx, LastByKey(batch.Charges, s => (s.Vin, s.Start.UtcTicks)), cancellationToken).ConfigureAwait(false);
            await UpsertAlarmsAsync(connection, tx, LastByKey(batch.Alarms, a => a.Id), cancellationToken).ConfigureAwait(false);
            var increments = new List<QualityDay>(batch.QualityIncrements);
            increments.AddRange(await CountReceiptsAsync(connection, tx, batch.QualityReceipts, cancellationToken).ConfigureAwait(false));
            await MergeQualityAsync(connection, tx, increments, cancellationToken).ConfigureAwait(false);
            await QueueWebhooksAsync(connection, tx, batch.Webhooks, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task SaveAlarmHandlingAsync(AlarmHandling handling, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handling);
        return InTransactionAsync(async (connection, tx) =>
        {
            await using var command = new NpgsqlCommand("""
                INSERT INTO an_alarm_handling (alarm_id, data) VALUES (@id, @data) ON CONFLICT (alarm_id) DO UPDATE SET data = excluded.data
                """, connection, tx);
            command.Parameters.AddWithValue("id", handling.AlarmId);
            command.Parameters.Add(JsonParameter("data", ToJson(handling)));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    public Task UpsertFactorAsync(EmissionFactor factor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factor);
        return InTransactionAsync(async (connection, tx) =>
        {
            await using var existing = new NpgsqlCommand("SELECT active FROM an_factors WHERE id = @id FOR UPDATE", connection, tx);
            existing.Parameters.AddWithValue("id", factor.Id);
            var active = await existing.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
            await PutFactorAsync(connection, tx, factor with { Active = active }, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    public Task<bool> SetActiveGridFactorAsync(string id, CancellationToken cancellationToken = default) =>
        InTransactionAsync(async (connection, tx) =>
        {
            // Locks every grid factor in id order, so two nodes switching at once serialize and exactly one stays active.
            var grid = await ReadManyAsync<EmissionFactor>(connection, tx, "SELECT data FROM an_factors WHERE kind = @kind ORDER BY id FOR UPDATE",
                cancellationToken, ("kind", (int)FactorKind.Grid)).ConfigureAwait(false);
            if (!grid.Any(f => f.Id == id))
            {
                return false;
            }

            foreach (var f in grid)
            {
                await PutFactorAsync(connection, tx, f with { Active = f.Id == id }, cancellationToken).ConfigureAwait(false);
            }

            return true;
        }, cancellationToken);

    public Task UpsertBaselineAsync(FossilBaseline baseline, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        return InTransactionAsync(async (connection, tx) =>
        {
            await PutBaselineAsync(connection, tx, baseline, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <summary>
    /// Due deliveries, oldest first, claimed for this caller: each is hidden from other callers for <see cref="WebhookLease"/> (its next
    /// attempt moves to <paramref name="now"/> + lease) until it is completed or rescheduled. Rows another dispatcher is claiming at
    /// the same moment are skipped, not waited for.
    /// </summary>
    public async Task<IReadOnlyList<WebhookDelivery>> GetDueWebhooksAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            WITH due AS (
                SELECT id, next_attempt FROM an_webhooks WHERE next_attempt <= @now ORDER BY next_attempt, id LIMIT @limit FOR UPDATE SKIP LOCKED)
            UPDATE an_webhooks w SET next_attempt = @lease FROM due WHERE w.id = due.id
            RETURNING w.id, w.url, w.payload, w.attempts, due.next_attempt, w.created_at, w.last_error
            """, connection);
        command.Parameters.AddWithValue("now", now.UtcTicks);
        command.Parameters.AddWithValue("limit", Math.Clamp(limit, 1, 10_000));
        command.Parameters.AddWithValue("lease", (now + WebhookLease).UtcTicks);
        var rows = new List<WebhookDelivery>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(WebhookOutboxRow.Read(reader));
            }
        }

        rows.Sort((a, b) => a.NextAttemptAt != b.NextAttemptAt ? a.NextAttemptAt.CompareTo(b.NextAttemptAt) : a.Id.CompareTo(b.Id));
        return rows;
    }

    public Task CompleteWebhookAsync(long id, CancellationToken cancellationToken = default) =>
        InTransactionAsync(async (connection, tx) =>
        {
            await ExecuteAsync(connection, tx, "DELETE FROM an_webhooks WHERE id = @id", cancellationToken, ("id", id)).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    public Task RescheduleWebhookAsync(long id, int attempts, DateTimeOffset nextAttemptAt, string error, CancellationToken cancellationToken = default) =>
        InTransactionAsync(async (connection, tx) =>
        {
            await ExecuteAsync(connection, tx, "UPDATE an_webhooks SET attempts = @a, next_attempt = @n, last_error = @e WHERE id = @id", cancellationToken,
                ("a", attempts), ("n", nextAttemptAt.UtcTicks), ("e", error), ("id", id)).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    private async Task<T> InTransactionAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var result = await work(connection, tx).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>Transaction-scoped advisory locks on every vehicle the batch touches, taken in ordinal VIN order (no deadlocks).</summary>
    private async Task LockVehiclesAsync(NpgsqlConnection connection, NpgsqlTransaction tx, AnalyticsBatch batch, CancellationToken cancellationToken)
    {
        var vins = batch.Trips.Select(t => t.Vin).Concat(batch.DeletedTrips.Select(d => d.Vin))
            .Concat(batch.Charges.Select(c => c.Vin)).Concat(batch.DeletedCharges.Select(d => d.Vin))
            .Concat(batch.Alarms.Select(a => a.Vin)).Concat(batch.QualityIncrements.Select(q => q.Vin)).Concat(batch.QualityReceipts.Select(r => r.Vin))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (vins.Length == 0)
        {
            return;
        }

        await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended(@space || v, 0)) FROM unnest(@vins) AS v", connection, tx);
        command.Parameters.AddWithValue("space", $"nevhub.analytics.{_options.Schema}.");
        command.Parameters.AddWithValue("vins", vins);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task DeleteRecordsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, AnalyticsBatch batch, CancellationToken cancellationToken)
    {
        foreach (var (table, keys) in new[] { ("an_trips", batch.DeletedTrips), ("an_charges", batch.DeletedCharges) })
        {
            if (keys.Count > 0)
            {
                await ExecuteAsync(connection, tx, $"DELETE FROM {table} t USING unnest(@vin, @start) AS d(vin, start) WHERE t.vin = d.vin AND t.start = d.start",
                    cancellationToken, ("vin", keys.Select(k => k.Vin).ToArray()), ("start", keys.Select(k => k.Start.UtcTicks).ToArray())).ConfigureAwait(false);
            }
        }

        if (batch.DeletedAlarms.Count > 0)
        {
            await ExecuteAsync(connection, tx, "DELETE FROM an_alarms WHERE id = ANY(@ids)", cancellationToken, ("ids", batch.DeletedAlarms.ToArray()))
                .ConfigureAwait(false);
        }
    }

    private static async Task UpsertTripsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<Trip> trips, CancellationToken cancellationToken)
    {
        if (trips.Count == 0)
        {
            return;
        }

        await using var command = new NpgsqlCommand("""
            INSERT INTO an_trips (vin, start, end_time, maker, day, distance_km, energy_kwh, soc_used, complete, data)
            SELECT vin, start, end_time, maker, day, distance_km, energy_kwh, soc_used, complete, data::jsonb
            FROM unnest(@vin, @start, @end, @maker, @day, @distance, @energy, @soc, @complete, @data)
                AS u(vin, start, end_time, maker, day, distance_km, energy_kwh, soc_used, complete, data)
            ON CONFLICT (vin, start) DO UPDATE SET end_time = excluded.end_time, maker = excluded.maker, day = excluded.day,
                distance_km = excluded.distance_km, energy_kwh = excluded.energy_kwh, soc_used = excluded.soc_used,
                complete = excluded.complete, data = excluded.data
            """, connection, tx);
        command.Parameters.AddWithValue("vin", trips.Select(t => t.Vin).ToArray());
        command.Parameters.AddWithValue("start", trips.Select(t => t.Start.UtcTicks).ToArray());
        command.Parameters.AddWithValue("end", trips.Select(t => t.End.UtcTicks).ToArray());
        command.Parameters.AddWithValue("maker", trips.Select(t => t.Maker).ToArray());
        command.Parameters.AddWithValue("day", trips.Select(t => DayNumber(t.Start)).ToArray());
        command.Parameters.AddWithValue("distance", trips.Select(t => t.DistanceKm).ToArray());
        command.Parameters.AddWithValue("energy", trips.Select(t => t.EnergyKwh).ToArray());
        command.Parameters.AddWithValue("soc", trips.Select(t => t.SocUsed ?? 0.0).ToArray());
        command.Parameters.AddWithValue("complete", trips.Select(t => t.Complete).ToArray());
        command.Parameters.AddWithValue("data", trips.Select(ToJson).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task UpsertChargesAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<ChargeSession> charges,
        CancellationToken cancellationToken)
    {
        if (charges.Count == 0)
        {
            return;
        }

        await using var command = new NpgsqlCommand("""
            INSERT INTO an_charges (vin, start, end_time, maker, complete, data)
            SELECT vin, start, end_time, maker, complete, data::jsonb
            FROM unnest(@vin, @start, @end, @maker, @complete, @data) AS u(vin, start, end_time, maker, complete, data)
            ON CONFLICT (vin, start) DO UPDATE SET end_time = excluded.end_time, maker = excluded.maker, complete = excluded.complete, data = excluded.data
            """, connection, tx);
        command.Parameters.AddWithValue("vin", charges.Select(s => s.Vin).ToArray());
        command.Parameters.AddWithValue("start", charges.Select(s => s.Start.UtcTicks).ToArray());
        command.Parameters.AddWithValue("end", charges.Select(s => s.End.UtcTicks).ToArray());
        command.Parameters.AddWithValue("maker", charges.Select(s => s.Maker).ToArray());
        command.Parameters.AddWithValue("complete", charges.Select(s => s.Complete).ToArray());
        command.Parameters.AddWithValue("data", charges.Select(ToJson).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task UpsertAlarmsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<AlarmEpisode> alarms,
        CancellationToken cancellationToken)
    {
        if (alarms.Count == 0)
        {
            return;
        }

        await using var command = new NpgsqlCommand("""
            INSERT INTO an_alarms (id, vin, start, end_time, last_seen, maker, kind, peak_level, open, data)
            SELECT id, vin, start, end_time, last_seen, maker, kind, peak_level, open, data::jsonb
            FROM unnest(@id, @vin, @start, @end, @last, @maker, @kind, @peak, @open, @data)
                AS u(id, vin, start, end_time, last_seen, maker, kind, peak_level, open, data)
            ON CONFLICT (id) DO UPDATE SET vin = excluded.vin, start = excluded.start, end_time = excluded.end_time,
                last_seen = excluded.last_seen, maker = excluded.maker, kind = excluded.kind, peak_level = excluded.peak_level,
                open = excluded.open, data = excluded.data
            """, connection, tx);
        command.Parameters.AddWithValue("id", alarms.Select(a => a.Id).ToArray());
        command.Parameters.AddWithValue("vin", alarms.Select(a => a.Vin).ToArray());
        command.Parameters.AddWithValue("start", alarms.Select(a => a.Start.UtcTicks).ToArray());
        command.Parameters.Add(new NpgsqlParameter("end", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = alarms.Select(a => a.End?.UtcTicks).ToArray() });
        command.Parameters.AddWithValue("last", alarms.Select(a => a.LastSeen.UtcTicks).ToArray());
        command.Parameters.AddWithValue("maker", alarms.Select(a => a.Maker).ToArray());
        command.Parameters.AddWithValue("kind", alarms.Select(a => a.Kind).ToArray());
        command.Parameters.AddWithValue("peak", alarms.Select(a => a.PeakLevel).ToArray());
        command.Parameters.AddWithValue("open", alarms.Select(a => a.Open).ToArray());
        command.Parameters.AddWithValue("data", alarms.Select(ToJson).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores the receipts and returns the counters they add, exactly as if applied one by one: a receipt already stored adds nothing;
    /// a new one adds <see cref="QualityReceipt.Frame"/> when it is the first receipt of its sample (vehicle, sample time, content hash),
    /// else <see cref="QualityReceipt.AsDuplicate"/>. Then forgets receipts older than the retention behind each vehicle's newest.
    /// </summary>
    private static async Task<List<QualityDay>> CountReceiptsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<QualityReceipt> receipts,
        CancellationToken cancellationToken)
    {
        var counters = new List<QualityDay>();
        if (receipts.Count == 0)
        {
            return counters;
        }

        var inserted = new HashSet<(string Vin, long Sample, long Hash, long Received)>();
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO an_quality_receipts (vin, sample_ticks, hash, received_ticks) SELECT * FROM unnest(@vin, @sample, @hash, @received)
            ON CONFLICT DO NOTHING RETURNING vin, sample_ticks, hash, received_ticks
            """, connection, tx))
        {
            insert.Parameters.AddWithValue("vin", receipts.Select(r => r.Vin).ToArray());
            insert.Parameters.AddWithValue("sample", receipts.Select(r => r.SampleTicks).ToArray());
            insert.Parameters.AddWithValue("hash", receipts.Select(r => r.ContentHash).ToArray());
            insert.Parameters.AddWithValue("received", receipts.Select(r => r.ReceivedTicks).ToArray());
            await using var reader = await insert.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                inserted.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)));
            }
        }

        // Receipts of each sample stored before this batch: all receipts now, less those this batch added.
        var before = new Dictionary<(string Vin, long Sample, long Hash), long>();
        if (inserted.Count > 0)
        {
            var added = inserted.CountBy(r => (r.Vin, r.Sample, r.Hash)).ToDictionary();
            var samples = added.Keys.ToArray();
            await using var count = new NpgsqlCommand("""
                SELECT r.vin, r.sample_ticks, r.hash, count(*) FROM an_quality_receipts r
                JOIN unnest(@vin, @sample, @hash) AS k(vin, sample_ticks, hash) USING (vin, sample_ticks, hash)
                GROUP BY r.vin, r.sample_ticks, r.hash
                """, connection, tx);
            count.Parameters.AddWithValue("vin", samples.Select(s => s.Vin).ToArray());
            count.Parameters.AddWithValue("sample", samples.Select(s => s.Sample).ToArray());
            count.Parameters.AddWithValue("hash", samples.Select(s => s.Hash).ToArray());
            await using var reader = await count.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var key = (reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2));
                before[key] = reader.GetInt64(3) - added[key];
            }
        }

        foreach (var r in receipts)
        {
            if (!inserted.Remove((r.Vin, r.SampleTicks, r.ContentHash, r.ReceivedTicks)))
            {
                continue; // stored before, or earlier in this batch
            }

            var key = (r.Vin, r.SampleTicks, r.ContentHash);
            var earlier = before.GetValueOrDefault(key);
            counters.Add(earlier > 0 ? r.AsDuplicate : r.Frame);
            before[key] = earlier + 1;
        }

        var cuts = receipts.GroupBy(r => r.Vin, StringComparer.Ordinal).Select(g => (Vin: g.Key, Cut: g.Max(r => r.SampleTicks) - QualityReceiptRetention.Ticks)).ToArray();
        await ExecuteAsync(connection, tx, """
            DELETE FROM an_quality_receipts r USING unnest(@vin, @cut) AS c(vin, cut) WHERE r.vin = c.vin AND r.sample_ticks < c.cut
            """, cancellationToken, ("vin", cuts.Select(c => c.Vin).ToArray()), ("cut", cuts.Select(c => c.Cut).ToArray())).ConfigureAwait(false);
        return counters;
    }

    /// <summary>Adds the increments to the stored day counters (the batch holds the vehicles' locks, so read-merge-write is safe).</summary>
    private static async Task MergeQualityAsync(NpgsqlConnection connection, NpgsqlTransaction tx, List<QualityDay> increments, CancellationToken cancellationToken)
    {
        if (increments.Count == 0)
        {
            return;
        }

        var days = increments.GroupBy(q => (q.Vin, q.Day)).Select(g => g.Aggregate(QualityMath.Add)).ToArray();
        var stored = new Dictionary<(string, DateOnly), QualityDay>();
        await using (var read = new NpgsqlCommand("""
            SELECT q.data FROM an_quality q JOIN unnest(@vin, @day) AS k(vin, day) USING (vin, day)
            """, connection, tx))
        {
            read.Parameters.AddWithValue("vin", days.Select(q => q.Vin).ToArray());
            read.Parameters.AddWithValue("day", days.Select(q => q.Day.DayNumber).ToArray());
            foreach (var q in await ReadAllAsync<QualityDay>(read, cancellationToken).ConfigureAwait(false))
            {
                stored[(q.Vin, q.Day)] = q;
            }
        }

        await using var write = new NpgsqlCommand("""
            INSERT INTO an_quality (vin, day, maker, data) SELECT vin, day, maker, data::jsonb FROM unnest(@vin, @day, @maker, @data) AS u(vin, day, maker, data)
            ON CONFLICT (vin, day) DO UPDATE SET maker = excluded.maker, data = excluded.data
            """, connection, tx);
        write.Parameters.AddWithValue("vin", days.Select(q => q.Vin).ToArray());
        write.Parameters.AddWithValue("day", days.Select(q => q.Day.DayNumber).ToArray());
        write.Parameters.AddWithValue("maker", days.Select(q => q.Maker).ToArray());
        write.Parameters.AddWithValue("data", days.Select(q => ToJson(stored.TryGetValue((q.Vin, q.Day), out var s) ? QualityMath.Add(s, q) : q)).ToArray());
        await write.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task QueueWebhooksAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<WebhookDelivery> webhooks,
        CancellationToken cancellationToken)
    {
        if (webhooks.Count == 0)
        {
            return;
        }

        await ExecuteAsync(connection, tx, """
            INSERT INTO an_webhooks (url, payload, attempts, next_attempt, created_at)
            SELECT url, payload, 0, next_attempt, created_at FROM unnest(@url, @payload, @next, @created) AS u(url, payload, next_attempt, created_at)
            """, cancellationToken, ("url", webhooks.Select(w => w.Url).ToArray()), ("payload", webhooks.Select(w => w.Payload).ToArray()),
            ("next", webhooks.Select(w => w.NextAttemptAt.UtcTicks).ToArray()), ("created", webhooks.Select(w => w.CreatedAt.UtcTicks).ToArray()))
            .ConfigureAwait(false);
    }

    private static async Task PutFactorAsync(NpgsqlConnection connection, NpgsqlTransaction tx, EmissionFactor factor, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            INSERT INTO an_factors (id, kind, active, data) VALUES (@id, @kind, @active, @data)
            ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, active = excluded.active, data = excluded.data
            """, connection, tx);
        command.Parameters.AddWithValue("id", factor.Id);
        command.Parameters.AddWithValue("kind", (int)factor.Kind);
        command.Parameters.AddWithValue("active", factor.Active);
        command.Parameters.Add(JsonParameter("data", ToJson(factor)));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task PutBaselineAsync(NpgsqlConnection connection, NpgsqlTransaction tx, FossilBaseline baseline, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            INSERT INTO an_baselines (class, data) VALUES (@class, @data) ON CONFLICT (class) DO UPDATE SET data = excluded.data
            """, connection, tx);
        command.Parameters.AddWithValue("class", (int)baseline.Class);
        command.Parameters.Add(JsonParameter("data", ToJson(baseline)));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The last of each key, as sequential upserts would leave it (one statement cannot upsert a key twice).</summary>
    private static List<T> LastByKey<T, TKey>(IReadOnlyList<T> items, Func<T, TKey> key)
        where TKey : notnull
    {
        if (items.Count < 2)
        {
            return [.. items];
        }

        var last = new Dictionary<TKey, T>();
        foreach (var item in items)
        {
            last[key(item)] = item;
        }

        return [.. last.Values];
    }

    private static int DayNumber(DateTimeOffset time) => DateOnly.FromDateTime(time.UtcDateTime).DayNumber;
}
