using NevHub.Domain;

namespace NevHub.Storage.Tests;

/// <summary>An in-memory store for the writer tests: records every WriteAsync, can hold writes at a gate and fail N times.</summary>
internal sealed class FakeStore : IVehicleStore
{
    private readonly object _lock = new();
    private readonly HashSet<(string, DateTimeOffset, long)> _keys = [];
    private TaskCompletionSource _gate = Completed();
    private TaskCompletionSource _writeStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public List<int> BatchSizes { get; } = [];

    public List<VehicleSample> Samples { get; } = [];

    public int Attempts { get; private set; }

    public int FailuresLeft { get; set; }

    public bool FailForever { get; set; }

    /// <summary>Completes when a write has started (and, if held, is waiting at the gate).</summary>
    public Task WriteStarted => _writeStarted.Task;

    public void Hold() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => _gate.TrySetResult();

    public async Task<WriteResult> WriteAsync(IngestBatch batch, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            Attempts++;
        }

        _writeStarted.TrySetResult();
        await _gate.Task.WaitAsync(cancellationToken);
        lock (_lock)
        {
            if (FailForever || FailuresLeft > 0)
            {
                FailuresLeft--;
                throw new IOException("disk unplugged");
            }

            BatchSizes.Add(batch.Count);
            int stored = 0, duplicate = 0;
            foreach (var sample in batch.Samples)
            {
                if (_keys.Add((sample.Vin, sample.SampleTime, SampleContentHash.Compute(sample))))
                {
                    Samples.Add(sample);
                    stored++;
                }
                else
                {
                    duplicate++;
                }
            }

            return new WriteResult(stored, duplicate, batch.RawFrames.Count, 0);
        }
    }

    public void ResetWriteStarted() => _writeStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task MigrateAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<bool> UpsertVehicleAsync(Vehicle vehicle, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<Vehicle?> GetVehicleAsync(string vin, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<Vehicle?> GetVehicleByTerminalAsync(string terminalPhone, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<Page<Vehicle>> ListVehiclesAsync(VehicleQuery query, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task SaveSessionAsync(VehicleSession session, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<IReadOnlyList<VehicleSession>> ListSessionsAsync(string vin, int limit, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<IReadOnlyList<VehicleSample>> GetLatestSamplesAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<Page<VehicleSample>> GetSamplesAsync(SampleQuery query, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<Page<RawFrame>> GetRawFramesAsync(RawFrameQuery query, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<long> PurgeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static TaskCompletionSource Completed()
    {
        var source = new TaskCompletionSource();
        source.SetResult();
        return source;
    }
}
