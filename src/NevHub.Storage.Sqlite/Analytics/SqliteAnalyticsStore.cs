using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Data.Sqlite;
using NevHub.Domain;
using NevHub.Storage.Analytics;

namespace NevHub.Storage.Sqlite.Analytics;

/// <summary>
/// <see cref="IAnalyticsStore"/> in the same SQLite file as the vehicle store, with its own migration track
/// (<c>analytics_schema_version</c>, <see cref="SqliteAnalyticsMigrations"/>). Each derived record is one row: key and
/// filter columns plus the whole record as JSON, so the schema stays small while records evolve. One writer connection
/// (serialized by a lock, <c>BEGIN IMMEDIATE</c>), pooled reader connections; WAL mode is set by the vehicle store and
/// kept by the file.
/// </summary>
public sealed class SqliteAnalyticsStore : IAnalyticsStore
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly int _maxPageSize;
    private SqliteConnection? _writer;
    private ApplyStatements? _statements;
    private volatile bool _migrated;
    private bool _disposed;

    /// <summary>How long (sample time, behind a vehicle's newest) quality receipts are kept to recognise replays and resends.</summary>
    public static readonly TimeSpan QualityReceiptRetention = TimeSpan.FromDays(7);

    public SqliteAnalyticsStore(SqliteStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(options.DatabasePath))!);
        _maxPageSize = options.MaxPageSize;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = options.DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(options.BusyTimeout.TotalSeconds)),
        }.ToString();
    }

    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            SqliteAnalyticsMigrations.Apply(Writer());
            _migrated = true;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>The analytics schema version of the file.</summary>
    public async Task<long> GetSchemaVersionAsync(CancellationToken cancellationToken = default)
    {
        await EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var c = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        return SqliteAnalyticsMigrations.CurrentVersion(c, null);
    }

    public async Task ApplyAsync(AnalyticsBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.IsEmpty)
        {
            return;
        }

        await WriteAsync(tx =>
        {
            var c = tx.Connection!;
            // Prepared once per writer connection: a busy fleet sends thousands of rows per flush, and parsing each
            // statement again was most of the cost.
            var st = _statements ??= new ApplyStatements(c);
            foreach (var (vin, start) in batch.DeletedTrips)
            {
                Exec(c, tx, "DELETE FROM an_trips WHERE vin = $vin AND start = $start", ("$vin", vin), ("$start", start.UtcTicks));
            }

            foreach (var (vin, start) in batch.DeletedCharges)
            {
                Exec(c, tx, "DELETE FROM an_charges WHERE vin = $vin AND start = $start", ("$vin", vin), ("$start", start.UtcTicks));
            }

            foreach (var id in batch.DeletedAlarms)
            {
                Exec(c, tx, "DELETE FROM an_alarms WHERE id = $id", ("$id", id));
            }

            foreach (var t in batch.Trips)
            {
                var q = st.UpsertTrip;
                q.Bind(1, t.Vin);
                q.Bind(2, t.Start.UtcTicks);
                q.Bind(3, t.End.UtcTicks);
                q.Bind(4, t.Maker);
                q.Bind(5, DayNumber(t.Start));
                q.Bind(6, t.DistanceKm);
                q.Bind(7, t.EnergyKwh);
                q.Bind(8, t.SocUsed ?? 0.0);
                q.Bind(9, t.Complete ? 1L : 0L);
                q.Bind(10, JsonSerializer.Serialize(t, Json));
                q.Execute();
            }

            foreach (var s in batch.Charges)
            {
                var q = st.UpsertCharge;
                q.Bind(1, s.Vin);
                q.Bind(2, s.Start.UtcTicks);
                q.Bind(3, s.End.UtcTicks);
                q.Bind(4, s.Maker);
                q.Bind(5, s.Complete ? 1L : 0L);
                q.Bind(6, JsonSerializer.Serialize(s, Json));
                q.Execute();
            }

            foreach (var a in batch.Alarms)
            {
                var q = st.UpsertAlarm;
                q.Bind(1, a.Id);
                q.Bind(2, a.Vin);
                q.Bind(3, a.Start.UtcTicks);
                q.Bind(4, a.End?.UtcTicks);
                q.Bind(5, a.LastSeen.UtcTicks);
                q.Bind(6, a.Maker);
                q.Bind(7, a.Kind);
                q.Bind(8, (long)a.PeakLevel);
                q.Bind(9, a.Open ? 1L : 0L);
                q.Bind(10, JsonSerializer.Serialize(a, Json));
                q.Execute();
            }

            var increments = new List<QualityDay>(batch.QualityIncrements);
            foreach (var r in batch.QualityReceipts)
            {
                // Counted once per receipt; a second receipt of the same sample (a resend) counts as a duplicate.
                var insert = st.InsertReceipt;
                insert.Bind(1, r.Vin);
                insert.Bind(2, r.SampleTicks);
                insert.Bind(3, r.ContentHash);
                insert.Bind(4, r.ReceivedTicks);
                if (insert.Execute() == 0)
                {
                    continue;
                }

                var seen = st.CountReceipts;
                seen.Bind(1, r.Vin);
                seen.Bind(2, r.SampleTicks);
                seen.Bind(3, r.ContentHash);
                increments.Add(seen.ExecuteScalarInt64() > 1 ? r.AsDuplicate : r.Frame);
            }

            foreach (var g in batch.QualityReceipts.GroupBy(r => r.Vin))
            {
                // Receipts are kept for QualityReceiptRetention behind the vehicle's newest: a replay or resend older than that counts again.
                var prune = st.PruneReceipts;
                prune.Bind(1, g.Key);
                prune.Bind(2, g.Max(r => r.SampleTicks) - QualityReceiptRetention.Ticks);
                prune.Execute();
            }

            foreach (var q in increments.GroupBy(q => (q.Vin, q.Day)).Select(g => g.Aggregate(QualityMath.Add)))
            {
                var read = st.ReadQuality;
                read.Bind(1, q.Vin);
                read.Bind(2, (long)q.Day.DayNumber);
                var stored = read.ExecuteScalarText() is { } json ? JsonSerializer.Deserialize<QualityDay>(json, Json) : null;
                var merged = stored is null ? q : QualityMath.Add(stored, q);
                var upsert = st.UpsertQuality;
                upsert.Bind(1, q.Vin);
                upsert.Bind(2, (long)q.Day.DayNumber);
                upsert.Bind(3, q.Maker);
                upsert.Bind(4, JsonSerializer.Serialize(merged, Json));
                upsert.Execute();
            }

            foreach (var w in batch.Webhooks)
            {
                Exec(c, tx, """
                    INSERT INTO an_webhooks (url, payload, attempts, next_attempt, created_at) VALUES ($url, $payload, 0, $next, $created)
                    """,
                    ("$url", w.Url), ("$payload", w.Payload), ("$next", w.NextAttemptAt.UtcTicks), ("$created", w.CreatedAt.UtcTicks));
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task<Page<Trip>> ListTripsAsync(RecordQuery query, CancellationToken cancellationToken = default) =>
        ListAsync<Trip>("an_trips", "vin", AnalyticsCursor.TripTag, query, "", [], t => (t.Start, t.Vin), cancellationToken);

    public Task<Trip?> GetTripAsync(string vin, DateTimeOffset start, CancellationToken cancellationToken = default) =>
        ReadOneAsync<Trip>("SELECT data FROM an_trips WHERE vin = $vin AND start = $start", cancellationToken,
            ("$vin", vin), ("$start", start.UtcTicks));

    public Task<Page<ChargeSession>> ListChargesAsync(RecordQuery query, CancellationToken cancellationToken = default) =>
        ListAsync<ChargeSession>("an_charges", "vin", AnalyticsCursor.ChargeTag, query, "", [], s => (s.Start, s.Vin), cancellationToken);

    public Task<Page<AlarmEpisode>> ListAlarmsAsync(AlarmQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var extra = new StringBuilder();
        var parameters = new List<(string, object?)>();
        if (query.Kind is not null)
        {
            extra.Append(" AND kind = $kind");
            parameters.Add(("$kind", query.Kind));
        }

        if (query.MinLevel is { } level)
        {
            extra.Append(" AND peak_level >= $level");
            parameters.Add(("$level", level));
        }

        if (query.Open is { } open)
        {
            extra.Append(" AND open = $open");
            parameters.Add(("$open", open ? 1 : 0));
        }

        return ListAsync<AlarmEpisode>("an_alarms", "id", AnalyticsCursor.AlarmTag, query, extra.ToString(), parameters, a => (a.Start, a.Id), cancellationToken);
    }

    public Task<AlarmEpisode?> GetAlarmAsync(string id, CancellationToken cancellationToken = default) =>
        ReadOneAsync<AlarmEpisode>("SELECT data FROM an_alarms WHERE id = $id", cancellationToken, ("$id", id));

    public Task<AlarmHandling?> GetAlarmHandlingAsync(string alarmId, CancellationToken cancellationToken = default) =>
        ReadOneAsync<AlarmHandling>("SELECT data FROM an_alarm_handling WHERE alarm_id = $id", cancellationToken, ("$id", alarmId));

    public Task SaveAlarmHandlingAsync(AlarmHandling handling, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handling);
        return WriteAsync(tx => Exec(tx.Connection!, tx, """
            INSERT INTO an_alarm_handling (alarm_id, data) VALUES ($id, $data) ON CONFLICT (alarm_id) DO UPDATE SET data = excluded.data
            """, ("$id", handling.AlarmId), ("$data", JsonSerializer.Serialize(handling, Json))), cancellationToken);
    }

    public async Task<DerivedRecords> GetDerivedSinceAsync(string vin, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        await EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var c = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        var ticks = since.UtcTicks;
        var trips = ReadMany<Trip>(c, "SELECT data FROM an_trips WHERE vin = $vin AND (end_time >= $t OR complete = 0) ORDER BY start",
            ("$vin", vin), ("$t", ticks));
        var charges = ReadMany<ChargeSession>(c, "SELECT data FROM an_charges WHERE vin = $vin AND (end_time >= $t OR complete = 0) ORDER BY start",
            ("$vin", vin), ("$t", ticks));
        var alarms = ReadMany<AlarmEpisode>(c, "SELECT data FROM an_alarms WHERE vin = $vin AND (last_seen >= $t OR open = 1) ORDER BY start",
            ("$vin", vin), ("$t", ticks));
        return new DerivedRecords(trips, charges, alarms);
    }

    public async Task<IReadOnlyList<DailyEnergy>> GetDailyEnergyAsync(DailyQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Makers is { Count: 0 })
        {
            return [];
        }

        await EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var c = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        var sql = new StringBuilder("""
            SELECT vin, maker, day, count(*), total(distance_km), total(energy_kwh), total(soc_used) FROM an_trips
            WHERE day >= $from AND day <= $to
            """);
        cmd.Parameters.AddWithValue("$from", query.FromDay.DayNumber);
        cmd.Parameters.AddWithValue("$to", query.ToDay.DayNumber);
        AddFilters(cmd, sql, query.Vin, query.Makers);
        sql.Append(" GROUP BY vin, maker, day ORDER BY day, vin LIMIT $limit");
        cmd.Parameters.AddWithValue("$limit", Math.Clamp(query.Limit, 1, 1_000_000));
        cmd.CommandText = sql.ToString();
        var rows = new List<DailyEnergy>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new DailyEnergy(reader.GetString(0), reader.GetString(1), DateOnly.FromDayNumber(reader.GetInt32(2)), reader.GetInt32(3),
                reader.GetDouble(4), reader.GetDouble(5), reader.GetDouble(6)));
        }

        return rows;
    }

    public async Task<IReadOnlyList<QualityDay>> GetQualityDaysAsync(DailyQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Makers is { Count: 0 })
        {
            return [];
        }

        await EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var c = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        var sql = new StringBuilder("SELECT data FROM an_quality WHERE day >= $from AND day <= $to");
        cmd.Parameters.AddWithValue("$from", query.FromDay.DayNumber);
        cmd.Parameters.AddWithValue("$to", query.ToDay.DayNumber);
        AddFilters(cmd, sql, query.Vin, query.Makers);
        sql.Append(" ORDER BY day, vin LIMIT $limit");
        cmd.Parameters.AddWithValue("$limit", Math.Clamp(query.Limit, 1, 1_000_000));
        cmd.CommandText = sql.ToString();
        var rows = new List<QualityDay>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(JsonSerializer.Deserialize<QualityDay>(reader.GetString(0), Json)!);
        }

        return rows;
    }

    public async Task<IReadOnlyList<EmissionFactor>> ListFactorsAsync(CancellationToken cancellationToken = default)
    {
        await EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var c = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = ReadMany<EmissionFactor>(c, "SELECT data FROM an_factors ORDER BY kind, id");
        return rows;
    }

    public Task UpsertFactorAsync(EmissionFactor factor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factor);
        return WriteAsync(tx =>
        {
            var c = tx.Connection!;
            var existing = ReadOne<EmissionFactor>(c, tx, "SELECT data FROM an_factors WHERE id = $id", ("$id", factor.Id));
            var stored = factor with { Active = existing?.Active ?? false };
            SqliteAnalyticsMigrations.PutFactor(c, tx, stored);
        }, cancellationToken);
    }

    public async Task<bool> SetActiveGridFactorAsync(string id, CancellationToken cancellationToken = default)
    {
        var found = false;
        await WriteAsync(tx =>
        {
            var c = tx.Connection!;
            var target = ReadOne<EmissionFactor>(c, tx, "SELECT data FROM an_factors WHERE id = $id", ("$id", id));
            if (target is not { Kind: FactorKind.Grid })
            {
                return;
            }

            found = true;
            foreach (var f in ReadMany<EmissionFactor>(c, "SELECT data FROM an_factors WHERE kind = $k", tx, ("$k", (int)FactorKind.Grid)))
            {
                SqliteAnalyticsMigrations.PutFactor(c, tx, f with { Active = f.Id == id });
            }
        }, cancellationToken).ConfigureAwait(false);
        return found;
    }

    public async Task<IReadOnlyList<FossilBaseline>> ListBaselinesAsync(CancellationToken cancellationToken = default)
    {
        await EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var c = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        return ReadMany<FossilBaseline>(c, "SELECT data FROM an_baselines ORDER BY class");
    }

    public Task UpsertBaselineAsync(FossilBaseline baseline, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        return WriteAsync(tx => SqliteAnalyticsMigrations.PutBaseline(tx.Connection!, tx, baseline), cancellationToken);
    }

    public async Task<IReadOnlyList<WebhookDelivery>> GetDueWebhooksAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        await EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var c = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = $"""
            SELECT {WebhookOutboxRow.Columns} FROM an_webhooks WHERE next_attempt <= $now ORDER BY next_attempt, id LIMIT $limit
            """;
        cmd.Parameters.AddWithValue("$now", now.UtcTicks);
        cmd.Parameters.AddWithValue("$limit", Math.Clamp(limit, 1, 10_000));
        var rows = new List<WebhookDelivery>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(WebhookOutboxRow.Read(reader));
        }

        return rows;
    }

    public Task CompleteWebhookAsync(long id, CancellationToken cancellationToken = default) =>
        WriteAsync(tx => Exec(tx.Connection!, tx, "DELETE FROM an_webhooks WHERE id = $id", ("$id", id)), cancellationToken);

    public Task RescheduleWebhookAsync(long id, int attempts, DateTimeOffset nextAttemptAt, string error, CancellationToken cancellationToken = default) =>
        WriteAsync(tx => Exec(tx.Connection!, tx, "UPDATE an_webhooks SET attempts = $a, next_attempt = $n, last_error = $e WHERE id = $id",
            ("$a", attempts), ("$n", nextAttemptAt.UtcTicks), ("$e", error), ("$id", id)), cancellationToken);

    public async Task<int> CountPendingWebhooksAsync(CancellationToken cancellationToken = default)
    {
        await EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var c = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM an_webhooks";
        return Convert.ToInt32(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    public async Task<bool> CreateShareAsync(ShareLink share, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(share);
        var created = false;
        await WriteAsync(tx => created = ExecCount(tx.Connection!, tx, """
            INSERT INTO an_shares (id, token_hash, vin, maker, created_at, data) VALUES ($id, $hash, $vin, $maker, $created, $data)
            ON CONFLICT DO NOTHING
            """, ("$id", share.Id), ("$hash", share.TokenHash), ("$vin", share.Vin), ("$maker", share.Maker), ("$created", share.CreatedAt.UtcTicks),
            ("$data", JsonSerializer.Serialize(share, Json))) == 1, cancellationToken).ConfigureAwait(false);
        return created;
    }

    public Task<ShareLink?> GetShareAsync(string id, CancellationToken cancellationToken = default) =>
        ReadOneAsync<ShareLink>("SELECT data FROM an_shares WHERE id = $id", cancellationToken, ("$id", id));

    public Task<ShareLink?> GetShareByTokenHashAsync(string tokenHash, CancellationToken cancellationToken = default) =>
        ReadOneAsync<ShareLink>("SELECT data FROM an_shares WHERE token_hash = $hash", cancellationToken, ("$hash", tokenHash));

    public async Task<IReadOnlyList<ShareLink>> ListSharesAsync(ShareQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Makers is { Count: 0 })
        {
            return [];
        }

        await EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var c = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        var sql = new StringBuilder("SELECT data FROM an_shares WHERE 1 = 1");
        AddFilters(cmd, sql, query.Vin, query.Makers);
        sql.Append(" ORDER BY created_at DESC, id DESC LIMIT $limit");
        cmd.Parameters.AddWithValue("$limit", Math.Clamp(query.Limit, 1, _maxPageSize));
        cmd.CommandText = sql.ToString();
        var rows = new List<ShareLink>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(JsonSerializer.Deserialize<ShareLink>(reader.GetString(0), Json)!);
        }

        return rows;
    }

    public async Task<bool> RevokeShareAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var found = false;
        await WriteAsync(tx =>
        {
            var c = tx.Connection!;
            var share = ReadOne<ShareLink>(c, tx, "SELECT data FROM an_shares WHERE id = $id", ("$id", id));
            if (share is null)
            {
                return;
            }

            found = true;
            if (share.RevokedAt is null)
            {
                Exec(c, tx, "UPDATE an_shares SET data = $data WHERE id = $id",
                    ("$id", id), ("$data", JsonSerializer.Serialize(share with { RevokedAt = at }, Json)));
            }
        }, cancellationToken).ConfigureAwait(false);
        return found;
    }

    public async ValueTask DisposeAsync()
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _statements?.Dispose();
            if (_writer is not null)
            {
                await _writer.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _writeLock.Release();
        }

        _writeLock.Dispose();
    }

    private async Task<Page<T>> ListAsync<T>(
        string table,
        string keyColumn,
        byte tag,
        RecordQuery query,
        string extraWhere,
        IReadOnlyList<(string Name, object? Value)> extraParameters,
        Func<T, (DateTimeOffset Start, string Key)> keyOf,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);
        (long Ticks, string Key)? after = query.Cursor is null ? null : AnalyticsCursor.Decode(tag, query.Cursor);
        if (query.Makers is { Count: 0 })
        {
            return new Page<T>([], null);
        }

        var limit = Math.Min(query.Limit, _maxPageSize);
        await EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var c = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = c.CreateCommand();
        var sql = new StringBuilder("SELECT data FROM ").Append(table).Append(" WHERE start >= $from AND start < $to");
        cmd.Parameters.AddWithValue("$from", query.From.UtcTicks);
        cmd.Parameters.AddWithValue("$to", query.To == DateTimeOffset.MaxValue ? long.MaxValue : query.To.UtcTicks);
        AddFilters(cmd, sql, query.Vin, query.Makers);
        sql.Append(extraWhere);
        foreach (var (name, value) in extraParameters)
        {
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        if (after is { } a)
        {
            sql.Append(CultureInfo.InvariantCulture, $" AND (start < $cs OR (start = $cs AND {keyColumn} < $ck))");
            cmd.Parameters.AddWithValue("$cs", a.Ticks);
            cmd.Parameters.AddWithValue("$ck", a.Key);
        }

        sql.Append(CultureInfo.InvariantCulture, $" ORDER BY start DESC, {keyColumn} DESC LIMIT $limit");
        cmd.Parameters.AddWithValue("$limit", limit + 1);
        cmd.CommandText = sql.ToString();
        var items = new List<T>(Math.Min(limit + 1, 1024));
        await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                items.Add(JsonSerializer.Deserialize<T>(reader.GetString(0), Json)!);
            }
        }

        return AnalyticsCursor.ToPage(items, limit, tag, keyOf);
    }

    private static void AddFilters(SqliteCommand cmd, StringBuilder sql, string? vin, IReadOnlyCollection<string>? makers)
    {
        if (vin is not null)
        {
            sql.Append(" AND vin = $vin");
            cmd.Parameters.AddWithValue("$vin", vin);
        }

        if (makers is not null)
        {
            sql.Append(" AND maker IN (");
            var i = 0;
            foreach (var maker in makers)
            {
                var name = "$m" + i.ToString(CultureInfo.InvariantCulture);
                sql.Append(i == 0 ? "" : ", ").Append(name);
                cmd.Parameters.AddWithValue(name, maker);
                i++;
            }

            sql.Append(')');
        }
    }

    private async Task<T?> ReadOneAsync<T>(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
        where T : class
    {
        await EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await using var c = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        return ReadOne<T>(c, null, sql, parameters);
    }

    private async Task WriteAsync(Action<SqliteTransaction> work, CancellationToken cancellationToken)
    {
        await EnsureMigratedAsync(cancellationToken).ConfigureAwait(false);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var c = Writer();
            using var tx = c.BeginTransaction(deferred: false);
            work(tx);
            tx.Commit();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task EnsureMigratedAsync(CancellationToken cancellationToken)
    {
        if (!_migrated)
        {
            await MigrateAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private SqliteConnection Writer()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_writer is null)
        {
            var c = new SqliteConnection(_connectionString);
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF;";
            cmd.ExecuteNonQuery();
            _writer = c;
        }

        return _writer;
    }

    private async Task<SqliteConnection> OpenReaderAsync(CancellationToken cancellationToken)
    {
        var c = new SqliteConnection(_connectionString);
        await c.OpenAsync(cancellationToken).ConfigureAwait(false);
        return c;
    }

    internal static int DayNumber(DateTimeOffset time) => DateOnly.FromDateTime(time.UtcDateTime).DayNumber;

    internal static void Exec(SqliteConnection c, SqliteTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        cmd.ExecuteNonQuery();
    }

    private static int ExecCount(SqliteConnection c, SqliteTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return cmd.ExecuteNonQuery();
    }

    private static T? ReadOne<T>(SqliteConnection c, SqliteTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
        where T : class
    {
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return cmd.ExecuteScalar() is string json ? JsonSerializer.Deserialize<T>(json, Json) : null;
    }

    private static List<T> ReadMany<T>(SqliteConnection c, string sql, params (string Name, object? Value)[] parameters) =>
        ReadMany<T>(c, sql, null, parameters);

    private static List<T> ReadMany<T>(SqliteConnection c, string sql, SqliteTransaction? tx, params (string Name, object? Value)[] parameters)
    {
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        var list = new List<T>();
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            list.Add(JsonSerializer.Deserialize<T>(reader.GetString(0), Json)!);
        }

        return list;
    }

    /// <summary>The statements <see cref="ApplyAsync"/> runs per row, prepared once on the writer connection.</summary>
    private sealed class ApplyStatements(SqliteConnection c) : IDisposable
    {
        public NativeStatement UpsertTrip { get; } = new(c, """
            INSERT INTO an_trips (vin, start, end_time, maker, day, distance_km, energy_kwh, soc_used, complete, data)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
            ON CONFLICT (vin, start) DO UPDATE SET end_time = excluded.end_time, maker = excluded.maker, day = excluded.day,
              distance_km = excluded.distance_km, energy_kwh = excluded.energy_kwh, soc_used = excluded.soc_used,
              complete = excluded.complete, data = excluded.data
            """);

        public NativeStatement UpsertCharge { get; } = new(c, """
            INSERT INTO an_charges (vin, start, end_time, maker, complete, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
            ON CONFLICT (vin, start) DO UPDATE SET end_time = excluded.end_time, maker = excluded.maker, complete = excluded.complete,
              data = excluded.data
            """);

        public NativeStatement UpsertAlarm { get; } = new(c, """
            INSERT INTO an_alarms (id, vin, start, end_time, last_seen, maker, kind, peak_level, open, data)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
            ON CONFLICT (id) DO UPDATE SET vin = excluded.vin, start = excluded.start, end_time = excluded.end_time,
              last_seen = excluded.last_seen, maker = excluded.maker, kind = excluded.kind, peak_level = excluded.peak_level,
              open = excluded.open, data = excluded.data
            """);

        public NativeStatement InsertReceipt { get; } = new(c,
            "INSERT INTO an_quality_receipts (vin, sample_ticks, hash, received_ticks) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING");

        public NativeStatement CountReceipts { get; } = new(c,
            "SELECT count(*) FROM an_quality_receipts WHERE vin = ?1 AND sample_ticks = ?2 AND hash = ?3");

        public NativeStatement PruneReceipts { get; } = new(c, "DELETE FROM an_quality_receipts WHERE vin = ?1 AND sample_ticks < ?2");

        public NativeStatement ReadQuality { get; } = new(c, "SELECT data FROM an_quality WHERE vin = ?1 AND day = ?2");

        public NativeStatement UpsertQuality { get; } = new(c, """
            INSERT INTO an_quality (vin, day, maker, data) VALUES (?1, ?2, ?3, ?4)
            ON CONFLICT (vin, day) DO UPDATE SET maker = excluded.maker, data = excluded.data
            """);

        public void Dispose()
        {
            UpsertTrip.Dispose();
            UpsertCharge.Dispose();
            UpsertAlarm.Dispose();
            InsertReceipt.Dispose();
            CountReceipts.Dispose();
            PruneReceipts.Dispose();
            ReadQuality.Dispose();
            UpsertQuality.Dispose();
        }
    }
}
