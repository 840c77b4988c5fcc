using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using NevHub.Domain;

namespace NevHub.Storage.Sqlite;

public sealed partial class SqliteVehicleStore
{
    private const byte VehicleCursorTag = (byte)'V';
    private const byte SampleAscendingCursorTag = (byte)'S';
    private const byte SampleDescendingCursorTag = (byte)'s';
    private const byte RawFrameCursorTag = (byte)'R';

    /// <summary>Sample columns in the order <see cref="ReadSample"/> reads them.</summary>
    private const string SampleSelect = """
        s.sample_time, s.content_hash, s.received_at, s.protocol, s.kind, s.vehicle_state, s.charging_state, s.run_mode,
        s.speed_kmh, s.odometer_km, s.pack_voltage_v, s.pack_current_a, s.soc_percent, s.dcdc_working, s.gear, s.insulation_kohm,
        s.accelerator_percent, s.brake_percent, s.latitude, s.longitude, s.position_valid, s.coordinates, s.heading_degrees,
        s.altitude_m, s.alarm_level, s.alarm_flags, s.fault_codes, s.max_cell_voltage_v, s.min_cell_voltage_v,
        s.max_temperature_c, s.min_temperature_c, s.invalid_mask, s.abnormal_mask
        """;

    private const int DetailOrdinal = 33;
    private const int VinOrdinal = 34;

    private const string SamplesAscending = "SELECT " + SampleSelect + """
        , NULL FROM samples s
        WHERE s.bucket = $bucket AND s.vin_id = $vin AND s.sample_time >= $from AND s.sample_time < $to AND (s.sample_time, s.content_hash) > ($afterTime, $afterHash)
        ORDER BY s.sample_time, s.content_hash LIMIT $limit
        """;

    private const string SamplesAscendingWithDetail = "SELECT " + SampleSelect + """
        , d.data FROM samples s LEFT JOIN sample_details d ON d.sample_id = s.id
        WHERE s.bucket = $bucket AND s.vin_id = $vin AND s.sample_time >= $from AND s.sample_time < $to AND (s.sample_time, s.content_hash) > ($afterTime, $afterHash)
        ORDER BY s.sample_time, s.content_hash LIMIT $limit
        """;

    private const string SamplesDescending = "SELECT " + SampleSelect + """
        , NULL FROM samples s
        WHERE s.bucket = $bucket AND s.vin_id = $vin AND s.sample_time >= $from AND s.sample_time < $to AND (s.sample_time, s.content_hash) < ($afterTime, $afterHash)
        ORDER BY s.sample_time DESC, s.content_hash DESC LIMIT $limit
        """;

    private const string SamplesDescendingWithDetail = "SELECT " + SampleSelect + """
        , d.data FROM samples s LEFT JOIN sample_details d ON d.sample_id = s.id
        WHERE s.bucket = $bucket AND s.vin_id = $vin AND s.sample_time >= $from AND s.sample_time < $to AND (s.sample_time, s.content_hash) < ($afterTime, $afterHash)
        ORDER BY s.sample_time DESC, s.content_hash DESC LIMIT $limit
        """;

    private const string LatestSamples = "SELECT " + SampleSelect + """
        , d.data, k.vin FROM vehicle_latest l
        JOIN samples s ON s.id = l.sample_id
        JOIN vin_keys k ON k.id = l.vin_id
        LEFT JOIN sample_details d ON d.sample_id = s.id
        """;

    private const string VehicleSelect =
        "SELECT vin, maker, model, class, battery_capacity_kwh, chemistry, plate, auto_registered, registered_at, terminal_phone FROM vehicles";

    private const string SessionSelect =
        "SELECT session_id, vin, protocol, login_at, remote_endpoint, login_serial, iccid, pack_codes, logout_at, end_reason FROM sessions";

