using System.Diagnostics.Metrics;
using NevHub.Domain;

namespace NevHub.Storage.Spool;

/// <summary>
/// Keeps ingestion durable while the store is down: an <see cref="IVehicleStore"/> decorator whose <see cref="WriteAsync"/> writes
/// to the store, and when that fails or takes longer than <see cref="SpoolOptions.StoreWriteTimeout"/>, appends the batch to a
/// <see cref="DiskSpool"/> (fsynced) instead and returns. A background replayer writes the spooled batches to the store in order
/// once it answers again, then deletes them. While anything is spooled, new batches are spooled behind it, so the store receives
/// batches in the order they were accepted.
/// </summary>
/// <remarks>
/// <para>Acknowledgement: a batch is durable (its <see cref="WriteAsync"/> returns, so the group-commit writer lets gateways
/// acknowledge) when it is committed in the store <b>or</b> fsynced in the spool. Spooled data reaches the store, and becomes
/// visible to queries, only when replayed.</para>
/// <para>No duplicates: a write that timed out may still have committed; its spooled copy is then skipped on replay by the store's
/// natural keys, as is a segment replayed again after a crash.</para>
/// <para>Metrics (meter <c>NevHub.Storage</c>): <c>nevhub.spool.batches</c> (spooled), <c>nevhub.spool.replayed</c>,
/// <c>nevhub.spool.failures</c>, gauge <c>nevhub.spool.pending</c> (1 while anything is spooled).</para>
/// </remarks>
public sealed class SpoolingVehicleStore : IVehicleStore
{
    private readonly IVehicleStore _inner;
    private readonly SpoolOptions _options;
    private readonly DiskSpool _spool;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly CancellationTokenSource _stop = new();
    private readonly Meter? _ownedMeter;
    private readonly Counter<long> _spooled;
    private readonly Counter<long> _replayed;
    private readonly Counter<long> _failures;
    private readonly Task _replayer;
    private volatile bool _pending;
    private int _disposed;

    public SpoolingVehicleStore(IVehicleStore inner, SpoolOptions options, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _inner = inner;
        _options = options;
        _spool = new DiskSpool(options.Directory, options.SegmentBytes);
        _pending = !_spool.IsEmpty;
        var meter = meterFactory?.Create(GroupCommitWriter.MeterName) ?? (_ownedMeter = new Meter(GroupCommitWriter.MeterName));
        _spooled = meter.CreateCounter<long>("nevhub.spool.batches", "{batch}", "Batches spooled to disk because the store failed or was slow.");
        _replayed = meter.CreateCounter<long>("nevhub.spool.replayed", "{batch}", "Spooled batches written to the store.");
        _failures = meter.CreateCounter<long>("nevhub.spool.failures", "{attempt}", "Store writes that failed or timed out (spooled or retried).");
        meter.CreateObservableGauge("nevhub.spool.pending", () => _pending ? 1 : 0, "{flag}", "1 while batches wait in the spool.");
        _replayer = Task.Run(ReplayLoopAsync);
    }

    /// <summary>True while batches wait in the spool.</summary>
    public bool HasPending => _pending;

    /// <summary>Batches spooled since start.</summary>
    public long SpooledBatches => Interlocked.Read(ref _spooledBatches);

    /// <summary>Spooled batches replayed into the store since start.</summary>
    public long ReplayedBatches => Interlocked.Read(ref _replayedBatches);

    private long _spooledBatches;
    private long _replayedBatches;

    /// <summary>Completes once nothing is spooled (or <paramref name="cancellationToken"/> fires).</summary>
    public async Task WaitUntilDrainedAsync(CancellationToken cancellationToken = default)
    {
        while (_pending)
        {
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<WriteResult> WriteAsync(IngestBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return default;
        }

        if (!_pending)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.StoreWriteTimeout);
            try
            {
                return await _inner.WriteAsync(batch, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not ArgumentException and not ObjectDisposedException)
            {
                _failures.Add(1);
                _options.OnStoreError?.Invoke(ex);
            }
        }

        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _spool.Append(batch);
            _pending = true;
        }
        finally
        {
            _lock.Release();
        }

