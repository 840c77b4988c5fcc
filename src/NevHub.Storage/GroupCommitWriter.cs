using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using NevHub.Domain;

namespace NevHub.Storage;

/// <summary>
/// The group-commit stage of ingestion: producers enqueue samples and raw frames and get a task that completes when they are
/// durable; one background loop writes whatever is queued as one <see cref="IVehicleStore.WriteAsync"/> transaction.
/// </summary>
/// <remarks>
/// <para>Latency first: a batch is written as soon as the previous write has finished and the queue is drained, so under load the
/// batch is what arrived during the previous write (up to <see cref="GroupCommitOptions.MaxBatchSize"/>).</para>
/// <para>Back-pressure: the queue is bounded (<see cref="GroupCommitOptions.QueueCapacity"/>); producers wait when it is full.</para>
/// <para>Never drops silently: a failed write is retried with exponential back-off, and the producers' tasks stay pending until it
/// succeeds. Only a shutdown that times out faults them (<see cref="StoreWriteAbortedException"/>), so nothing un-durable is
/// acknowledged. A disk spool for long outages plugs in at the retry loop (see docs/storage.md).</para>
/// <para>Metrics on the meter <c>NevHub.Storage</c>: <c>nevhub.storage.batches</c>, <c>nevhub.storage.records</c>,
/// <c>nevhub.storage.duplicates</c> (tag <c>kind</c> = sample | raw_frame), <c>nevhub.storage.write.failures</c>,
/// <c>nevhub.storage.write.duration</c> (ms), <c>nevhub.storage.batch.size</c>, <c>nevhub.storage.queue.length</c>.</para>
/// </remarks>
public sealed class GroupCommitWriter : IAsyncDisposable
{
    public const string MeterName = "NevHub.Storage";

    private static readonly KeyValuePair<string, object?> SampleTag = new("kind", "sample");
    private static readonly KeyValuePair<string, object?> RawFrameTag = new("kind", "raw_frame");

    private readonly IVehicleStore _store;
    private readonly GroupCommitOptions _options;
    private readonly Channel<Pending> _queue;
    private readonly CancellationTokenSource _abort = new();
    private readonly Meter? _ownedMeter;
    private readonly Counter<long> _batches;
    private readonly Counter<long> _records;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _failures;
    private readonly Histogram<double> _writeDuration;
    private readonly Histogram<int> _batchSize;
    private readonly Task _loop;
    private int _disposed;

