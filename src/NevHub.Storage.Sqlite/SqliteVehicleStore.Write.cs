using Microsoft.Data.Sqlite;
using NevHub.Domain;

namespace NevHub.Storage.Sqlite;

public sealed partial class SqliteVehicleStore
{
    /// <summary>Separator of list values (fault codes, pack codes) stored in one TEXT column: ASCII unit separator.</summary>
    private const char ListSeparator = '\u001F';

    private readonly Dictionary<string, long> _vinIds = new(StringComparer.Ordinal);
    private readonly List<string> _vinIdsAddedInTransaction = [];
    private readonly Dictionary<long, (long Time, long Id)> _newestInBatch = [];

    public async Task<WriteResult> WriteAsync(IngestBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        foreach (var sample in batch.Samples)
        {
            ArgumentNullException.ThrowIfNull(sample, nameof(batch));
            ArgumentException.ThrowIfNullOrEmpty(sample.Vin, nameof(batch));
        }

        foreach (var frame in batch.RawFrames)
        {
            ArgumentNullException.ThrowIfNull(frame, nameof(batch));
            ArgumentException.ThrowIfNullOrEmpty(frame.Vin, nameof(batch));
        }

        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        if (batch.Count == 0)
        {
            return default;
        }

        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return WriteBatch(batch);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task<bool> UpsertVehicleAsync(Vehicle vehicle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vehicle);
        ArgumentException.ThrowIfNullOrEmpty(vehicle.Vin, nameof(vehicle));
        ArgumentNullException.ThrowIfNull(vehicle.Maker, nameof(vehicle));
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var transaction = _writer!.BeginTransaction(deferred: false);
            using var exists = _writer.CreateCommand();
            exists.Transaction = transaction;
            exists.CommandText = "SELECT 1 FROM vehicles WHERE vin = $vin";
            exists.Parameters.AddWithValue("$vin", vehicle.Vin);
            var isNew = exists.ExecuteScalar() is null;

            using var upsert = _writer.CreateCommand();
            upsert.Transaction = transaction;
            upsert.CommandText = """
                INSERT INTO vehicles (vin, maker, model, class, battery_capacity_kwh, chemistry, plate, auto_registered, registered_at)
                VALUES ($vin, $maker, $model, $class, $capacity, $chemistry, $plate, $auto, $registered)
                ON CONFLICT (vin) DO UPDATE SET
                    maker = excluded.maker, model = excluded.model, class = excluded.class,
                    battery_capacity_kwh = excluded.battery_capacity_kwh, chemistry = excluded.chemistry, plate = excluded.plate,
                    auto_registered = excluded.auto_registered, registered_at = excluded.registered_at
                """;
            upsert.Parameters.AddWithValue("$vin", vehicle.Vin);
            upsert.Parameters.AddWithValue("$maker", vehicle.Maker);
            upsert.Parameters.AddWithValue("$model", vehicle.Model ?? "");
            upsert.Parameters.AddWithValue("$class", (int)vehicle.Class);
            upsert.Parameters.AddWithValue("$capacity", vehicle.BatteryCapacityKwh);
            upsert.Parameters.AddWithValue("$chemistry", (int)vehicle.Chemistry);
            upsert.Parameters.AddWithValue("$plate", (object?)vehicle.Plate ?? DBNull.Value);
            upsert.Parameters.AddWithValue("$auto", vehicle.AutoRegistered);
            upsert.Parameters.AddWithValue("$registered", Ticks(vehicle.RegisteredAt));
            upsert.ExecuteNonQuery();
            transaction.Commit();
            return isNew;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task SaveSessionAsync(VehicleSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentException.ThrowIfNullOrEmpty(session.SessionId, nameof(session));
        ArgumentException.ThrowIfNullOrEmpty(session.Vin, nameof(session));
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var upsert = _writer!.CreateCommand();
            upsert.CommandText = """
                INSERT INTO sessions (session_id, vin, protocol, login_at, remote_endpoint, login_serial, iccid, pack_codes, logout_at, end_reason)
                VALUES ($id, $vin, $protocol, $login, $remote, $serial, $iccid, $packs, $logout, $reason)
                ON CONFLICT (session_id) DO UPDATE SET
                    vin = excluded.vin, protocol = excluded.protocol, login_at = excluded.login_at,
                    remote_endpoint = excluded.remote_endpoint, login_serial = excluded.login_serial, iccid = excluded.iccid,
                    pack_codes = excluded.pack_codes, logout_at = excluded.logout_at, end_reason = excluded.end_reason
                """;
            upsert.Parameters.AddWithValue("$id", session.SessionId);
            upsert.Parameters.AddWithValue("$vin", session.Vin);
            upsert.Parameters.AddWithValue("$protocol", (int)session.Protocol);
            upsert.Parameters.AddWithValue("$login", Ticks(session.LoginAt));
            upsert.Parameters.AddWithValue("$remote", session.RemoteEndpoint ?? "");
            upsert.Parameters.AddWithValue("$serial", session.LoginSerial);
            upsert.Parameters.AddWithValue("$iccid", (object?)session.Iccid ?? DBNull.Value);
            upsert.Parameters.AddWithValue("$packs", JoinList(session.PackCodes));
            upsert.Parameters.AddWithValue("$logout", session.LogoutAt is { } logout ? Ticks(logout) : DBNull.Value);
            upsert.Parameters.AddWithValue("$reason", (object?)session.EndReason ?? DBNull.Value);
            upsert.ExecuteNonQuery();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Deletes samples (with their detail) whose sample time, and raw frames whose receive time, is before <paramref name="cutoff"/>.
    /// Works vehicle by vehicle through the key indexes, in transactions of at most <see cref="SqliteStoreOptions.PurgeChunkSize"/>
    /// rows, releasing the write lock between them so group commits keep flowing. Returns samples + raw frames deleted.
    /// </summary>
    public async Task<long> PurgeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        var vinIds = new List<long>();
        using (var lease = RentReader())
        using (var command = lease.Connection.CreateCommand())
        {
            command.CommandText = "SELECT id FROM vin_keys ORDER BY id";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                vinIds.Add(reader.GetInt64(0));
            }
        }

        var removed = await PurgeTableAsync(
            "DELETE FROM samples WHERE id IN (SELECT id FROM samples WHERE vin_id = $vin AND sample_time < $cutoff ORDER BY sample_time LIMIT $limit)",
            vinIds,
            Ticks(cutoff),
            cancellationToken).ConfigureAwait(false);
        removed += await PurgeTableAsync(
            "DELETE FROM raw_frames WHERE id IN (SELECT id FROM raw_frames WHERE vin_id = $vin AND received_at < $cutoff ORDER BY received_at LIMIT $limit)",
            vinIds,
            Ticks(cutoff),
            cancellationToken).ConfigureAwait(false);

        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var command = _writer!.CreateCommand();
            command.CommandText = "DELETE FROM vehicle_latest WHERE sample_time < $cutoff";
            command.Parameters.AddWithValue("$cutoff", Ticks(cutoff));
            command.ExecuteNonQuery();
        }
        finally
        {
            _writeLock.Release();
        }

