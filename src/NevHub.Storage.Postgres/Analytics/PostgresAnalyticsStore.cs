using System.Globalization;
using System.Text;
using System.Text.Json;
using NevHub.Storage.Analytics;
using Npgsql;
using NpgsqlTypes;

namespace NevHub.Storage.Postgres.Analytics;

/// <summary>
/// <see cref="IAnalyticsStore"/> on PostgreSQL, for the distributed deployment: processor nodes write it, API nodes read it, every
/// node sees the same trips, charges, alarms and quality. Same behaviour as the SQLite analytics store (both pass
/// AnalyticsStoreContractTests), with its own migration track (<c>analytics_schema_version</c>, <see cref="PostgresAnalyticsMigrations"/>)
/// in the vehicle store's schema by default.
/// </summary>
/// <remarks>
/// Several nodes may write at once. A batch takes a transaction-scoped advisory lock per vehicle it touches (in VIN order, so two
/// batches never deadlock), which makes the read-merge-write of quality counters and receipts safe when a vehicle's partition moves
/// between processors. The webhook outbox is shared: <see cref="GetDueWebhooksAsync"/> claims the due deliveries it returns
/// (<c>FOR UPDATE SKIP LOCKED</c>, then a lease of <see cref="WebhookLease"/>), so two dispatchers never deliver the same one; a
/// dispatcher that dies mid-batch leaves its claims to expire, and they are delivered again after the lease (at least once).
/// </remarks>
public sealed partial class PostgresAnalyticsStore : IAnalyticsStore
{
    /// <summary>How long a delivery handed out by <see cref="GetDueWebhooksAsync"/> is hidden from other dispatchers.</summary>
    public static readonly TimeSpan WebhookLease = TimeSpan.FromMinutes(5);

    /// <summary>How long (sample time, behind a vehicle's newest) quality receipts are kept to recognise replays and resends.</summary>
    public static readonly TimeSpan QualityReceiptRetention = TimeSpan.FromDays(7);

    private readonly PostgresStoreOptions _options;
    private readonly NpgsqlDataSource _dataSource;
    private readonly SemaphoreSlim _migrateLock = new(1, 1);
    private volatile bool _ready;
    private volatile bool _disposed;

    /// <summary>Uses the connection string, schema, page-size cap and command timeout of <paramref name="options"/>.</summary>
    public PostgresAnalyticsStore(PostgresStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _dataSource = PostgresSchema.CreateDataSource(options);
        _options = options;
    }

