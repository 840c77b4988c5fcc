using System.Text;
using NevHub.Domain;
using Npgsql;
using NpgsqlTypes;

namespace NevHub.Storage.Postgres;

public sealed partial class PostgresVehicleStore
{
    // The same cursor tags as the SQLite store: a cursor names its query kind, so one kind's cursor is refused by another.
    private const byte VehicleCursorTag = (byte)'V';
    private const byte SampleAscendingCursorTag = (byte)'S';
    private const byte SampleDescendingCursorTag = (byte)'s';
    private const byte RawFrameCursorTag = (byte)'R';

    /// <summary>Sample columns in the order <see cref="ReadSample"/> reads them; the detail follows at <see cref="DetailOrdinal"/>.</summary>
    private const string SampleSelect = """
        s.sample_time, s.content_hash, s.received_at, s.protocol, s.kind, s.vehicle_state, s.charging_state, s.run_mode,
        s.speed_kmh, s.odometer_km, s.pack_voltage_v, s.pack_current_a, s.soc_percent, s.dcdc_working, s.gear, s.insulation_kohm,
        s.accelerator_percent, s.brake_percent, s.latitude, s.longitude, s.position_valid, s.coordinates, s.heading_degrees,
        s.altitude_m, s.alarm_level, s.alarm_flags, s.fault_codes, s.max_cell_voltage_v, s.min_cell_voltage_v,
        s.max_temperature_c, s.min_temperature_c, s.invalid_mask, s.abnormal_mask
        """;

    private const int DetailOrdinal = 33;
    private const int VinOrdinal = 34;

    private const string VehicleSelect =
        "SELECT vin, maker, model, class, battery_capacity_kwh, chemistry, plate, auto_registered, registered_at, terminal_phone FROM vehicles";

