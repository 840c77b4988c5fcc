namespace NevHub.Cli.Bench;

/// <summary>A load generator of `bench ingest` (GB/T 32960 or JT/T 808), once its terminals are connected.</summary>
internal interface IBenchLoad : IAsyncDisposable
{
    long FramesSent { get; }

    /// <summary>Frames sent before the reports (logins; registrations and authentications).</summary>
    long SetupFrames { get; }

    int Connected { get; }

    Task RunAsync(double rate, int framesPerWrite, CancellationToken stop);
}
