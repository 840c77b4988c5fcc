using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using NevHub.Domain;
using SQLitePCL;

namespace NevHub.Storage.Sqlite;

public sealed partial class SqliteVehicleStore
{
    /// <summary>Separator of list values (fault codes, pack codes) stored in one TEXT column: ASCII unit separator.</summary>
    private const char ListSeparator = '\u001F';

    private readonly Dictionary<string, long> _vinIds = new(StringComparer.Ordinal);
    private readonly List<string> _vinIdsAddedInTransaction = [];
    private readonly Dictionary<long, VinBatchStats> _vinStats = [];

    // (vin_id, kind) -> the last day noted in vin_days, so the directory is written once per vehicle per day, not per record.
    private readonly Dictionary<(long VinId, int Kind), long> _notedDays = [];

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

            if (vehicle.TerminalPhone is { } phone)
            {
                using var holder = _writer.CreateCommand();
                holder.Transaction = transaction;
                holder.CommandText = "SELECT vin FROM vehicles WHERE terminal_phone = $phone AND vin <> $vin";
                holder.Parameters.AddWithValue("$phone", phone);
                holder.Parameters.AddWithValue("$vin", vehicle.Vin);
                if (holder.ExecuteScalar() is string other)
                {
                    throw new TerminalPhoneConflictException(phone, vehicle.Vin, other);
                }
            }