    public async Task<Vehicle?> GetVehicleAsync(string vin, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vin);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(VehicleSelect + " WHERE vin = @vin", connection);
        command.Parameters.AddWithValue("vin", vin);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadVehicle(reader) : null;
    }

    public async Task<Vehicle?> GetVehicleByTerminalAsync(string terminalPhone, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(terminalPhone);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(VehicleSelect + " WHERE terminal_phone = @phone", connection);
        command.Parameters.AddWithValue("phone", TerminalPhoneNumber.Normalize(terminalPhone) ?? "");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadVehicle(reader) : null;
    }

    /// <summary>Vehicles ordered by VIN (ordinal: the column's collation is "C"), filtered by tenant, class and search text.</summary>
    public async Task<Page<Vehicle>> ListVehiclesAsync(VehicleQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = PageLimit(query.Limit, nameof(query));
        var after = query.Cursor is null ? "" : PageCursor.DecodeString(VehicleCursorTag, query.Cursor);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(VehicleSelect + """
             WHERE vin > @after
              AND (@makers IS NULL OR maker = ANY(@makers))
              AND (@class IS NULL OR class = @class)
              AND (@search IS NULL OR vin ILIKE @search OR model ILIKE @search OR plate ILIKE @search)
            ORDER BY vin LIMIT @limit
            """, connection);
        command.Parameters.AddWithValue("after", after);
        command.Parameters.Add(new NpgsqlParameter("makers", NpgsqlDbType.Array | NpgsqlDbType.Text)
        {
            Value = query.Makers is null ? DBNull.Value : query.Makers.ToArray(),
        });
        command.Parameters.Add(new NpgsqlParameter("class", NpgsqlDbType.Integer) { Value = query.Class is { } c ? (int)c : DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("search", NpgsqlDbType.Text)
        {
            Value = string.IsNullOrEmpty(query.Search) ? DBNull.Value : "%" + EscapeLike(query.Search) + "%",
        });
        command.Parameters.AddWithValue("limit", limit + 1);
        var items = new List<Vehicle>(Math.Min(limit + 1, 1024));
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                items.Add(ReadVehicle(reader));
            }
        }

        if (items.Count <= limit)
        {
            return new Page<Vehicle>(items, null);
        }

        items.RemoveAt(limit);
        return new Page<Vehicle>(items, PageCursor.Encode(VehicleCursorTag, items[^1].Vin));
    }

    public async Task<IReadOnlyList<VehicleSession>> ListSessionsAsync(string vin, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vin);
        limit = PageLimit(limit, nameof(limit));
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            SELECT session_id, vin, protocol, login_at, remote_endpoint, login_serial, iccid, pack_codes, logout_at, end_reason
            FROM sessions WHERE vin = @vin ORDER BY login_at DESC, session_id DESC LIMIT @limit
            """, connection);
        command.Parameters.AddWithValue("vin", vin);
        command.Parameters.AddWithValue("limit", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var sessions = new List<VehicleSession>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            sessions.Add(new VehicleSession
            {
                SessionId = reader.GetString(0),
                Vin = reader.GetString(1),
                Protocol = (TelemetryProtocol)reader.GetInt32(2),
                LoginAt = Time(reader.GetDateTime(3)),
                RemoteEndpoint = reader.GetString(4),
                LoginSerial = reader.GetInt32(5),
                Iccid = reader.IsDBNull(6) ? null : reader.GetString(6),
                PackCodes = reader.IsDBNull(7) ? [] : reader.GetFieldValue<string[]>(7),
                LogoutAt = reader.IsDBNull(8) ? null : Time(reader.GetDateTime(8)),
                EndReason = reader.IsDBNull(9) ? null : reader.GetString(9),
            });
        }

        return sessions;
    }

    /// <summary>The newest sample (by sample time) of every vehicle that has one, with its detail; found through <c>vehicle_latest</c>.</summary>
    public async Task<IReadOnlyList<VehicleSample>> GetLatestSamplesAsync(CancellationToken cancellationToken = default)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT " + SampleSelect + """
            , s.detail, k.vin FROM vehicle_latest l
            JOIN vin_keys k ON k.id = l.vin_id
            JOIN samples s ON s.vin_id = l.vin_id AND s.sample_time = l.sample_time AND s.content_hash = l.content_hash
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var samples = new List<VehicleSample>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            samples.Add(ReadSample(reader, reader.GetString(VinOrdinal)));
        }

        return samples;
    }

    /// <summary>
    /// Samples with <c>From &lt;= SampleTime &lt; To</c>, ordered by (sample time, content hash), paged by that key: one index range
    /// scan of the primary key (vin key, sample time, hash) over the daily partitions the range touches, in partition order.
    /// </summary>
    public async Task<Page<VehicleSample>> GetSamplesAsync(SampleQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(query.Vin, nameof(query));
        var limit = PageLimit(query.Limit, nameof(query));
        var tag = query.Descending ? SampleDescendingCursorTag : SampleAscendingCursorTag;
        (long Time, long Hash)? cursor = query.Cursor is null ? null : PageCursor.DecodeInt64Pair(tag, query.Cursor);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var span = await FindSpansAsync(connection, query.Vin, cancellationToken).ConfigureAwait(false);
        if (span is not { FirstSample: { } first, LastSample: { } last })
        {
            return new Page<VehicleSample>([], null);
        }

        var (from, to) = Clamp(query.From, query.To, first, last, cursor?.Time, query.Descending);
        if (from >= to)
        {
            return new Page<VehicleSample>([], null);
        }

        var sql = new StringBuilder("SELECT ").Append(SampleSelect).Append(query.IncludeDetail ? ", s.detail" : ", NULL::bytea")
            .Append(" FROM samples s WHERE s.vin_id = @vin AND s.sample_time >= @from AND s.sample_time < @to");
        if (cursor is not null)
        {
            sql.Append(query.Descending
                ? " AND (s.sample_time, s.content_hash) < (@afterTime, @afterHash)"
                : " AND (s.sample_time, s.content_hash) > (@afterTime, @afterHash)");
        }

        sql.Append(query.Descending
            ? " ORDER BY s.sample_time DESC, s.content_hash DESC LIMIT @limit"
            : " ORDER BY s.sample_time, s.content_hash LIMIT @limit");
        await using var command = new NpgsqlCommand(sql.ToString(), connection);
        command.Parameters.AddWithValue("vin", span.Value.VinId);
        command.Parameters.AddWithValue("from", DbTicks(from));
        command.Parameters.AddWithValue("to", DbTicks(to));
        if (cursor is { } c)
        {
            command.Parameters.AddWithValue("afterTime", DbTicks(c.Time));
            command.Parameters.AddWithValue("afterHash", c.Hash);
        }

        command.Parameters.AddWithValue("limit", limit + 1);
        var items = new List<VehicleSample>(Math.Min(limit + 1, 1024));
        long lastTime = 0, lastHash = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (items.Count == limit)
            {
                return new Page<VehicleSample>(items, PageCursor.Encode(tag, lastTime, lastHash));
            }

            items.Add(ReadSample(reader, query.Vin));
            lastTime = reader.GetDateTime(0).Ticks;
            lastHash = reader.GetInt64(1);
        }

        return new Page<VehicleSample>(items, null);
    }

    /// <summary>Raw frames with <c>From &lt;= ReceivedAt &lt; To</c>, ordered by (receive time, bytes hash), paged by that key.</summary>
    public async Task<Page<RawFrame>> GetRawFramesAsync(RawFrameQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(query.Vin, nameof(query));
        var limit = PageLimit(query.Limit, nameof(query));
        (long Time, long Hash)? cursor = query.Cursor is null ? null : PageCursor.DecodeInt64Pair(RawFrameCursorTag, query.Cursor);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var span = await FindSpansAsync(connection, query.Vin, cancellationToken).ConfigureAwait(false);
        if (span is not { FirstFrame: { } first, LastFrame: { } last })
        {
            return new Page<RawFrame>([], null);
        }

        var (from, to) = Clamp(query.From, query.To, first, last, cursor?.Time, descending: false);
        if (from >= to)
        {
            return new Page<RawFrame>([], null);
        }

        var sql = "SELECT received_at, bytes_hash, protocol, command, sample_time, bytes FROM raw_frames"
            + " WHERE vin_id = @vin AND received_at >= @from AND received_at < @to"
            + (cursor is null ? "" : " AND (received_at, bytes_hash) > (@afterTime, @afterHash)")
            + " ORDER BY received_at, bytes_hash LIMIT @limit";
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("vin", span.Value.VinId);
        command.Parameters.AddWithValue("from", DbTicks(from));
        command.Parameters.AddWithValue("to", DbTicks(to));
        if (cursor is { } c)
        {
            command.Parameters.AddWithValue("afterTime", DbTicks(c.Time));
            command.Parameters.AddWithValue("afterHash", c.Hash);
        }

        command.Parameters.AddWithValue("limit", limit + 1);
        var items = new List<RawFrame>(Math.Min(limit + 1, 1024));
        long lastTime = 0, lastHash = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (items.Count == limit)
            {
                return new Page<RawFrame>(items, PageCursor.Encode(RawFrameCursorTag, lastTime, lastHash));
            }

            var received = reader.GetDateTime(0);
            lastTime = received.Ticks;
            lastHash = reader.GetInt64(1);
            items.Add(new RawFrame
            {
                Vin = query.Vin,
                ReceivedAt = Time(received),
                Protocol = (TelemetryProtocol)reader.GetInt32(2),
                Command = reader.GetInt32(3),
                SampleTime = reader.IsDBNull(4) ? null : DeviceTime.Of(Time(reader.GetDateTime(4))),
                Bytes = reader.GetFieldValue<byte[]>(5),
            });
        }

        return new Page<RawFrame>(items, null);
    }

    /// <summary>
    /// The half-open tick range to scan: the query's (rounded up to whole microseconds, as stored), narrowed to the data's span and to
    /// the cursor's side. Narrowing to the span keeps a vehicle's query off partitions that cannot hold its rows.
    /// </summary>
    private static (long From, long To) Clamp(DateTimeOffset from, DateTimeOffset to, long first, long last, long? cursorTime, bool descending)
    {
        var lo = Math.Max(CeilMicro(from.UtcTicks), first);
        var hi = Math.Min(CeilMicro(to.UtcTicks), last + 10);
        if (cursorTime is { } c)
        {
            if (descending)
            {
                hi = Math.Min(hi, c + 10);
            }
            else
            {
                lo = Math.Max(lo, c);
            }
        }

        return (lo, hi);
    }

    private static async Task<(long VinId, long? FirstSample, long? LastSample, long? FirstFrame, long? LastFrame)?> FindSpansAsync(
        NpgsqlConnection connection, string vin, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT k.id, l.first_sample_time, l.sample_time, l.first_frame_time, l.last_frame_time
            FROM vin_keys k LEFT JOIN vehicle_latest l ON l.vin_id = k.id WHERE k.vin = @vin
            """, connection);
        command.Parameters.AddWithValue("vin", vin);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        static long? Ticks(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetDateTime(i).Ticks;
        return (reader.GetInt64(0), Ticks(reader, 1), Ticks(reader, 2), Ticks(reader, 3), Ticks(reader, 4));
    }

    private static Vehicle ReadVehicle(NpgsqlDataReader reader) => new()
    {
        Vin = reader.GetString(0),
        Maker = reader.GetString(1),
        Model = reader.GetString(2),
        Class = (VehicleClass)reader.GetInt32(3),
        BatteryCapacityKwh = reader.GetDouble(4),
        Chemistry = (BatteryChemistry)reader.GetInt32(5),
        Plate = reader.IsDBNull(6) ? null : reader.GetString(6),
        AutoRegistered = reader.GetBoolean(7),
        RegisteredAt = Time(reader.GetDateTime(8)),
        TerminalPhone = reader.IsDBNull(9) ? null : reader.GetString(9),
    };

    private static VehicleSample ReadSample(NpgsqlDataReader r, string vin) => new()
    {
        Vin = vin,
        SampleTime = DeviceTime.Of(Time(r.GetDateTime(0))),
        ReceivedAt = Time(r.GetDateTime(2)),
        Protocol = (TelemetryProtocol)r.GetInt32(3),
        Kind = (ReportKind)r.GetInt32(4),
        VehicleState = r.IsDBNull(5) ? null : (VehicleRunState)r.GetInt32(5),
        Charging = r.IsDBNull(6) ? null : (ChargingState)r.GetInt32(6),
        Mode = r.IsDBNull(7) ? null : (RunMode)r.GetInt32(7),
        SpeedKmh = Double(r, 8),
        OdometerKm = Double(r, 9),
        PackVoltageV = Double(r, 10),
        PackCurrentA = Double(r, 11),
        SocPercent = Double(r, 12),
        DcDcWorking = r.IsDBNull(13) ? null : r.GetBoolean(13),
        Gear = r.IsDBNull(14) ? null : r.GetString(14),
        InsulationKohm = Double(r, 15),
        AcceleratorPercent = Double(r, 16),
        BrakePercent = Double(r, 17),
        Latitude = Double(r, 18),
        Longitude = Double(r, 19),
        PositionValid = r.GetBoolean(20),
        Coordinates = (CoordinateSystem)r.GetInt32(21),
        HeadingDegrees = Double(r, 22),
        AltitudeM = Double(r, 23),
        AlarmLevel = r.IsDBNull(24) ? null : r.GetInt32(24),
        AlarmFlags = unchecked((uint)r.GetInt64(25)),
        FaultCodes = r.IsDBNull(26) ? [] : r.GetFieldValue<string[]>(26),
        MaxCellVoltageV = Double(r, 27),
        MinCellVoltageV = Double(r, 28),
        MaxTemperatureC = Double(r, 29),
        MinTemperatureC = Double(r, 30),
        InvalidFields = (SampleField)r.GetInt64(31),
        AbnormalFields = (SampleField)r.GetInt64(32),
        Detail = r.IsDBNull(DetailOrdinal) ? null : SampleDetailCodec.Decode(r.GetFieldValue<byte[]>(DetailOrdinal)),
    };

    private static double? Double(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetDouble(ordinal);

    private static string EscapeLike(string text)
    {
        var escaped = new StringBuilder(text.Length + 4);
        foreach (var c in text)
        {
            if (c is '%' or '_' or '\\')
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }
}
