using System.Buffers;
using System.Globalization;
using NevHub.Domain;
using Npgsql;
using NpgsqlTypes;

namespace NevHub.Storage.Postgres;

public sealed partial class PostgresVehicleStore
{
    private const string SampleColumns = """
        vin_id, sample_time, content_hash, received_at, protocol, kind, vehicle_state, charging_state, run_mode,
        speed_kmh, odometer_km, pack_voltage_v, pack_current_a, soc_percent, dcdc_working, gear, insulation_kohm,
        accelerator_percent, brake_percent, latitude, longitude, position_valid, coordinates, heading_degrees,
        altitude_m, alarm_level, alarm_flags, fault_codes, max_cell_voltage_v, min_cell_voltage_v,
        max_temperature_c, min_temperature_c, invalid_mask, abnormal_mask, detail
        """;

    private const string FrameColumns = "vin_id, received_at, bytes_hash, protocol, command, sample_time, bytes";

    /// <summary>
    /// Moves staged samples into <c>samples</c> (duplicates of stored keys skipped; within a batch the first wins) and moves each
    /// vehicle's latest sample forward, only ever to a later sample time. Returns the samples stored.
    /// </summary>
    private const string MergeSamples = "WITH ins AS (INSERT INTO samples (" + SampleColumns + ") SELECT " + SampleColumns + """
         FROM staging_samples ORDER BY ord
            ON CONFLICT DO NOTHING
            RETURNING vin_id, sample_time, content_hash),
        newest AS (
            SELECT DISTINCT ON (i.vin_id) i.vin_id, i.sample_time, i.content_hash
            FROM ins i JOIN staging_samples s USING (vin_id, sample_time, content_hash)
            ORDER BY i.vin_id, i.sample_time DESC, s.ord),
        firsts AS (SELECT vin_id, min(sample_time) AS first_time FROM ins GROUP BY vin_id),
        up AS (
            INSERT INTO vehicle_latest AS l (vin_id, sample_time, content_hash, first_sample_time)
            SELECT n.vin_id, n.sample_time, n.content_hash, f.first_time FROM newest n JOIN firsts f USING (vin_id)
            ON CONFLICT (vin_id) DO UPDATE SET
                sample_time = CASE WHEN l.sample_time IS NULL OR excluded.sample_time > l.sample_time
                    THEN excluded.sample_time ELSE l.sample_time END,
                content_hash = CASE WHEN l.sample_time IS NULL OR excluded.sample_time > l.sample_time
                    THEN excluded.content_hash ELSE l.content_hash END,
                first_sample_time = LEAST(l.first_sample_time, excluded.first_sample_time))
        SELECT count(*) FROM ins
        """;

    private const string MergeFrames = "WITH ins AS (INSERT INTO raw_frames (" + FrameColumns + ") SELECT " + FrameColumns + """
         FROM staging_frames ORDER BY ord
            ON CONFLICT DO NOTHING
            RETURNING vin_id, received_at),
        spans AS (SELECT vin_id, min(received_at) AS first_time, max(received_at) AS last_time FROM ins GROUP BY vin_id),
        up AS (
            INSERT INTO vehicle_latest AS l (vin_id, first_frame_time, last_frame_time)
            SELECT vin_id, first_time, last_time FROM spans
            ON CONFLICT (vin_id) DO UPDATE SET
                first_frame_time = LEAST(l.first_frame_time, excluded.first_frame_time),
                last_frame_time = GREATEST(l.last_frame_time, excluded.last_frame_time))
        SELECT count(*) FROM ins
        """;

