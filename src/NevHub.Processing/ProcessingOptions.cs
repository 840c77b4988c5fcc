using System.ComponentModel.DataAnnotations;

namespace NevHub.Processing;

/// <summary>Options of the in-process bus. Section "NevHub:Processing".</summary>
public sealed class ProcessingOptions
{
    public const string Section = "NevHub:Processing";

    /// <summary>Number of ordered lanes; a VIN always maps to the same lane. Default: twice the processor count.</summary>
    [Range(1, 1024)]
    public int Lanes { get; set; } = Math.Max(2, Environment.ProcessorCount * 2);

    /// <summary>Messages each lane buffers before gateways wait (back-pressure). Default 8192.</summary>
    [Range(16, 1_000_000)]
    public int LaneCapacity { get; set; } = 8192;

    /// <summary>
    /// Run the per-vehicle processors (analytics) on the lanes. Default true; false leaves only the twin and storage, e.g. on a
    /// node that only ingests, or to measure what the processors cost.
    /// </summary>
    public bool RunProcessors { get; set; } = true;
}