        _spooled.Add(1);
        Interlocked.Increment(ref _spooledBatches);
        _wake.Release();
        return default; // durable in the spool; the store counts it when replayed
    }

    public Task MigrateAsync(CancellationToken cancellationToken = default) => _inner.MigrateAsync(cancellationToken);

    public Task<bool> UpsertVehicleAsync(Vehicle vehicle, CancellationToken cancellationToken = default) => _inner.UpsertVehicleAsync(vehicle, cancellationToken);

    public Task<Vehicle?> GetVehicleAsync(string vin, CancellationToken cancellationToken = default) => _inner.GetVehicleAsync(vin, cancellationToken);

    public Task<Vehicle?> GetVehicleByTerminalAsync(string terminalPhone, CancellationToken cancellationToken = default) =>
        _inner.GetVehicleByTerminalAsync(terminalPhone, cancellationToken);

    public Task<Page<Vehicle>> ListVehiclesAsync(VehicleQuery query, CancellationToken cancellationToken = default) => _inner.ListVehiclesAsync(query, cancellationToken);

    public Task SaveSessionAsync(VehicleSession session, CancellationToken cancellationToken = default) => _inner.SaveSessionAsync(session, cancellationToken);

    public Task<IReadOnlyList<VehicleSession>> ListSessionsAsync(string vin, int limit, CancellationToken cancellationToken = default) =>
        _inner.ListSessionsAsync(vin, limit, cancellationToken);

    public Task<IReadOnlyList<VehicleSample>> GetLatestSamplesAsync(CancellationToken cancellationToken = default) => _inner.GetLatestSamplesAsync(cancellationToken);

    public Task<Page<VehicleSample>> GetSamplesAsync(SampleQuery query, CancellationToken cancellationToken = default) => _inner.GetSamplesAsync(query, cancellationToken);

    public Task<Page<RawFrame>> GetRawFramesAsync(RawFrameQuery query, CancellationToken cancellationToken = default) => _inner.GetRawFramesAsync(query, cancellationToken);

    public Task<long> PurgeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default) => _inner.PurgeAsync(cutoff, cancellationToken);

    /// <summary>Stops replaying (what is still spooled stays on disk and is replayed by the next start) and disposes the inner store.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _replayer.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await _lock.WaitAsync().ConfigureAwait(false);
        _spool.Dispose();
        _lock.Release();
        await _inner.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
        _ownedMeter?.Dispose();
    }

    private async Task ReplayLoopAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            if (!_pending)
            {
                await _wake.WaitAsync(token).ConfigureAwait(false);
                continue;
            }

            IReadOnlyList<string> segments;
            await _lock.WaitAsync(token).ConfigureAwait(false);
            try
            {
                segments = _spool.Seal();
                if (segments.Count == 0)
                {
                    _pending = false; // drained, and no append can slip in: appends hold the lock
                    continue;
                }
            }
            finally
            {
                _lock.Release();
            }

            foreach (var segment in segments)
            {
                // Consecutive spooled batches are replayed together (in order) up to ReplayBatchRecords: one store transaction
                // for many small group commits, so the backlog of an outage drains far faster than it filled.
                var samples = new List<VehicleSample>();
                var frames = new List<RawFrame>();
                var batches = 0;
                foreach (var batch in DiskSpool.Read(segment))
                {
                    if (samples.Count + frames.Count > 0 && samples.Count + frames.Count + batch.Count > _options.ReplayBatchRecords)
                    {
                        await ReplayAsync(new IngestBatch(samples, frames), batches, token).ConfigureAwait(false);
                        samples = [];
                        frames = [];
                        batches = 0;
                    }

                    samples.AddRange(batch.Samples);
                    frames.AddRange(batch.RawFrames);
                    batches++;
                }

                if (batches > 0)
                {
                    await ReplayAsync(new IngestBatch(samples, frames), batches, token).ConfigureAwait(false);
                }

                DiskSpool.Delete(segment);
            }
        }
    }

    /// <summary>Writes spooled batches (merged into one) to the store, retrying with back-off until it succeeds or the store is disposed.</summary>
    private async Task ReplayAsync(IngestBatch batch, int spooledBatches, CancellationToken token)
    {
        var delay = _options.ReplayInitialDelay;
        while (true)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
            timeout.CancelAfter(_options.StoreWriteTimeout);
            try
            {
                await _inner.WriteAsync(batch, timeout.Token).ConfigureAwait(false);
                _replayed.Add(spooledBatches);
                Interlocked.Add(ref _replayedBatches, spooledBatches);
                return;
            }
            catch (Exception ex) when (!token.IsCancellationRequested)
            {
                _failures.Add(1);
                _options.OnStoreError?.Invoke(ex);
            }

            await Task.Delay(delay, token).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.ReplayMaxDelay.Ticks));
        }
    }
}