        return removed;
    }

    private async Task<long> PurgeTableAsync(string deleteSql, List<long> vinIds, long cutoff, CancellationToken cancellationToken)
    {
        long removed = 0;
        var next = 0;
        while (next < vinIds.Count)
        {
            await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                using var transaction = _writer!.BeginTransaction(deferred: false);
                using var command = _writer.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = deleteSql;
                var vin = command.Parameters.Add("$vin", SqliteType.Integer);
                command.Parameters.AddWithValue("$cutoff", cutoff);
                var limit = command.Parameters.Add("$limit", SqliteType.Integer);
                var budget = _options.PurgeChunkSize;
                for (var probes = 0; next < vinIds.Count && budget > 0 && probes < 1024; probes++)
                {
                    vin.Value = vinIds[next];
                    limit.Value = budget;
                    var deleted = command.ExecuteNonQuery();
                    removed += deleted;
                    if (deleted < budget)
                    {
                        next++; // this vehicle has nothing older left
                    }

                    budget -= deleted;
                }

                transaction.Commit();
            }
            finally
            {
                _writeLock.Release();
            }
        }

        return removed;
    }

    /// <summary>Writes one batch in one transaction (caller holds the write lock).</summary>
    private WriteResult WriteBatch(IngestBatch batch)
    {
        var commands = _commands!;
        int samplesStored = 0, samplesDuplicate = 0, framesStored = 0, framesDuplicate = 0;
        _vinIdsAddedInTransaction.Clear();
        _newestInBatch.Clear();
        var transaction = _writer!.BeginTransaction(deferred: false);
        try
        {
            commands.Enlist(transaction);
            foreach (var sample in batch.Samples)
            {
                var vinId = VinId(sample.Vin, commands);
                if (commands.InsertSample(vinId, sample))
                {
                    var id = SQLitePCL.raw.sqlite3_last_insert_rowid(_writer.Handle);
                    if (sample.Detail is { } detail)
                    {
                        commands.InsertDetail(id, detail);
                    }

                    var time = Ticks(sample.SampleTime);
                    if (!_newestInBatch.TryGetValue(vinId, out var newest) || time > newest.Time)
                    {
                        _newestInBatch[vinId] = (time, id);
                    }

                    samplesStored++;
                }
                else
                {
                    samplesDuplicate++;
                }
            }

            foreach (var (vinId, newest) in _newestInBatch)
            {
                commands.UpsertLatest(vinId, newest.Time, newest.Id);
            }

            foreach (var frame in batch.RawFrames)
            {
                if (commands.InsertRawFrame(VinId(frame.Vin, commands), frame))
                {
                    framesStored++;
                }
                else
                {
                    framesDuplicate++;
                }
            }

            transaction.Commit();
        }
        catch
        {
            // The VIN keys created in this transaction were rolled back with it.
            foreach (var vin in _vinIdsAddedInTransaction)
            {
                _vinIds.Remove(vin);
            }

            throw;
        }
        finally
        {
            commands.Enlist(null);
            transaction.Dispose();
        }

        return new WriteResult(samplesStored, samplesDuplicate, framesStored, framesDuplicate);
    }

    private long VinId(string vin, WriteCommands commands)
    {
        if (_vinIds.TryGetValue(vin, out var id))
        {
            return id;
        }

        id = commands.GetOrCreateVinId(vin);
        if (_vinIds.Count >= _options.VinCacheSize)
        {
            _vinIds.Clear();
            _vinIdsAddedInTransaction.Clear();
        }

        _vinIds.Add(vin, id);
        _vinIdsAddedInTransaction.Add(vin);
        return id;
    }

    private static object JoinList(IReadOnlyList<string> values) =>
        values is null || values.Count == 0 ? DBNull.Value : string.Join(ListSeparator, values);

    private static string[] SplitList(string? value) =>
        value is null ? [] : value.Split(ListSeparator);

    /// <summary>The writer's prepared statements, reused for every batch.</summary>
    private sealed class WriteCommands : IDisposable
    {
        private static readonly string[] SampleColumns =
        [
            "vin_id", "sample_time", "content_hash", "received_at", "protocol", "kind", "vehicle_state", "charging_state", "run_mode",
            "speed_kmh", "odometer_km", "pack_voltage_v", "pack_current_a", "soc_percent", "dcdc_working", "gear", "insulation_kohm",
            "accelerator_percent", "brake_percent", "latitude", "longitude", "position_valid", "coordinates", "heading_degrees",
            "altitude_m", "alarm_level", "alarm_flags", "fault_codes", "max_cell_voltage_v", "min_cell_voltage_v",
            "max_temperature_c", "min_temperature_c", "invalid_mask", "abnormal_mask",
        ];

        private readonly SqliteCommand _insertSample;
        private readonly SqliteParameter[] _sample;
        private readonly SqliteCommand _insertDetail;
        private readonly SqliteParameter _detailId;
        private readonly SqliteParameter _detailData;
        private readonly SqliteCommand _upsertLatest;
        private readonly SqliteParameter _latestVin;
        private readonly SqliteParameter _latestTime;
        private readonly SqliteParameter _latestId;
        private readonly SqliteCommand _insertRaw;
        private readonly SqliteParameter[] _raw;
        private readonly SqliteCommand _insertVin;
        private readonly SqliteParameter _insertVinValue;
        private readonly SqliteCommand _selectVin;
        private readonly SqliteParameter _selectVinValue;
        private readonly System.Buffers.ArrayBufferWriter<byte> _detailBuffer = new(1024);

        public WriteCommands(SqliteConnection connection)
        {
            (_insertSample, _sample) = Create(
                connection,
                "INSERT OR IGNORE INTO samples (" + string.Join(", ", SampleColumns) + ") VALUES ("
                    + string.Join(", ", SampleColumns.Select((_, i) => "$p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)))
                    + ")",
                SampleColumns.Length);
            (_insertDetail, var detail) = Create(connection, "INSERT INTO sample_details (sample_id, data) VALUES ($p0, $p1)", 2);
            (_detailId, _detailData) = (detail[0], detail[1]);
            (_upsertLatest, var latest) = Create(
                connection,
                """
                INSERT INTO vehicle_latest (vin_id, sample_time, sample_id) VALUES ($p0, $p1, $p2)
                ON CONFLICT (vin_id) DO UPDATE SET sample_time = excluded.sample_time, sample_id = excluded.sample_id
                WHERE excluded.sample_time > vehicle_latest.sample_time
                """,
                3);
            (_latestVin, _latestTime, _latestId) = (latest[0], latest[1], latest[2]);
            (_insertRaw, _raw) = Create(
                connection,
                """
                INSERT OR IGNORE INTO raw_frames (vin_id, received_at, bytes_hash, protocol, command, sample_time, bytes)
                VALUES ($p0, $p1, $p2, $p3, $p4, $p5, $p6)
                """,
                7);
            (_insertVin, var insertVin) = Create(connection, "INSERT OR IGNORE INTO vin_keys (vin) VALUES ($p0)", 1);
            _insertVinValue = insertVin[0];
            (_selectVin, var selectVin) = Create(connection, "SELECT id FROM vin_keys WHERE vin = $p0", 1);
            _selectVinValue = selectVin[0];
        }

        public void Enlist(SqliteTransaction? transaction)
        {
            _insertSample.Transaction = transaction;
            _insertDetail.Transaction = transaction;
            _upsertLatest.Transaction = transaction;
            _insertRaw.Transaction = transaction;
            _insertVin.Transaction = transaction;
            _selectVin.Transaction = transaction;
        }

        public long GetOrCreateVinId(string vin)
        {
            _insertVinValue.Value = vin;
            _insertVin.ExecuteNonQuery();
            _selectVinValue.Value = vin;
            return (long)_selectVin.ExecuteScalar()!;
        }

        /// <summary>Inserts the sample unless its key exists; true when stored.</summary>
        public bool InsertSample(long vinId, VehicleSample s)
        {
            var p = _sample;
            p[0].Value = vinId;
            p[1].Value = Ticks(s.SampleTime);
            p[2].Value = SampleContentHash.Compute(s);
            p[3].Value = Ticks(s.ReceivedAt);
            p[4].Value = (int)s.Protocol;
            p[5].Value = (int)s.Kind;
            p[6].Value = s.VehicleState is { } vs ? (int)vs : DBNull.Value;
            p[7].Value = s.Charging is { } cs ? (int)cs : DBNull.Value;
            p[8].Value = s.Mode is { } rm ? (int)rm : DBNull.Value;
            p[9].Value = Value(s.SpeedKmh);
            p[10].Value = Value(s.OdometerKm);
            p[11].Value = Value(s.PackVoltageV);
            p[12].Value = Value(s.PackCurrentA);
            p[13].Value = Value(s.SocPercent);
            p[14].Value = s.DcDcWorking is { } dc ? (dc ? 1 : 0) : DBNull.Value;
            p[15].Value = (object?)s.Gear ?? DBNull.Value;
            p[16].Value = Value(s.InsulationKohm);
            p[17].Value = Value(s.AcceleratorPercent);
            p[18].Value = Value(s.BrakePercent);
            p[19].Value = Value(s.Latitude);
            p[20].Value = Value(s.Longitude);
            p[21].Value = s.PositionValid ? 1 : 0;
            p[22].Value = (int)s.Coordinates;
            p[23].Value = Value(s.HeadingDegrees);
            p[24].Value = Value(s.AltitudeM);
            p[25].Value = s.AlarmLevel is { } level ? level : DBNull.Value;
            p[26].Value = (long)s.AlarmFlags;
            p[27].Value = JoinList(s.FaultCodes);
            p[28].Value = Value(s.MaxCellVoltageV);
            p[29].Value = Value(s.MinCellVoltageV);
            p[30].Value = Value(s.MaxTemperatureC);
            p[31].Value = Value(s.MinTemperatureC);
            p[32].Value = (long)s.InvalidFields;
            p[33].Value = (long)s.AbnormalFields;
            return _insertSample.ExecuteNonQuery() == 1;
        }

        public void InsertDetail(long sampleId, SampleDetail detail)
        {
            _detailBuffer.ResetWrittenCount();
            SampleDetailCodec.Encode(detail, _detailBuffer);
            _detailId.Value = sampleId;
            _detailData.Value = _detailBuffer.WrittenSpan.ToArray();
            _insertDetail.ExecuteNonQuery();
        }

        public void UpsertLatest(long vinId, long sampleTime, long sampleId)
        {
            _latestVin.Value = vinId;
            _latestTime.Value = sampleTime;
            _latestId.Value = sampleId;
            _upsertLatest.ExecuteNonQuery();
        }

        public bool InsertRawFrame(long vinId, RawFrame frame)
        {
            var bytes = frame.Bytes.Span;
            var p = _raw;
            p[0].Value = vinId;
            p[1].Value = Ticks(frame.ReceivedAt);
            p[2].Value = SampleContentHash.Compute(bytes);
            p[3].Value = (int)frame.Protocol;
            p[4].Value = frame.Command;
            p[5].Value = frame.SampleTime is { } t ? Ticks(t) : DBNull.Value;
            p[6].Value = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(frame.Bytes, out var segment)
                && segment.Offset == 0 && segment.Count == segment.Array!.Length
                    ? segment.Array
                    : bytes.ToArray();
            return _insertRaw.ExecuteNonQuery() == 1;
        }

        public void Dispose()
        {
            _insertSample.Dispose();
            _insertDetail.Dispose();
            _upsertLatest.Dispose();
            _insertRaw.Dispose();
            _insertVin.Dispose();
            _selectVin.Dispose();
        }

        private static object Value(double? value) => value is { } v ? v : DBNull.Value;

        private static (SqliteCommand Command, SqliteParameter[] Parameters) Create(SqliteConnection connection, string sql, int parameters)
        {
            var command = connection.CreateCommand();
            command.CommandText = sql;
            var list = new SqliteParameter[parameters];
            for (var i = 0; i < parameters; i++)
            {
                // No explicit SqliteType: the binding follows each value's CLR type (long, double, string, byte[], null).
                list[i] = command.Parameters.AddWithValue("$p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), DBNull.Value);
            }

            command.Prepare();
            return (command, list);
        }
    }
}