    public async Task<Vehicle?> GetVehicleAsync(string vin, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vin);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        using var lease = RentReader();
        using var command = lease.Connection.CreateCommand();
        command.CommandText = VehicleSelect + " WHERE vin = $vin";
        command.Parameters.AddWithValue("$vin", vin);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadVehicle(reader) : null;
    }

    public async Task<Vehicle?> GetVehicleByTerminalAsync(string terminalPhone, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(terminalPhone);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        using var lease = RentReader();
        using var command = lease.Connection.CreateCommand();
        command.CommandText = VehicleSelect + " WHERE terminal_phone = $phone";
        command.Parameters.AddWithValue("$phone", TerminalPhoneNumber.Normalize(terminalPhone) ?? "");
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadVehicle(reader) : null;
    }

    /// <summary>Vehicles ordered by VIN (ordinal), filtered by tenant (makers), class and search text, paged by VIN.</summary>
    public async Task<Page<Vehicle>> ListVehiclesAsync(VehicleQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = PageLimit(query.Limit, nameof(query));
        var after = query.Cursor is null ? "" : PageCursor.DecodeString(VehicleCursorTag, query.Cursor);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        using var lease = RentReader();
        using var command = lease.Connection.CreateCommand();
        command.CommandText = VehicleSelect + """
             WHERE vin > $after
              AND ($makers IS NULL OR maker IN (SELECT value FROM json_each($makers)))
              AND ($class IS NULL OR class = $class)
              AND ($search IS NULL OR vin LIKE $search ESCAPE '\' OR model LIKE $search ESCAPE '\' OR plate LIKE $search ESCAPE '\')
            ORDER BY vin LIMIT $limit
            """;
        command.Parameters.AddWithValue("$after", after);
        command.Parameters.AddWithValue("$makers", query.Makers is null ? DBNull.Value : JsonSerializer.Serialize(query.Makers.ToArray()));
        command.Parameters.AddWithValue("$class", query.Class is { } vehicleClass ? (int)vehicleClass : DBNull.Value);
        command.Parameters.AddWithValue("$search", string.IsNullOrEmpty(query.Search) ? DBNull.Value : "%" + EscapeLike(query.Search) + "%");
        command.Parameters.AddWithValue("$limit", limit + 1);
        var items = new List<Vehicle>(Math.Min(limit + 1, 1024));
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
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

    /// <summary>The newest sessions of one vehicle first (by login time).</summary>
    public async Task<IReadOnlyList<VehicleSession>> ListSessionsAsync(string vin, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vin);
        limit = PageLimit(limit, nameof(limit));
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        using var lease = RentReader();
        using var command = lease.Connection.CreateCommand();
        command.CommandText = SessionSelect + " WHERE vin = $vin ORDER BY login_at DESC, session_id DESC LIMIT $limit";
        command.Parameters.AddWithValue("$vin", vin);
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        var sessions = new List<VehicleSession>();
        while (reader.Read())
        {
            sessions.Add(new VehicleSession
            {
                SessionId = reader.GetString(0),
                Vin = reader.GetString(1),
                Protocol = (TelemetryProtocol)reader.GetInt32(2),
                LoginAt = Time(reader.GetInt64(3)),
                RemoteEndpoint = reader.GetString(4),
                LoginSerial = reader.GetInt32(5),
                Iccid = reader.IsDBNull(6) ? null : reader.GetString(6),
                PackCodes = SplitList(reader.IsDBNull(7) ? null : reader.GetString(7)),
                LogoutAt = reader.IsDBNull(8) ? null : Time(reader.GetInt64(8)),
                EndReason = reader.IsDBNull(9) ? null : reader.GetString(9),
            });
        }

        return sessions;
    }

    /// <summary>The newest sample (by sample time) of every vehicle that has one, with its detail; read from <c>vehicle_latest</c>.</summary>
    public async Task<IReadOnlyList<VehicleSample>> GetLatestSamplesAsync(CancellationToken cancellationToken = default)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        using var lease = RentReader();
        using var command = lease.Connection.CreateCommand();
        command.CommandText = LatestSamples;
        using var reader = command.ExecuteReader();
        var samples = new List<VehicleSample>();
        while (reader.Read())
        {
            cancellationToken.ThrowIfCancellationRequested();
            samples.Add(ReadSample(reader, reader.GetString(VinOrdinal)));
        }

        return samples;
    }

    /// <summary>
    /// Samples with <c>From &lt;= SampleTime &lt; To</c>, ordered by (sample time, content hash), paged by that key. Walks the
    /// vehicle's one-minute key buckets in time order (clamped to the vehicle's first and last sample), one index seek each.
    /// </summary>
    public async Task<Page<VehicleSample>> GetSamplesAsync(SampleQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(query.Vin, nameof(query));
        var limit = PageLimit(query.Limit, nameof(query));
        var tag = query.Descending ? SampleDescendingCursorTag : SampleAscendingCursorTag;
        (long Time, long Hash)? cursor = query.Cursor is null ? null : PageCursor.DecodeInt64Pair(tag, query.Cursor);
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        using var lease = RentReader();
        var span = FindSpans(lease.Connection, query.Vin);
        if (span is not { FirstSample: { } first, LastSample: { } last })
        {
            return new Page<VehicleSample>([], null);
        }

        var (from, to) = Clamp(query.From, query.To, first, last, cursor?.Time, query.Descending);
        if (from >= to)
        {
            return new Page<VehicleSample>([], null);
        }

        using var command = lease.Connection.CreateCommand();
        command.CommandText = (query.Descending, query.IncludeDetail) switch
        {
            (false, false) => SamplesAscending,
            (false, true) => SamplesAscendingWithDetail,
            (true, false) => SamplesDescending,
            (true, true) => SamplesDescendingWithDetail,
        };
        var bucket = command.Parameters.AddWithValue("$bucket", 0L);
        command.Parameters.AddWithValue("$vin", span.Value.VinId);
        command.Parameters.AddWithValue("$from", from);
        command.Parameters.AddWithValue("$to", to);
        command.Parameters.AddWithValue("$afterTime", cursor?.Time ?? (query.Descending ? long.MaxValue : long.MinValue));
        command.Parameters.AddWithValue("$afterHash", cursor?.Hash ?? (query.Descending ? long.MaxValue : long.MinValue));
        var remaining = command.Parameters.AddWithValue("$limit", limit + 1);
        var items = new List<VehicleSample>(Math.Min(limit + 1, 1024));
        long lastTime = 0, lastHash = 0;
        foreach (var b in Buckets(lease.Connection, span.Value.VinId, SqliteMigrations.SampleDays, from, to, query.Descending))
        {
            cancellationToken.ThrowIfCancellationRequested();
            bucket.Value = b;
            remaining.Value = limit + 1 - items.Count;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                if (items.Count == limit)
                {
                    return new Page<VehicleSample>(items, PageCursor.Encode(tag, lastTime, lastHash));
                }

                items.Add(ReadSample(reader, query.Vin));
                lastTime = reader.GetInt64(0);
                lastHash = reader.GetInt64(1);
            }
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
        using var lease = RentReader();
        var span = FindSpans(lease.Connection, query.Vin);
        if (span is not { FirstFrame: { } first, LastFrame: { } last })
        {
            return new Page<RawFrame>([], null);
        }

        var (from, to) = Clamp(query.From, query.To, first, last, cursor?.Time, descending: false);
        if (from >= to)
        {
            return new Page<RawFrame>([], null);
        }

        using var command = lease.Connection.CreateCommand();
        command.CommandText = """
            SELECT received_at, bytes_hash, protocol, command, sample_time, bytes FROM raw_frames
            WHERE bucket = $bucket AND vin_id = $vin AND received_at >= $from AND received_at < $to
              AND (received_at, bytes_hash) > ($afterTime, $afterHash)
            ORDER BY received_at, bytes_hash LIMIT $limit
            """;
        var bucket = command.Parameters.AddWithValue("$bucket", 0L);
        command.Parameters.AddWithValue("$vin", span.Value.VinId);
        command.Parameters.AddWithValue("$from", from);
        command.Parameters.AddWithValue("$to", to);
        command.Parameters.AddWithValue("$afterTime", cursor?.Time ?? long.MinValue);
        command.Parameters.AddWithValue("$afterHash", cursor?.Hash ?? long.MinValue);
        var remaining = command.Parameters.AddWithValue("$limit", limit + 1);
        var items = new List<RawFrame>(Math.Min(limit + 1, 1024));
        long lastTime = 0, lastHash = 0;
        foreach (var b in Buckets(lease.Connection, span.Value.VinId, SqliteMigrations.FrameDays, from, to, descending: false))
        {
            cancellationToken.ThrowIfCancellationRequested();
            bucket.Value = b;
            remaining.Value = limit + 1 - items.Count;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                if (items.Count == limit)
                {
                    return new Page<RawFrame>(items, PageCursor.Encode(RawFrameCursorTag, lastTime, lastHash));
                }

                lastTime = reader.GetInt64(0);
                lastHash = reader.GetInt64(1);
                items.Add(new RawFrame
                {
                    Vin = query.Vin,
                    ReceivedAt = Time(lastTime),
                    Protocol = (TelemetryProtocol)reader.GetInt32(2),
                    Command = reader.GetInt32(3),
                    SampleTime = reader.IsDBNull(4) ? null : DeviceTime(reader.GetInt64(4)),
                    Bytes = reader.GetFieldValue<byte[]>(5),
                });
            }
        }

        return new Page<RawFrame>(items, null);
    }

    /// <summary>The half-open tick range to scan: the query's, narrowed to the data's span and to the cursor's side.</summary>
    private static (long From, long To) Clamp(
        DateTimeOffset from, DateTimeOffset to, long first, long last, long? cursorTime, bool descending)
    {
        var lo = Math.Max(Ticks(from), first);
        var hi = Math.Min(Ticks(to), last + 1);
        if (cursorTime is { } c)
        {
            if (descending)
            {
                hi = Math.Min(hi, c + 1);
            }
            else
            {
                lo = Math.Max(lo, c);
            }
        }

        return (lo, hi);
    }

    /// <summary>
    /// The minute buckets to visit for [from, to): only those of days the vehicle has data on (<c>vin_days</c>), so a vehicle whose
    /// clock once said 2000-01-01 does not make a query walk 26 years of empty minutes.
    /// </summary>
    private static IEnumerable<long> Buckets(SqliteConnection connection, long vinId, int kind, long from, long to, bool descending)
    {
        var days = new List<long>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = descending
                ? "SELECT day FROM vin_days WHERE vin_id = $vin AND kind = $kind AND day BETWEEN $first AND $last ORDER BY day DESC"
                : "SELECT day FROM vin_days WHERE vin_id = $vin AND kind = $kind AND day BETWEEN $first AND $last ORDER BY day";
            command.Parameters.AddWithValue("$vin", vinId);
            command.Parameters.AddWithValue("$kind", kind);
            command.Parameters.AddWithValue("$first", SqliteMigrations.Day(from));
            command.Parameters.AddWithValue("$last", SqliteMigrations.Day(to - 1));
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                days.Add(reader.GetInt64(0));
            }
        }

        var firstBucket = SqliteMigrations.Bucket(from);
        var lastBucket = SqliteMigrations.Bucket(to - 1);
        foreach (var day in days)
        {
            var start = Math.Max(firstBucket, day * SqliteMigrations.BucketsPerDay);
            var end = Math.Min(lastBucket, ((day + 1) * SqliteMigrations.BucketsPerDay) - 1);
            if (descending)
            {
                for (var b = end; b >= start; b--)
                {
                    yield return b;
                }
            }
            else
            {
                for (var b = start; b <= end; b++)
                {
                    yield return b;
                }
            }
        }
    }

    private static (long VinId, long? FirstSample, long? LastSample, long? FirstFrame, long? LastFrame)? FindSpans(
        SqliteConnection connection, string vin)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT k.id, l.first_sample_time, l.sample_time, l.first_frame_time, l.last_frame_time
            FROM vin_keys k LEFT JOIN vehicle_latest l ON l.vin_id = k.id WHERE k.vin = $vin
            """;
        command.Parameters.AddWithValue("$vin", vin);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        static long? Nullable(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);
        return (reader.GetInt64(0), Nullable(reader, 1), Nullable(reader, 2), Nullable(reader, 3), Nullable(reader, 4));
    }

    private static Vehicle ReadVehicle(SqliteDataReader reader) => new()
    {
        Vin = reader.GetString(0),
        Maker = reader.GetString(1),
        Model = reader.GetString(2),
        Class = (VehicleClass)reader.GetInt32(3),
        BatteryCapacityKwh = reader.GetDouble(4),
        Chemistry = (BatteryChemistry)reader.GetInt32(5),
        Plate = reader.IsDBNull(6) ? null : reader.GetString(6),
        AutoRegistered = reader.GetBoolean(7),
        RegisteredAt = Time(reader.GetInt64(8)),
        TerminalPhone = reader.IsDBNull(9) ? null : reader.GetString(9),
    };

    private static VehicleSample ReadSample(SqliteDataReader r, string vin) => new()
    {
        Vin = vin,
        SampleTime = DeviceTime(r.GetInt64(0)),
        ReceivedAt = Time(r.GetInt64(2)),
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
        DcDcWorking = r.IsDBNull(13) ? null : r.GetInt64(13) != 0,
        Gear = r.IsDBNull(14) ? null : r.GetString(14),
        InsulationKohm = Double(r, 15),
        AcceleratorPercent = Double(r, 16),
        BrakePercent = Double(r, 17),
        Latitude = Double(r, 18),
        Longitude = Double(r, 19),
        PositionValid = r.GetInt64(20) != 0,
        Coordinates = (CoordinateSystem)r.GetInt32(21),
        HeadingDegrees = Double(r, 22),
        AltitudeM = Double(r, 23),
        AlarmLevel = r.IsDBNull(24) ? null : r.GetInt32(24),
        AlarmFlags = unchecked((uint)r.GetInt64(25)),
        FaultCodes = SplitList(r.IsDBNull(26) ? null : r.GetString(26)),
        MaxCellVoltageV = Double(r, 27),
        MinCellVoltageV = Double(r, 28),
        MaxTemperatureC = Double(r, 29),
        MinTemperatureC = Double(r, 30),
        InvalidFields = (SampleField)r.GetInt64(31),
        AbnormalFields = (SampleField)r.GetInt64(32),
        Detail = r.IsDBNull(DetailOrdinal) ? null : SampleDetailCodec.Decode(r.GetFieldValue<byte[]>(DetailOrdinal)),
    };

    private static double? Double(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetDouble(ordinal);

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
