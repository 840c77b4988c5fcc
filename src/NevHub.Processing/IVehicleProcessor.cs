namespace NevHub.Processing;

/// <summary>
/// A per-vehicle state machine (alarms, trips, charges, data quality, ...). Called on the vehicle's lane, in order of
/// arrival, after the twin was updated; must be deterministic and tolerate duplicates and late data.
/// </summary>
public interface IVehicleProcessor
{
    void Process(IngestMessage message, VehicleLiveState state);
}