            using var upsert = _writer.CreateCommand();
            upsert.Transaction = transaction;
            upsert.CommandText = """
                INSERT INTO vehicles (vin, maker, model, class, battery_capacity_kwh, chemistry, plate, auto_registered, registered_at, terminal_phone)
                VALUES ($vin, $maker, $model, $class, $capacity, $chemistry, $plate, $auto, $registered, $terminal)
                ON CONFLICT (vin) DO UPDATE SET
                    maker = excluded.maker, model = excluded.model, class = excluded.class,
                    battery_capacity_kwh = excluded.battery_capacity_kwh, chemistry = excluded.chemistry, plate = excluded.plate,
                    auto_registered = excluded.auto_registered, registered_at = excluded.registered_at,
                    terminal_phone = excluded.terminal_phone
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
            upsert.Parameters.AddWithValue("$terminal", (object?)vehicle.TerminalPhone ?? DBNull.Value);
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
    /// Walks the time-bucketed key indexes from the oldest bucket, in transactions of at most
    /// <see cref="SqliteStoreOptions.PurgeChunkSize"/> rows, releasing the write lock between them so group commits keep flowing.
    /// Returns samples + raw frames deleted.
    /// </summary>
    public async Task<long> PurgeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        var ticks = Ticks(cutoff);
        var removed = await PurgeTableAsync(
            """
            DELETE FROM samples WHERE id IN (
                SELECT id FROM samples WHERE bucket <= $bucket AND sample_time < $cutoff ORDER BY bucket LIMIT $limit)
            """,
            ticks,
            cancellationToken).ConfigureAwait(false);
        removed += await PurgeTableAsync(
            """
            DELETE FROM raw_frames WHERE id IN (
                SELECT id FROM raw_frames WHERE bucket <= $bucket AND received_at < $cutoff ORDER BY bucket LIMIT $limit)
            """,
            ticks,
            cancellationToken).ConfigureAwait(false);

        // Keep the per-vehicle spans and day directory true: nothing is left before the cutoff.
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _notedDays.Clear();
            using var transaction = _writer!.BeginTransaction(deferred: false);
            using var command = _writer.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                UPDATE vehicle_latest SET sample_id = NULL, sample_time = NULL, first_sample_time = NULL WHERE sample_time < $cutoff;
                UPDATE vehicle_latest SET first_sample_time = $cutoff WHERE first_sample_time < $cutoff;
                UPDATE vehicle_latest SET first_frame_time = NULL, last_frame_time = NULL WHERE last_frame_time < $cutoff;
                UPDATE vehicle_latest SET first_frame_time = $cutoff WHERE first_frame_time < $cutoff;
                DELETE FROM vehicle_latest WHERE sample_time IS NULL AND last_frame_time IS NULL;
                DELETE FROM vin_days WHERE day < $cutoffDay;
                """;
            command.Parameters.AddWithValue("$cutoffDay", SqliteMigrations.Day(ticks));
            command.Parameters.AddWithValue("$cutoff", ticks);
            command.ExecuteNonQuery();
            transaction.Commit();
        }
        finally
        {
            _writeLock.Release();
        }

        return removed;
    }

    private async Task<long> PurgeTableAsync(string deleteSql, long cutoff, CancellationToken cancellationToken)
    {
        long removed = 0;
        while (true)
        {
            int deleted;
            await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                using var transaction = _writer!.BeginTransaction(deferred: false);
                using var command = _writer.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = deleteSql;
                command.Parameters.AddWithValue("$bucket", SqliteMigrations.Bucket(cutoff));
                command.Parameters.AddWithValue("$cutoff", cutoff);
                command.Parameters.AddWithValue("$limit", _options.PurgeChunkSize);
                deleted = command.ExecuteNonQuery();
                transaction.Commit();
            }
            finally
            {
                _writeLock.Release();
            }

            removed += deleted;
            if (deleted < _options.PurgeChunkSize)
            {
                return removed;
            }
        }
    }

    /// <summary>Writes one batch in one transaction (caller holds the write lock).</summary>
    private WriteResult WriteBatch(IngestBatch batch)
    {
        var commands = _commands!;
        int samplesStored = 0, samplesDuplicate = 0, framesStored = 0, framesDuplicate = 0;
        _vinIdsAddedInTransaction.Clear();
        _vinStats.Clear();
        var transaction = _writer!.BeginTransaction(deferred: false);
        try
        {
            foreach (var sample in batch.Samples)
            {
                var vinId = VinId(sample.Vin, commands);
                if (commands.InsertSample(vinId, sample))
                {
                    var id = commands.LastInsertRowId;
                    if (sample.Detail is { } detail)
                    {
                        commands.InsertDetail(id, detail);
                    }

                    ref var stats = ref CollectionsMarshal.GetValueRefOrAddDefault(_vinStats, vinId, out _);
                    stats.AddSample(Ticks(sample.SampleTime), id);
                    NoteDay(vinId, SqliteMigrations.SampleDays, Ticks(sample.SampleTime), commands);
                    samplesStored++;
                }
                else
                {
                    samplesDuplicate++;
                }
            }

            foreach (var frame in batch.RawFrames)
            {
                var vinId = VinId(frame.Vin, commands);
                if (commands.InsertRawFrame(vinId, frame))
                {
                    ref var stats = ref CollectionsMarshal.GetValueRefOrAddDefault(_vinStats, vinId, out _);
                    stats.AddFrame(Ticks(frame.ReceivedAt));
                    NoteDay(vinId, SqliteMigrations.FrameDays, Ticks(frame.ReceivedAt), commands);
                    framesStored++;
                }
                else
                {
                    framesDuplicate++;
                }
            }

            foreach (var (vinId, stats) in _vinStats)
            {
                commands.UpdateVehicleSpan(vinId, stats);
            }

            transaction.Commit();
        }
        catch
        {
            // The VIN keys and day notes made in this transaction were rolled back with it.
            foreach (var vin in _vinIdsAddedInTransaction)
            {
                _vinIds.Remove(vin);
            }

            _notedDays.Clear();

            throw;
        }
        finally
        {
            transaction.Dispose();
        }

        return new WriteResult(samplesStored, samplesDuplicate, framesStored, framesDuplicate);
    }

    private void NoteDay(long vinId, int kind, long ticks, WriteCommands commands)
    {
        var day = SqliteMigrations.Day(ticks);
        ref var noted = ref CollectionsMarshal.GetValueRefOrAddDefault(_notedDays, (vinId, kind), out var exists);
        if (exists && noted == day)
        {
            return;
        }

        if (_notedDays.Count > _options.VinCacheSize * 2)
        {
            _notedDays.Clear();
        }

        commands.NoteDay(vinId, kind, day);
        _notedDays[(vinId, kind)] = day;
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

    /// <summary>
    /// The writer's prepared statements, created once on the writer connection and reused for every batch. They use the native
    /// API directly (bind by index, no boxing, no per-execution objects), which more than halves the cost of a batch compared
    /// with <see cref="SqliteCommand"/>; they run inside the connection's current transaction like any other statement.
    /// </summary>
    private sealed class WriteCommands : IDisposable
    {
        private const string InsertSampleSql = """
            INSERT OR IGNORE INTO samples (
                vin_id, sample_time, content_hash, received_at, protocol, kind, vehicle_state, charging_state, run_mode,
                speed_kmh, odometer_km, pack_voltage_v, pack_current_a, soc_percent, dcdc_working, gear, insulation_kohm,
                accelerator_percent, brake_percent, latitude, longitude, position_valid, coordinates, heading_degrees,
                altitude_m, alarm_level, alarm_flags, fault_codes, max_cell_voltage_v, min_cell_voltage_v,
                max_temperature_c, min_temperature_c, invalid_mask, abnormal_mask, bucket)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24,
                ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35)
            """;

        private readonly NativeStatement _insertSample;
        private readonly NativeStatement _insertDetail;
        private readonly NativeStatement _upsertLatest;
        private readonly NativeStatement _insertRaw;
        private readonly NativeStatement _insertVin;
        private readonly NativeStatement _selectVin;
        private readonly NativeStatement _noteDay;
        private readonly System.Buffers.ArrayBufferWriter<byte> _detailBuffer = new(1024);

        public WriteCommands(SqliteConnection connection)
        {
            _insertSample = new NativeStatement(connection, InsertSampleSql);
            _insertDetail = new NativeStatement(connection, "INSERT INTO sample_details (sample_id, data) VALUES (?1, ?2)");
            // The latest sample moves only forward in sample time; the spans only widen (min/max that ignore NULL).
            _upsertLatest = new NativeStatement(connection, """
                INSERT INTO vehicle_latest (vin_id, sample_time, sample_id, first_sample_time, first_frame_time, last_frame_time)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                ON CONFLICT (vin_id) DO UPDATE SET
                    sample_id = CASE WHEN excluded.sample_time > coalesce(vehicle_latest.sample_time, -1)
                        THEN excluded.sample_id ELSE vehicle_latest.sample_id END,
                    sample_time = CASE WHEN excluded.sample_time > coalesce(vehicle_latest.sample_time, -1)
                        THEN excluded.sample_time ELSE vehicle_latest.sample_time END,
                    first_sample_time = coalesce(min(vehicle_latest.first_sample_time, excluded.first_sample_time),
                        vehicle_latest.first_sample_time, excluded.first_sample_time),
                    first_frame_time = coalesce(min(vehicle_latest.first_frame_time, excluded.first_frame_time),
                        vehicle_latest.first_frame_time, excluded.first_frame_time),
                    last_frame_time = coalesce(max(vehicle_latest.last_frame_time, excluded.last_frame_time),
                        vehicle_latest.last_frame_time, excluded.last_frame_time)
                """);
            _insertRaw = new NativeStatement(connection, """
                INSERT OR IGNORE INTO raw_frames (vin_id, received_at, bytes_hash, protocol, command, sample_time, bytes, bucket)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                """);
            _insertVin = new NativeStatement(connection, "INSERT OR IGNORE INTO vin_keys (vin) VALUES (?1)");
            _selectVin = new NativeStatement(connection, "SELECT id FROM vin_keys WHERE vin = ?1");
            _noteDay = new NativeStatement(connection, "INSERT OR IGNORE INTO vin_days (vin_id, kind, day) VALUES (?1, ?2, ?3)");
        }

        public void NoteDay(long vinId, int kind, long day)
        {
            _noteDay.Bind(1, vinId);
            _noteDay.Bind(2, (long)kind);
            _noteDay.Bind(3, day);
            _noteDay.Execute();
        }

        public long GetOrCreateVinId(string vin)
        {
            _insertVin.Bind(1, vin);
            _insertVin.Execute();
            _selectVin.Bind(1, vin);
            return _selectVin.ExecuteScalarInt64() ?? throw new InvalidOperationException("The VIN key vanished inside its transaction.");
        }

        /// <summary>Inserts the sample unless its key exists; true when stored (its rowid is then <see cref="LastInsertRowId"/>).</summary>
        public bool InsertSample(long vinId, VehicleSample s)
        {
            var p = _insertSample;
            p.Bind(1, vinId);
            p.Bind(2, Ticks(s.SampleTime));
            p.Bind(3, SampleContentHash.Compute(s));
            p.Bind(4, Ticks(s.ReceivedAt));
            p.Bind(5, (long)s.Protocol);
            p.Bind(6, (long)s.Kind);
            p.Bind(7, (long?)s.VehicleState);
            p.Bind(8, (long?)s.Charging);
            p.Bind(9, (long?)s.Mode);
            p.Bind(10, s.SpeedKmh);
            p.Bind(11, s.OdometerKm);
            p.Bind(12, s.PackVoltageV);
            p.Bind(13, s.PackCurrentA);
            p.Bind(14, s.SocPercent);
            p.Bind(15, s.DcDcWorking is { } dc ? (dc ? 1L : 0L) : null);
            p.Bind(16, s.Gear);
            p.Bind(17, s.InsulationKohm);
            p.Bind(18, s.AcceleratorPercent);
            p.Bind(19, s.BrakePercent);
            p.Bind(20, s.Latitude);
            p.Bind(21, s.Longitude);
            p.Bind(22, s.PositionValid ? 1L : 0L);
            p.Bind(23, (long)s.Coordinates);
            p.Bind(24, s.HeadingDegrees);
            p.Bind(25, s.AltitudeM);
            p.Bind(26, (long?)s.AlarmLevel);
            p.Bind(27, (long)s.AlarmFlags);
            p.Bind(28, s.FaultCodes is null || s.FaultCodes.Count == 0 ? null : string.Join(ListSeparator, s.FaultCodes));
            p.Bind(29, s.MaxCellVoltageV);
            p.Bind(30, s.MinCellVoltageV);
            p.Bind(31, s.MaxTemperatureC);
            p.Bind(32, s.MinTemperatureC);
            p.Bind(33, (long)s.InvalidFields);
            p.Bind(34, (long)s.AbnormalFields);
            p.Bind(35, SqliteMigrations.Bucket(Ticks(s.SampleTime)));
            return p.Execute() == 1;
        }

        public long LastInsertRowId => _insertSample.LastInsertRowId;

        public void InsertDetail(long sampleId, SampleDetail detail)
        {
            _detailBuffer.ResetWrittenCount();
            SampleDetailCodec.Encode(detail, _detailBuffer);
            _insertDetail.Bind(1, sampleId);
            _insertDetail.Bind(2, _detailBuffer.WrittenSpan);
            _insertDetail.Execute();
        }

        public void UpdateVehicleSpan(long vinId, in VinBatchStats stats)
        {
            var p = _upsertLatest;
            p.Bind(1, vinId);
            p.Bind(2, stats.HasSample ? (long?)stats.NewestSampleTime : null);
            p.Bind(3, stats.HasSample ? (long?)stats.NewestSampleId : null);
            p.Bind(4, stats.HasSample ? (long?)stats.FirstSampleTime : null);
            p.Bind(5, stats.HasFrame ? (long?)stats.FirstFrameTime : null);
            p.Bind(6, stats.HasFrame ? (long?)stats.LastFrameTime : null);
            p.Execute();
        }

        public bool InsertRawFrame(long vinId, RawFrame frame)
        {
            var bytes = frame.Bytes.Span;
            var p = _insertRaw;
            p.Bind(1, vinId);
            p.Bind(2, Ticks(frame.ReceivedAt));
            p.Bind(3, SampleContentHash.Compute(bytes));
            p.Bind(4, (long)frame.Protocol);
            p.Bind(5, (long)frame.Command);
            p.Bind(6, frame.SampleTime is { } t ? Ticks(t) : null);
            p.Bind(7, bytes);
            p.Bind(8, SqliteMigrations.Bucket(Ticks(frame.ReceivedAt)));
            return p.Execute() == 1;
        }

        public void Dispose()
        {
            _insertSample.Dispose();
            _insertDetail.Dispose();
            _upsertLatest.Dispose();
            _insertRaw.Dispose();
            _insertVin.Dispose();
            _selectVin.Dispose();
            _noteDay.Dispose();
        }
    }

    /// <summary>What one batch stored for one vehicle: its newest sample and the time spans of its samples and frames.</summary>
    private struct VinBatchStats
    {
        public bool HasSample;
        public long NewestSampleTime;
        public long NewestSampleId;
        public long FirstSampleTime;
        public bool HasFrame;
        public long FirstFrameTime;
        public long LastFrameTime;

        public void AddSample(long time, long id)
        {
            if (!HasSample || time > NewestSampleTime)
            {
                NewestSampleTime = time;
                NewestSampleId = id;
            }

            FirstSampleTime = HasSample ? Math.Min(FirstSampleTime, time) : time;
            HasSample = true;
        }

        public void AddFrame(long time)
        {
            FirstFrameTime = HasFrame ? Math.Min(FirstFrameTime, time) : time;
            LastFrameTime = HasFrame ? Math.Max(LastFrameTime, time) : time;
            HasFrame = true;
        }
    }
}