    public GroupCommitWriter(IVehicleStore store, GroupCommitOptions? options = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        options ??= new GroupCommitOptions();
        options.Validate();
        _store = store;
        _options = options;
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });

        var meter = meterFactory?.Create(MeterName) ?? (_ownedMeter = new Meter(MeterName));
        _batches = meter.CreateCounter<long>("nevhub.storage.batches", "{batch}", "Group commits written.");
        _records = meter.CreateCounter<long>("nevhub.storage.records", "{record}", "Records newly stored.");
        _duplicates = meter.CreateCounter<long>("nevhub.storage.duplicates", "{record}", "Records skipped as already stored.");
        _failures = meter.CreateCounter<long>("nevhub.storage.write.failures", "{attempt}", "Failed write attempts (retried).");
        _writeDuration = meter.CreateHistogram<double>("nevhub.storage.write.duration", "ms", "Duration of one group-commit write.");
        _batchSize = meter.CreateHistogram<int>("nevhub.storage.batch.size", "{record}", "Records per group commit.");
        meter.CreateObservableGauge("nevhub.storage.queue.length", () => _queue.Reader.Count, "{request}", "Requests waiting to be written.");
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Requests waiting for the writer.</summary>
    public int QueueLength => _queue.Reader.Count;

    /// <summary>Batches written so far (successful writes).</summary>
    public long BatchesWritten { get; private set; }

    /// <summary>
    /// Enqueues a sample and/or a raw frame. Waits while the queue is full; the returned task completes when both are durable
    /// (stored now or already stored before), or faults if the writer shut down first. <paramref name="cancellationToken"/> only
    /// cancels the wait for queue space: once accepted, the records are written.
    /// </summary>
    public ValueTask EnqueueAsync(VehicleSample? sample, RawFrame? rawFrame = null, CancellationToken cancellationToken = default)
    {
        if (sample is null && rawFrame is null)
        {
            throw new ArgumentException("Enqueue a sample, a raw frame or both.", nameof(sample));
        }

        if (sample is not null)
        {
            ArgumentException.ThrowIfNullOrEmpty(sample.Vin, nameof(sample));
        }

        if (rawFrame is not null)
        {
            ArgumentException.ThrowIfNullOrEmpty(rawFrame.Vin, nameof(rawFrame));
        }

        return EnqueueCoreAsync(new Pending(sample, rawFrame, null), cancellationToken);
    }

    /// <summary>Enqueues several records that must be written in the same transaction (e.g. a reissue frame's samples and the frame).</summary>
    public ValueTask EnqueueAsync(IngestBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return ValueTask.CompletedTask;
        }

        foreach (var sample in batch.Samples)
        {
            ArgumentException.ThrowIfNullOrEmpty(sample?.Vin, nameof(batch));
        }

        foreach (var frame in batch.RawFrames)
        {
            ArgumentException.ThrowIfNullOrEmpty(frame?.Vin, nameof(batch));
        }

        return EnqueueCoreAsync(new Pending(null, null, batch), cancellationToken);
    }

    /// <summary>Stops accepting records, writes everything queued (retrying up to <see cref="GroupCommitOptions.ShutdownTimeout"/>) and stops.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _queue.Writer.TryComplete();
        using (var timeout = new CancellationTokenSource(_options.ShutdownTimeout))
        {
            try
            {
                await _loop.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await _abort.CancelAsync().ConfigureAwait(false);
                await _loop.ConfigureAwait(false);
            }
        }

        _abort.Dispose();
        _ownedMeter?.Dispose();
    }

    private ValueTask EnqueueCoreAsync(Pending pending, CancellationToken cancellationToken)
    {
        if (_queue.Writer.TryWrite(pending))
        {
            return new ValueTask(pending.Task);
        }

        return WaitForSpaceAsync(pending, cancellationToken);
    }

    private async ValueTask WaitForSpaceAsync(Pending pending, CancellationToken cancellationToken)
    {
        try
        {
            await _queue.Writer.WriteAsync(pending, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException ex)
        {
            throw new ObjectDisposedException(nameof(GroupCommitWriter), ex);
        }

        await pending.Task.ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var group = new List<Pending>();
        try
        {
            while (await reader.WaitToReadAsync(_abort.Token).ConfigureAwait(false))
            {
                var started = Stopwatch.GetTimestamp();
                var count = 0;
                while (count < _options.MaxBatchSize && reader.TryPeek(out var next))
                {
                    if (count > 0 && count + next.Count > _options.MaxBatchSize)
                    {
                        break; // a request is never split over two transactions
                    }

                    reader.TryRead(out _);
                    group.Add(next);
                    count += next.Count;
                    if (Stopwatch.GetElapsedTime(started) >= _options.CommitWindow)
                    {
                        break;
                    }
                }

                await WriteGroupAsync(group, count).ConfigureAwait(false);
                group.Clear();
            }
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            FailPending(group, new StoreWriteAbortedException());
        }
        catch (Exception ex)
        {
            // Only a bug (e.g. an OnWriteError callback that throws) gets here: stop accepting records and fail everything
            // pending, so no producer waits forever and none acknowledges what is not durable.
            _queue.Writer.TryComplete(ex);
            FailPending(group, new StoreWriteAbortedException("The group-commit writer failed; the records were not acknowledged.", ex));
        }
    }

    private void FailPending(List<Pending> group, Exception error)
    {
        foreach (var pending in group)
        {
            pending.TrySetException(error);
        }

        while (_queue.Reader.TryRead(out var pending))
        {
            pending.TrySetException(error);
        }
    }

    private async Task WriteGroupAsync(List<Pending> group, int count)
    {
        var samples = new List<VehicleSample>(count);
        var rawFrames = new List<RawFrame>(count);
        foreach (var pending in group)
        {
            pending.AddTo(samples, rawFrames);
        }

        var batch = new IngestBatch(samples, rawFrames);
        var delay = _options.RetryInitialDelay;
        for (var attempt = 1; ; attempt++)
        {
            var started = Stopwatch.GetTimestamp();
            WriteResult result;
            try
            {
                result = await _store.WriteAsync(batch, _abort.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!_abort.IsCancellationRequested)
            {
                // Retried until it succeeds or shutdown gives up; the producers' tasks stay pending meanwhile.
                _failures.Add(1);
                _options.OnWriteError?.Invoke(ex, attempt);
                await Task.Delay(delay, _abort.Token).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.RetryMaxDelay.Ticks));
                continue;
            }

            _writeDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            _batchSize.Record(batch.Count);
            _batches.Add(1);
            _records.Add(result.SamplesStored, SampleTag);
            _records.Add(result.RawFramesStored, RawFrameTag);
            _duplicates.Add(result.SamplesDuplicate, SampleTag);
            _duplicates.Add(result.RawFramesDuplicate, RawFrameTag);
            BatchesWritten++;
            break;
        }

        foreach (var pending in group)
        {
            pending.TrySetResult();
        }
    }

    /// <summary>One enqueued request and the task its producer awaits.</summary>
    private sealed class Pending : TaskCompletionSource
    {
        private readonly VehicleSample? _sample;
        private readonly RawFrame? _rawFrame;
        private readonly IngestBatch? _batch;

        public Pending(VehicleSample? sample, RawFrame? rawFrame, IngestBatch? batch)
            : base(TaskCreationOptions.RunContinuationsAsynchronously)
        {
            _sample = sample;
            _rawFrame = rawFrame;
            _batch = batch;
            Count = batch?.Count ?? ((sample is null ? 0 : 1) + (rawFrame is null ? 0 : 1));
        }

        public int Count { get; }

        public void AddTo(List<VehicleSample> samples, List<RawFrame> rawFrames)
        {
            if (_batch is not null)
            {
                samples.AddRange(_batch.Samples);
                rawFrames.AddRange(_batch.RawFrames);
                return;
            }

            if (_sample is not null)
            {
                samples.Add(_sample);
            }

            if (_rawFrame is not null)
            {
                rawFrames.Add(_rawFrame);
            }
        }
    }
}

/// <summary>The group-commit writer shut down before these records were durable; they must not be acknowledged.</summary>
public sealed class StoreWriteAbortedException : Exception
{
    public StoreWriteAbortedException()
        : base("The group-commit writer shut down before the records were durable; they were not acknowledged.")
    {
    }

    public StoreWriteAbortedException(string message)
        : base(message)
    {
    }

    public StoreWriteAbortedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