    private readonly Dictionary<string, long> _vinIds = new(StringComparer.Ordinal);
    private readonly ArrayBufferWriter<byte> _detailBuffer = new(1024);
    private NpgsqlConnection? _writer;

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
            try
            {
                return await WriteBatchAsync(batch, cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.CheckViolation && ex.Message.Contains("no partition", StringComparison.Ordinal))
            {
                // Another node dropped a partition this one believed in (retention): forget what we knew and try once more.
                _partitions.Clear();
                _partitionsAheadFrom = long.MinValue;
                return await WriteBatchAsync(batch, cancellationToken).ConfigureAwait(false);
            }
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
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (vehicle.TerminalPhone is { } phone)
        {
            await ThrowIfPhoneTakenAsync(connection, transaction, phone, vehicle.Vin, cancellationToken).ConfigureAwait(false);
        }

        await using var upsert = new NpgsqlCommand("""
            INSERT INTO vehicles (vin, maker, model, class, battery_capacity_kwh, chemistry, plate, auto_registered, registered_at, terminal_phone)
            VALUES (@vin, @maker, @model, @class, @capacity, @chemistry, @plate, @auto, @registered, @terminal)
            ON CONFLICT (vin) DO UPDATE SET
                maker = excluded.maker, model = excluded.model, class = excluded.class,
                battery_capacity_kwh = excluded.battery_capacity_kwh, chemistry = excluded.chemistry, plate = excluded.plate,
                auto_registered = excluded.auto_registered, registered_at = excluded.registered_at,
                terminal_phone = excluded.terminal_phone
            RETURNING (xmax = 0)
            """, connection, transaction);
        upsert.Parameters.AddWithValue("vin", vehicle.Vin);
        upsert.Parameters.AddWithValue("maker", vehicle.Maker);
        upsert.Parameters.AddWithValue("model", vehicle.Model ?? "");
        upsert.Parameters.AddWithValue("class", (int)vehicle.Class);
        upsert.Parameters.AddWithValue("capacity", vehicle.BatteryCapacityKwh);
        upsert.Parameters.AddWithValue("chemistry", (int)vehicle.Chemistry);
        upsert.Parameters.Add(new NpgsqlParameter("plate", NpgsqlDbType.Text) { Value = (object?)vehicle.Plate ?? DBNull.Value });
        upsert.Parameters.AddWithValue("auto", vehicle.AutoRegistered);
        upsert.Parameters.AddWithValue("registered", Db(vehicle.RegisteredAt));
        upsert.Parameters.Add(new NpgsqlParameter("terminal", NpgsqlDbType.Text) { Value = (object?)vehicle.TerminalPhone ?? DBNull.Value });
        bool isNew;
        try
        {
            isNew = (bool)(await upsert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && vehicle.TerminalPhone is { } raced)
        {
            // Another writer bound the phone between our check and our upsert.
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            await ThrowIfPhoneTakenAsync(connection, null, raced, vehicle.Vin, cancellationToken).ConfigureAwait(false);
            throw;
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return isNew;
    }

    public async Task SaveSessionAsync(VehicleSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentException.ThrowIfNullOrEmpty(session.SessionId, nameof(session));
        ArgumentException.ThrowIfNullOrEmpty(session.Vin, nameof(session));
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var upsert = new NpgsqlCommand("""
            INSERT INTO sessions (session_id, vin, protocol, login_at, remote_endpoint, login_serial, iccid, pack_codes, logout_at, end_reason)
            VALUES (@id, @vin, @protocol, @login, @remote, @serial, @iccid, @packs, @logout, @reason)
            ON CONFLICT (session_id) DO UPDATE SET
                vin = excluded.vin, protocol = excluded.protocol, login_at = excluded.login_at,
                remote_endpoint = excluded.remote_endpoint, login_serial = excluded.login_serial, iccid = excluded.iccid,
                pack_codes = excluded.pack_codes, logout_at = excluded.logout_at, end_reason = excluded.end_reason
            """, connection);
        upsert.Parameters.AddWithValue("id", session.SessionId);
        upsert.Parameters.AddWithValue("vin", session.Vin);
        upsert.Parameters.AddWithValue("protocol", (int)session.Protocol);
        upsert.Parameters.AddWithValue("login", Db(session.LoginAt));
        upsert.Parameters.AddWithValue("remote", session.RemoteEndpoint ?? "");
        upsert.Parameters.AddWithValue("serial", session.LoginSerial);
        upsert.Parameters.Add(new NpgsqlParameter("iccid", NpgsqlDbType.Text) { Value = (object?)session.Iccid ?? DBNull.Value });
        upsert.Parameters.Add(new NpgsqlParameter("packs", NpgsqlDbType.Array | NpgsqlDbType.Text)
        {
            Value = session.PackCodes is { Count: > 0 } packs ? packs.ToArray() : DBNull.Value,
        });
        upsert.Parameters.Add(new NpgsqlParameter("logout", NpgsqlDbType.TimestampTz)
        {
            Value = session.LogoutAt is { } logout ? Db(logout) : DBNull.Value,
        });
        upsert.Parameters.Add(new NpgsqlParameter("reason", NpgsqlDbType.Text) { Value = (object?)session.EndReason ?? DBNull.Value });
        await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Retention: drops every daily partition that ends at or before <paramref name="cutoff"/> (counting its rows first), deletes the
    /// older rows of the partition the cutoff falls in, and trims the per-vehicle spans. Returns samples + raw frames removed.
    /// </summary>
    public async Task<long> PurgeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        await EnsureReadyAsync(cancellationToken).ConfigureAwait(false);
        var at = Db(cutoff);
        var cutoffDay = Day(at);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            long removed = 0;
            foreach (var (table, prefix, column) in new[] { ("samples", 's', "sample_time"), ("raw_frames", 'r', "received_at") })
            {
                foreach (var (name, day) in await ListPartitionsAsync(connection, table, cancellationToken).ConfigureAwait(false))
                {
                    if (day >= cutoffDay)
                    {
                        continue;
                    }

                    await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                    await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({MigrationLockKey})", cancellationToken).ConfigureAwait(false);
                    await using (var count = new NpgsqlCommand($"SELECT count(*) FROM \"{name}\"", connection, transaction))
                    {
                        removed += (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
                    }

                    await ExecuteAsync(connection, transaction, $"DROP TABLE \"{name}\"", cancellationToken).ConfigureAwait(false);
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    _partitions.Remove((prefix, day));
                }

                await using var delete = new NpgsqlCommand($"DELETE FROM {table} WHERE {column} < @cutoff", connection);
                delete.Parameters.AddWithValue("cutoff", at);
                removed += await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            _partitionsAheadFrom = long.MinValue;
            await using (var spans = new NpgsqlCommand("""
                UPDATE vehicle_latest SET sample_time = NULL, content_hash = NULL, first_sample_time = NULL WHERE sample_time < @cutoff;
                UPDATE vehicle_latest SET first_sample_time = @cutoff WHERE first_sample_time < @cutoff;
                UPDATE vehicle_latest SET first_frame_time = NULL, last_frame_time = NULL WHERE last_frame_time < @cutoff;
                UPDATE vehicle_latest SET first_frame_time = @cutoff WHERE first_frame_time < @cutoff;
                DELETE FROM vehicle_latest WHERE sample_time IS NULL AND last_frame_time IS NULL;
                """, connection))
            {
                spans.Parameters.AddWithValue("cutoff", at);
                await spans.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return removed;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static async Task ThrowIfPhoneTakenAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string phone, string vin, CancellationToken cancellationToken)
    {
        await using var holder = new NpgsqlCommand("SELECT vin FROM vehicles WHERE terminal_phone = @phone AND vin <> @vin", connection, transaction);
        holder.Parameters.AddWithValue("phone", phone);
        holder.Parameters.AddWithValue("vin", vin);
        if (await holder.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string other)
        {
            throw new TerminalPhoneConflictException(phone, vin, other);
        }
    }

    /// <summary>Writes one batch in one transaction (caller holds the write lock). A failure drops the writer connection.</summary>
    private async Task<WriteResult> WriteBatchAsync(IngestBatch batch, CancellationToken cancellationToken)
    {
        await EnsurePartitionsAsync(batch, cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = await OpenWriterAsync(cancellationToken).ConfigureAwait(false);
            await ResolveVinIdsAsync(connection, batch, cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var samplesStored = 0;
            var framesStored = 0;
            if (batch.Samples.Count > 0)
            {
                await CopySamplesAsync(connection, batch.Samples, cancellationToken).ConfigureAwait(false);
                samplesStored = await ScalarIntAsync(connection, transaction, MergeSamples, cancellationToken).ConfigureAwait(false);
            }

            if (batch.RawFrames.Count > 0)
            {
                await CopyFramesAsync(connection, batch.RawFrames, cancellationToken).ConfigureAwait(false);
                framesStored = await ScalarIntAsync(connection, transaction, MergeFrames, cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new WriteResult(samplesStored, batch.Samples.Count - samplesStored, framesStored, batch.RawFrames.Count - framesStored);
        }
        catch
        {
            // The connection may be broken or mid-COPY: start the next batch on a fresh one (its staging tables are session-local).
            if (_writer is not null)
            {
                await _writer.DisposeAsync().ConfigureAwait(false);
                _writer = null;
            }

            throw;
        }
    }

    private static async Task<int> ScalarIntAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private async Task<NpgsqlConnection> OpenWriterAsync(CancellationToken cancellationToken)
    {
        if (_writer is { State: System.Data.ConnectionState.Open } open)
        {
            return open;
        }

        if (_writer is not null)
        {
            await _writer.DisposeAsync().ConfigureAwait(false);
            _writer = null;
        }

        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Session-local staging tables, emptied by every commit; COPY fills them, INSERT ... ON CONFLICT moves them on.
            await ExecuteAsync(connection, null, """
                CREATE TEMP TABLE IF NOT EXISTS staging_samples (ord integer NOT NULL, LIKE samples) ON COMMIT DELETE ROWS;
                CREATE TEMP TABLE IF NOT EXISTS staging_frames (ord integer NOT NULL, LIKE raw_frames) ON COMMIT DELETE ROWS;
                """, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        _writer = connection;
        return connection;
    }

    /// <summary>Makes sure every VIN of the batch has a key (in its own statement: a key without data is harmless) and caches it.</summary>
    private async Task ResolveVinIdsAsync(NpgsqlConnection connection, IngestBatch batch, CancellationToken cancellationToken)
    {
        List<string>? missing = null;
        foreach (var vin in batch.Samples.Select(s => s.Vin).Concat(batch.RawFrames.Select(f => f.Vin)))
        {
            if (!_vinIds.ContainsKey(vin) && !(missing ??= []).Contains(vin))
            {
                missing.Add(vin);
            }
        }

        if (missing is null)
        {
            return;
        }

        if (_vinIds.Count + missing.Count > _options.VinCacheSize)
        {
            _vinIds.Clear();
        }

        await using var command = new NpgsqlCommand("""
            INSERT INTO vin_keys (vin) SELECT unnest(@vins) ON CONFLICT (vin) DO NOTHING;
            SELECT id, vin FROM vin_keys WHERE vin = ANY(@vins);
            """, connection);
        command.Parameters.Add(new NpgsqlParameter("vins", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = missing.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            _vinIds[reader.GetString(1)] = reader.GetInt64(0);
        }
    }

    private async Task CopySamplesAsync(NpgsqlConnection connection, IReadOnlyList<VehicleSample> samples, CancellationToken cancellationToken)
    {
        await using var copy = await connection.BeginBinaryImportAsync(
            "COPY staging_samples (ord, " + SampleColumns + ") FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < samples.Count; i++)
        {
            var s = samples[i];
            await copy.StartRowAsync(cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync(i, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync(_vinIds[s.Vin], NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync(Db(s.SampleTime), NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync(SampleContentHash.Compute(s), NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync(Db(s.ReceivedAt), NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync((int)s.Protocol, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync((int)s.Kind, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
            await WriteAsync(copy, (int?)s.VehicleState, cancellationToken).ConfigureAwait(false);
            await WriteAsync(copy, (int?)s.Charging, cancellationToken).ConfigureAwait(false);
            await WriteAsync(copy, (int?)s.Mode, cancellationToken).ConfigureAwait(false);
            await WriteAsync(copy, s.SpeedKmh, cancellationToken).ConfigureAwait(false);
            await WriteAsync(copy, s.OdometerKm, cancellationToken).ConfigureAwait(false);
            await WriteAsync(copy, s.PackVoltageV, cancellationToken).ConfigureAwait(false);
            await WriteAsync(copy, s.PackCurrentA, cancellationToken).ConfigureAwait(false);
            await WriteAsync(copy, s.SocPercent, cancellationToken).ConfigureAwait(false);
            if (s.DcDcWorking is { } dc)
            {
                await copy.WriteAsync(dc, NpgsqlDbType.Boolean, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await copy.WriteNullAsync(cancellationToken).ConfigureAwait(false);
            }

            await WriteAsync(copy, s.Gear, cancellationToken).ConfigureAwait(false);
            await WriteAsync(copy, s.InsulationKohm, cancellationToken).ConfigureAwait(false);
            await WriteAsync(copy, s.AcceleratorPercent, cancellationToken).ConfigureAwait(false);
            await WriteAsync(copy, s.BrakePercent, cancellationToken).ConfigureAwait(false);
            await WriteAsync(copy, s.Latitude, cancellationToken).ConfigureAwait(false);
            await WriteAsync(copy, s.Longitude, cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync(s.PositionValid, NpgsqlDbType.Boolean, cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync((int)s.Coordinates, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
            await WriteAsync(copy, s.HeadingDegrees, cancellationToken).ConfigureAwait(false);
            await WriteAsync(copy, s.AltitudeM, cancellationToken).ConfigureAwait(false);
            await WriteAsync(copy, s.AlarmLevel, cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync((long)s.AlarmFlags, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
            if (s.FaultCodes is { Count: > 0 } codes)
            {
                await copy.WriteAsync(codes.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await copy.WriteNullAsync(cancellationToken).ConfigureAwait(false);
            }

            await WriteAsync(copy, s.MaxCellVoltageV, cancellationToken).ConfigureAwait(false);
            await WriteAsync(copy, s.MinCellVoltageV, cancellationToken).ConfigureAwait(false);
            await WriteAsync(copy, s.MaxTemperatureC, cancellationToken).ConfigureAwait(false);
            await WriteAsync(copy, s.MinTemperatureC, cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync((long)s.InvalidFields, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync((long)s.AbnormalFields, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
            if (s.Detail is { } detail)
            {
                _detailBuffer.ResetWrittenCount();
                SampleDetailCodec.Encode(detail, _detailBuffer);
                await copy.WriteAsync(_detailBuffer.WrittenSpan.ToArray(), NpgsqlDbType.Bytea, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await copy.WriteNullAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task CopyFramesAsync(NpgsqlConnection connection, IReadOnlyList<RawFrame> frames, CancellationToken cancellationToken)
    {
        await using var copy = await connection.BeginBinaryImportAsync(
            "COPY staging_frames (ord, " + FrameColumns + ") FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < frames.Count; i++)
        {
            var f = frames[i];
            await copy.StartRowAsync(cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync(i, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync(_vinIds[f.Vin], NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync(Db(f.ReceivedAt), NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync(SampleContentHash.Compute(f.Bytes.Span), NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync((int)f.Protocol, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
            await copy.WriteAsync(f.Command, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
            if (f.SampleTime is { } t)
            {
                await copy.WriteAsync(Db(t), NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await copy.WriteNullAsync(cancellationToken).ConfigureAwait(false);
            }

            await copy.WriteAsync(f.Bytes, NpgsqlDbType.Bytea, cancellationToken).ConfigureAwait(false);
        }

        await copy.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    private static ValueTask WriteAsync(NpgsqlBinaryImporter copy, double? value, CancellationToken cancellationToken) =>
        value is { } v ? new ValueTask(copy.WriteAsync(v, NpgsqlDbType.Double, cancellationToken)) : new ValueTask(copy.WriteNullAsync(cancellationToken));

    private static ValueTask WriteAsync(NpgsqlBinaryImporter copy, int? value, CancellationToken cancellationToken) =>
        value is { } v ? new ValueTask(copy.WriteAsync(v, NpgsqlDbType.Integer, cancellationToken)) : new ValueTask(copy.WriteNullAsync(cancellationToken));

    private static ValueTask WriteAsync(NpgsqlBinaryImporter copy, string? value, CancellationToken cancellationToken) =>
        value is { } v ? new ValueTask(copy.WriteAsync(v, NpgsqlDbType.Text, cancellationToken)) : new ValueTask(copy.WriteNullAsync(cancellationToken));

    /// <summary>Creates the daily partitions the batch needs that this process has not seen yet.</summary>
    private async Task EnsurePartitionsAsync(IngestBatch batch, CancellationToken cancellationToken)
    {
        await EnsurePartitionsAheadAsync(cancellationToken).ConfigureAwait(false);
        List<(char, long)>? missing = null;
        foreach (var sample in batch.Samples)
        {
            Note(('s', Day(Db(sample.SampleTime))));
        }

        foreach (var frame in batch.RawFrames)
        {
            Note(('r', Day(Db(frame.ReceivedAt))));
        }

        if (missing is not null)
        {
            await CreatePartitionsAsync(missing, cancellationToken).ConfigureAwait(false);
        }

        void Note((char, long) key)
        {
            if (!_partitions.Contains(key) && !(missing ??= []).Contains(key))
            {
                missing.Add(key);
            }
        }
    }

    /// <summary>Keeps today's partitions and <see cref="PostgresStoreOptions.PartitionsAhead"/> days after it in place (checked once a day).</summary>
    private async Task EnsurePartitionsAheadAsync(CancellationToken cancellationToken)
    {
        var today = Day(DateTime.UtcNow);
        if (_partitionsAheadFrom == today)
        {
            return;
        }

        var wanted = new List<(char, long)>();
        for (var day = today; day <= today + _options.PartitionsAhead; day++)
        {
            if (!_partitions.Contains(('s', day)))
            {
                wanted.Add(('s', day));
            }

            if (!_partitions.Contains(('r', day)))
            {
                wanted.Add(('r', day));
            }
        }

        await CreatePartitionsAsync(wanted, cancellationToken).ConfigureAwait(false);
        _partitionsAheadFrom = today;
    }

    private async Task CreatePartitionsAsync(List<(char Table, long Day)> partitions, CancellationToken cancellationToken)
    {
        if (partitions.Count == 0)
        {
            return;
        }

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Serialised with other nodes' partition DDL and retention, so IF NOT EXISTS never races.
        await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({MigrationLockKey})", cancellationToken).ConfigureAwait(false);
        foreach (var (table, day) in partitions)
        {
            var parent = table == 's' ? "samples" : "raw_frames";
            var from = new DateTime(day * TimeSpan.TicksPerDay, DateTimeKind.Utc);
            var to = from.AddDays(1);
            var sql = string.Create(CultureInfo.InvariantCulture,
                $"CREATE TABLE IF NOT EXISTS {PartitionName(parent, day)} PARTITION OF {parent} FOR VALUES FROM ('{from:yyyy-MM-dd}T00:00:00+00') TO ('{to:yyyy-MM-dd}T00:00:00+00')");
            await ExecuteAsync(connection, transaction, sql, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        foreach (var key in partitions)
        {
            _partitions.Add(key);
        }
    }

    private static string PartitionName(string parent, long day) =>
        string.Create(CultureInfo.InvariantCulture, $"{parent}_p{new DateTime(day * TimeSpan.TicksPerDay, DateTimeKind.Utc):yyyyMMdd}");

    /// <summary>The daily partitions of a table (name, day), found from the catalog.</summary>
    private static async Task<List<(string Name, long Day)>> ListPartitionsAsync(NpgsqlConnection connection, string parent, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = @parent::regclass ORDER BY c.relname
            """, connection);
        command.Parameters.AddWithValue("parent", parent);
        var result = new List<(string, long)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var name = reader.GetString(0);
            var suffix = name[(parent.Length + 2)..];
            if (DateTime.TryParseExact(suffix, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var date))
            {
                result.Add((name, date.Ticks / TimeSpan.TicksPerDay));
            }
        }

        return result;
    }
}
