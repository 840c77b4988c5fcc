using NevHub.Domain;

namespace NevHub.Simulator.Model;

/// <summary>A deterministic fleet: the same options (seed included) give the same vehicles and the same samples.</summary>
public sealed class Fleet
{
    /// <summary>Creates the fleet. Vehicle classes are assigned in exact proportion to the shares, in the order car, taxi, bus, motorcycle.</summary>
    /// <param name="options">The simulator options (validated here).</param>
    /// <param name="keepSamples">Keep every reported sample in <see cref="GroundTruthLog.Samples"/> (tests; memory grows with the run).</param>
    public Fleet(SimulatorOptions options, bool keepSamples = false)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Start = options.StartTime ?? TruncateToSecond(DateTimeOffset.UtcNow).ToOffset(TimeSpan.FromHours(8));
        var shares = new[] { options.CarShare, options.TaxiShare, options.BusShare, options.MotorcycleShare };
        var classes = new[] { VehicleClass.Car, VehicleClass.Taxi, VehicleClass.Bus, VehicleClass.Motorcycle };
        var total = shares.Sum();
        var vehicles = new SimVehicle[options.Vehicles];
        for (var i = 0; i < vehicles.Length; i++)
        {
            var position = (i + 0.5) / vehicles.Length * total;
            var c = 0;
            var cumulative = shares[0];
            while (position > cumulative && c < classes.Length - 1)
            {
                c++;
                cumulative += shares[c];
            }

            vehicles[i] = new SimVehicle(i, classes[c], options, Start, keepSamples);
        }

        Vehicles = vehicles;
    }

    public DateTimeOffset Start { get; }

    public IReadOnlyList<SimVehicle> Vehicles { get; }

    /// <summary>Runs the model alone (no network) for a simulated duration, one second at a time; samples are dropped after the ground truth saw them.</summary>
    public void Run(TimeSpan duration)
    {
        var seconds = (long)duration.TotalSeconds;
        for (var t = 0; t < seconds; t++)
        {
            foreach (var v in Vehicles)
            {
                v.Step();
                v.Outbox.Clear();
            }
        }

        foreach (var v in Vehicles)
        {
            v.Finish();
        }
    }

    private static DateTimeOffset TruncateToSecond(DateTimeOffset t) => new(t.Ticks - (t.Ticks % TimeSpan.TicksPerSecond), t.Offset);
}