    /// <summary>The analytics schema version of the database (0 before the first migration).</summary>
    public async Task<long> GetSchemaVersionAsync(CancellationToken cancellationToken = default)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        return await PostgresSchema.VersionAsync(_dataSource, "analytics_schema_version", cancellationToken).ConfigureAwait(false);
    }

    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _migrateLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await PostgresSchema.MigrateAsync(connection, _options.Schema, "analytics_schema_version",
                $"hashtext('nevhub.analytics.ddl.{_options.Schema}')", PostgresAnalyticsMigrations.Steps,
                (step, tx) => step == PostgresAnalyticsMigrations.SeedingStep ? SeedDefaultsAsync(connection, tx, cancellationToken) : Task.CompletedTask,
                cancellationToken).ConfigureAwait(false);
            _ready = true;
        }
        finally
        {
            _migrateLock.Release();
        }
    }

    public Task<Page<Trip>> ListTripsAsync(RecordQuery query, CancellationToken cancellationToken = default) =>
        ListAsync<Trip>("an_trips", "vin", AnalyticsCursor.TripTag, query, static (_, _) => { }, t => (t.Start, t.Vin), cancellationToken);

    public async Task<Trip?> GetTripAsync(string vin, DateTimeOffset start, CancellationToken cancellationToken = default) =>
        await ReadOneAsync<Trip>("SELECT data FROM an_trips WHERE vin = @vin AND start = @start", cancellationToken, ("vin", vin), ("start", start.UtcTicks))
            .ConfigureAwait(false);

    public Task<Page<ChargeSession>> ListChargesAsync(RecordQuery query, CancellationToken cancellationToken = default) =>
        ListAsync<ChargeSession>("an_charges", "vin", AnalyticsCursor.ChargeTag, query, static (_, _) => { }, s => (s.Start, s.Vin), cancellationToken);

    public Task<Page<AlarmEpisode>> ListAlarmsAsync(AlarmQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return ListAsync<AlarmEpisode>("an_alarms", "id", AnalyticsCursor.AlarmTag, query, (sql, command) =>
        {
            if (query.Kind is not null)
            {
                sql.Append(" AND kind = @kind");
                command.Parameters.AddWithValue("kind", query.Kind);
            }

            if (query.MinLevel is { } level)
            {
                sql.Append(" AND peak_level >= @level");
                command.Parameters.AddWithValue("level", level);
            }

            if (query.Open is { } open)
            {
                sql.Append(" AND open = @open");
                command.Parameters.AddWithValue("open", open);
            }
        }, a => (a.Start, a.Id), cancellationToken);
    }

    public Task<AlarmEpisode?> GetAlarmAsync(string id, CancellationToken cancellationToken = default) =>
        ReadOneAsync<AlarmEpisode>("SELECT data FROM an_alarms WHERE id = @id", cancellationToken, ("id", id));

    public Task<AlarmHandling?> GetAlarmHandlingAsync(string alarmId, CancellationToken cancellationToken = default) =>
        ReadOneAsync<AlarmHandling>("SELECT data FROM an_alarm_handling WHERE alarm_id = @id", cancellationToken, ("id", alarmId));

    public async Task<DerivedRecords> GetDerivedSinceAsync(string vin, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        (string, object?)[] parameters = [("vin", vin), ("t", since.UtcTicks)];
        var trips = await ReadManyAsync<Trip>(connection, null,
            "SELECT data FROM an_trips WHERE vin = @vin AND (end_time >= @t OR NOT complete) ORDER BY start", cancellationToken, parameters).ConfigureAwait(false);
        var charges = await ReadManyAsync<ChargeSession>(connection, null,
            "SELECT data FROM an_charges WHERE vin = @vin AND (end_time >= @t OR NOT complete) ORDER BY start", cancellationToken, parameters).ConfigureAwait(false);
        var alarms = await ReadManyAsync<AlarmEpisode>(connection, null,
            "SELECT data FROM an_alarms WHERE vin = @vin AND (last_seen >= @t OR open) ORDER BY start", cancellationToken, parameters).ConfigureAwait(false);
        return new DerivedRecords(trips, charges, alarms);
    }

    public async Task<IReadOnlyList<DailyEnergy>> GetDailyEnergyAsync(DailyQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Makers is { Count: 0 })
        {
            return [];
        }

        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = DailyCommand(connection, """
            SELECT vin, maker, day, count(*)::integer, COALESCE(sum(distance_km), 0), COALESCE(sum(energy_kwh), 0), COALESCE(sum(soc_used), 0)
            FROM an_trips WHERE day >= @from AND day <= @to
            """, " GROUP BY vin, maker, day ORDER BY day, vin LIMIT @limit", query);
        var rows = new List<DailyEnergy>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
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

        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = DailyCommand(connection, "SELECT data FROM an_quality WHERE day >= @from AND day <= @to", " ORDER BY day, vin LIMIT @limit", query);
        return await ReadAllAsync<QualityDay>(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<EmissionFactor>> ListFactorsAsync(CancellationToken cancellationToken = default)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await ReadManyAsync<EmissionFactor>(connection, null, "SELECT data FROM an_factors ORDER BY kind, id", cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<FossilBaseline>> ListBaselinesAsync(CancellationToken cancellationToken = default)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await ReadManyAsync<FossilBaseline>(connection, null, "SELECT data FROM an_baselines ORDER BY class", cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> CountPendingWebhooksAsync(CancellationToken cancellationToken = default)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM an_webhooks", connection);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        await _migrateLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _migrateLock.Release();
        }
    }

    /// <summary>Newest first by (start, key), keyset-paged by <see cref="AnalyticsCursor"/>: the SQLite store's query, row for row.</summary>
    private async Task<Page<T>> ListAsync<T>(
        string table,
        string keyColumn,
        byte tag,
        RecordQuery query,
        Action<StringBuilder, NpgsqlCommand> addFilters,
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

        var limit = Math.Min(query.Limit, _options.MaxPageSize);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand { Connection = connection };
        var sql = new StringBuilder("SELECT data FROM ").Append(table).Append(" WHERE start >= @from AND start < @to");
        command.Parameters.AddWithValue("from", query.From.UtcTicks);
        command.Parameters.AddWithValue("to", query.To == DateTimeOffset.MaxValue ? long.MaxValue : query.To.UtcTicks);
        AddFilters(command, sql, query.Vin, query.Makers);
        addFilters(sql, command);
        if (after is { } a)
        {
            sql.Append(CultureInfo.InvariantCulture, $" AND (start < @cs OR (start = @cs AND {keyColumn} < @ck))");
            command.Parameters.AddWithValue("cs", a.Ticks);
            command.Parameters.AddWithValue("ck", a.Key);
        }

        sql.Append(CultureInfo.InvariantCulture, $" ORDER BY start DESC, {keyColumn} DESC LIMIT @limit");
        command.Parameters.AddWithValue("limit", limit + 1);
        command.CommandText = sql.ToString();
        return AnalyticsCursor.ToPage(await ReadAllAsync<T>(command, cancellationToken).ConfigureAwait(false), limit, tag, keyOf);
    }

    private static NpgsqlCommand DailyCommand(NpgsqlConnection connection, string select, string tail, DailyQuery query)
    {
        var command = new NpgsqlCommand { Connection = connection };
        var sql = new StringBuilder(select);
        command.Parameters.AddWithValue("from", query.FromDay.DayNumber);
        command.Parameters.AddWithValue("to", query.ToDay.DayNumber);
        AddFilters(command, sql, query.Vin, query.Makers);
        sql.Append(tail);
        command.Parameters.AddWithValue("limit", Math.Clamp(query.Limit, 1, 1_000_000));
        command.CommandText = sql.ToString();
        return command;
    }

    private static void AddFilters(NpgsqlCommand command, StringBuilder sql, string? vin, IReadOnlyCollection<string>? makers)
    {
        if (vin is not null)
        {
            sql.Append(" AND vin = @vin");
            command.Parameters.AddWithValue("vin", vin);
        }

        if (makers is not null)
        {
            sql.Append(" AND maker = ANY(@makers)");
            command.Parameters.Add(new NpgsqlParameter("makers", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = makers.ToArray() });
        }
    }

    private async ValueTask EnsureReadyAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_ready)
        {
            await MigrateAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task SeedDefaultsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CancellationToken cancellationToken)
    {
        foreach (var factor in CarbonDefaults.Factors)
        {
            await PutFactorAsync(connection, tx, factor, cancellationToken).ConfigureAwait(false);
        }

        foreach (var baseline in CarbonDefaults.Baselines)
        {
            await PutBaselineAsync(connection, tx, baseline, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string ToJson<T>(T value) => JsonSerializer.Serialize(value, AnalyticsJson.Options);

    private static NpgsqlParameter JsonParameter(string name, string json) => new(name, NpgsqlDbType.Jsonb) { Value = json };

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, CancellationToken cancellationToken,
        params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, tx, sql, parameters);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, (string Name, object? Value)[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, tx);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private async Task<T?> ReadOneAsync<T>(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
        where T : class
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await ReadOneAsync<T>(connection, null, sql, cancellationToken, parameters).ConfigureAwait(false);
    }

    private static async Task<T?> ReadOneAsync<T>(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, CancellationToken cancellationToken,
        params (string Name, object? Value)[] parameters)
        where T : class
    {
        await using var command = Command(connection, tx, sql, parameters);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string json
            ? JsonSerializer.Deserialize<T>(json, AnalyticsJson.Options)
            : null;
    }

    private static async Task<List<T>> ReadManyAsync<T>(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, CancellationToken cancellationToken,
        params (string Name, object? Value)[] parameters)
    {
        await using var command = Command(connection, tx, sql, parameters);
        return await ReadAllAsync<T>(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every row's first column, a record as JSON.</summary>
    private static async Task<List<T>> ReadAllAsync<T>(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(JsonSerializer.Deserialize<T>(reader.GetString(0), AnalyticsJson.Options)!);
        }

        return rows;
    }
}
