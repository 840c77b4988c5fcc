using System.ComponentModel.DataAnnotations;

namespace NevHub.Simulator;

/// <summary>
/// Options of the fleet simulator (<c>nevhub simulate</c>). The model options (seed, fleet mix, alarms, skew) decide
/// what the vehicles do; the connection options (host, port, time scale, rate) decide how it is sent.
/// </summary>
public sealed class SimulatorOptions
{
    /// <summary>Platform host name or address. Default 127.0.0.1.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Platform GB/T 32960 port. Default 32960.</summary>
    public int Port { get; set; } = 32960;

    /// <summary>Platform JT/T 808 port, used by the electric motorcycles. Default 808.</summary>
    public int Jt808Port { get; set; } = 808;

    /// <summary>Number of simulated vehicles. Default 100.</summary>
    [Range(1, 1_000_000)]
    public int Vehicles { get; set; } = 100;

    /// <summary>Seed of every random choice; the same seed and options give the same fleet and the same samples. Default 1.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>Normal report period (GB/T 32960 allows at most 30 s). Default 10 s.</summary>
    public TimeSpan ReportPeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Heartbeat period while logged in, in simulated time. Default 60 s.</summary>
    public TimeSpan HeartbeatPeriod { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Simulated seconds per real second (1 = real time; 600 = ten minutes a second). Default 1.</summary>
    public double TimeScale { get; set; } = 1;

    /// <summary>Cap on frames sent per real second across the fleet; 0 = no cap. The simulated clock slows down to respect it.</summary>
    public double RatePerSecond { get; set; }

    /// <summary>Share of cars in the fleet (0–1). Default 0.5.</summary>
    public double CarShare { get; set; } = 0.5;

    /// <summary>Share of taxis. Default 0.35.</summary>
    public double TaxiShare { get; set; } = 0.35;

    /// <summary>Share of buses. Default 0.15.</summary>
    public double BusShare { get; set; } = 0.15;

    /// <summary>Share of electric motorcycles; they speak JT/T 808 to <see cref="Jt808Port"/>. Default 0.</summary>
    public double MotorcycleShare { get; set; }

    /// <summary>Share of motorcycles whose tracker uses the 2019 header (the rest use 2013). Default 0.5.</summary>
    public double Jt808Share2019 { get; set; } = 0.5;

    /// <summary>Share of vehicles speaking GB/T 32960-2025 (<c>$$</c>); the rest speak 2016 (<c>##</c>). Default 0.1.</summary>
    public double Share2025 { get; set; } = 0.1;

    /// <summary>Expected link drops per vehicle and hour while the terminal is awake. Default 0.1.</summary>
    public double LinkDropsPerHour { get; set; } = 0.1;

    /// <summary>Expected fault episodes (raising alarms) per vehicle and hour of driving or charging. Default 0.05.</summary>
    public double AlarmsPerHour { get; set; } = 0.05;

    /// <summary>Share of fault episodes that reach level 3. Default 0.1.</summary>
    public double Level3Share { get; set; } = 0.1;

    /// <summary>Share of vehicles whose terminal clock is off by seconds to minutes. Default 0.1.</summary>
    public double SkewFraction { get; set; } = 0.1;

    /// <summary>Largest clock skew, either way. Default 10 min.</summary>
    public TimeSpan MaxSkew { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Where to write the ground truth (JSON lines) at the end of the run; null = do not write.</summary>
    public string? GroundTruthPath { get; set; }

    /// <summary>Simulated duration of the run. Default 1 h.</summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Simulated start time (Beijing time); null = now, rounded down to the second.</summary>
    public DateTimeOffset? StartTime { get; set; }

    /// <summary>How long the terminal waits for a login answer (simulated time) before it reconnects. Default 60 s (2016 Annex B).</summary>
    public TimeSpan LoginTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Throws when an option is out of range.</summary>
    public void Validate()
    {
        static void Share(double v, string name)
        {
            if (double.IsNaN(v) || v < 0 || v > 1)
            {
                throw new ArgumentOutOfRangeException(name, v, "A share must be between 0 and 1.");
            }
        }

        if (Vehicles < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Vehicles), Vehicles, "At least one vehicle.");
        }

        if (ReportPeriod < TimeSpan.FromSeconds(1) || ReportPeriod > TimeSpan.FromSeconds(30) || ReportPeriod.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ReportPeriod), ReportPeriod, "Whole seconds, 1–30 s (GB/T 32960 §9).");
        }

        if (HeartbeatPeriod < TimeSpan.FromSeconds(1) || HeartbeatPeriod > TimeSpan.FromSeconds(240))
        {
            throw new ArgumentOutOfRangeException(nameof(HeartbeatPeriod), HeartbeatPeriod, "1–240 s (parameter 0x09).");
        }

        if (!(TimeScale > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(TimeScale), TimeScale, "Must be positive.");
        }

        if (RatePerSecond < 0 || Duration <= TimeSpan.Zero || LinkDropsPerHour < 0 || AlarmsPerHour < 0 || MaxSkew < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(RatePerSecond), "Rates, duration and skew must not be negative.");
        }

        Share(CarShare, nameof(CarShare));
        Share(TaxiShare, nameof(TaxiShare));
        Share(BusShare, nameof(BusShare));
        Share(MotorcycleShare, nameof(MotorcycleShare));
        Share(Share2025, nameof(Share2025));
        Share(Jt808Share2019, nameof(Jt808Share2019));
        Share(Level3Share, nameof(Level3Share));
        Share(SkewFraction, nameof(SkewFraction));
        if (CarShare + TaxiShare + BusShare + MotorcycleShare <= 0)
        {
            throw new ArgumentException("The class shares must not all be zero.", nameof(CarShare));
        }
    }
}
