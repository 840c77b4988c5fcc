using NevHub.Domain;

namespace NevHub.Simulator.Model;

/// <summary>
/// Physical parameters of one simulated vehicle. Drawn per vehicle from its class (<see cref="Create"/>), so a fleet
/// has some variety (pack variants, chargers, driver behaviour) but every value stays plausible for the class.
/// </summary>
public sealed record VehicleSpec
{
    public required VehicleClass Class { get; init; }

    public required string Model { get; init; }

    public required BatteryChemistry Chemistry { get; init; }

    /// <summary>Rated pack energy in kWh (the energy between 0 % and 100 % SOC at open-circuit voltage).</summary>
    public required double CapacityKwh { get; init; }

    /// <summary>Cells in series; the pack voltage is this many times the cell voltage.</summary>
    public required int SeriesCells { get; init; }

    /// <summary>Parallel strings whose cells are monitored one by one (2 for the 384-cell bus pack: 2 × 192S).</summary>
    public int ParallelStrings { get; init; } = 1;

    /// <summary>Number of cell voltages reported: <see cref="SeriesCells"/> × <see cref="ParallelStrings"/>.</summary>
    public int ReportedCells => SeriesCells * ParallelStrings;

    public required int TemperatureProbes { get; init; }

    /// <summary>Resistance of one series element in Ω (all parallel cells of that element together).</summary>
    public required double CellResistanceOhm { get; init; }

    public required double MassKg { get; init; }

    public required double RollingResistance { get; init; }

    /// <summary>Drag area Cd·A in m².</summary>
    public required double DragAreaM2 { get; init; }

    public required double TopSpeedKmh { get; init; }

    public required double MaxAccelerationMs2 { get; init; }

    /// <summary>Base auxiliary load (DC-DC, electronics) in kW while the vehicle is on.</summary>
    public required double AuxBaseKw { get; init; }

    /// <summary>Climate load in kW per kelvin between ambient and 22 °C, capped at <see cref="HvacMaxKw"/>.</summary>
    public required double HvacKwPerK { get; init; }

    public required double HvacMaxKw { get; init; }

    public required double MaxMotorPowerKw { get; init; }

    public required double MaxRegenPowerKw { get; init; }

    public required double WheelRadiusM { get; init; }

    public required double GearRatio { get; init; }

    /// <summary>Charging power of the vehicle's usual charger (AC for cars and motorcycles, DC for taxis and buses), in kW.</summary>
    public required double ChargePowerKw { get; init; }

    public required bool FastCharging { get; init; }

    /// <summary>Motorcycles only: the rider subscribes to a battery-swap service and swaps the pack at a station instead of charging.</summary>
    public bool BatterySwap { get; init; }

    /// <summary>SOC (0–1) below which the driver goes to charge.</summary>
    public required double ChargeBelowSoc { get; init; }

    /// <summary>SOC (0–1) at which charging stops.</summary>
    public required double ChargeToSoc { get; init; }

    /// <summary>Nominal pack voltage (mean open-circuit voltage over 0–100 % SOC).</summary>
    public double NominalVoltage => SeriesCells * Ocv.MeanCellVoltage(Chemistry);

    /// <summary>Draws the parameters of one vehicle of a class.</summary>
    /// <param name="vehicleClass">The class.</param>
    /// <param name="rng">The vehicle's random stream.</param>
    /// <param name="variant">Picks fixed variants deterministically: every third bus (variant % 3 == 2) has the 384-cell pack.</param>
    public static VehicleSpec Create(VehicleClass vehicleClass, Random rng, int variant)
    {
        ArgumentNullException.ThrowIfNull(rng);
        double Between(double lo, double hi) => lo + (rng.NextDouble() * (hi - lo));
        switch (vehicleClass)
        {
            case VehicleClass.Car:
            {
                var longRange = rng.NextDouble() < 0.2;
                return new VehicleSpec
                {
                    Class = vehicleClass,
                    Model = longRange ? "CQ-Sedan LR" : "CQ-Sedan",
                    Chemistry = BatteryChemistry.NickelCobaltManganese,
                    CapacityKwh = longRange ? 78 : 60,
                    SeriesCells = longRange ? 108 : 96,
                    TemperatureProbes = longRange ? 36 : 32,
                    CellResistanceOhm = 0.0009,
                    MassKg = longRange ? 2000 : 1800,
                    RollingResistance = 0.010,
                    DragAreaM2 = 0.62,
                    TopSpeedKmh = 160,
                    MaxAccelerationMs2 = 2.2,
                    AuxBaseKw = 0.35,
                    HvacKwPerK = 0.12,
                    HvacMaxKw = 2.5,
                    MaxMotorPowerKw = 150,
                    MaxRegenPowerKw = 60,
                    WheelRadiusM = 0.33,
                    GearRatio = 9.7,
                    FastCharging = rng.NextDouble() < 0.3,
                    ChargePowerKw = 7,
                    ChargeBelowSoc = rng.NextDouble() < 0.2 ? 0.12 : Between(0.2, 0.3),
                    ChargeToSoc = Between(0.9, 1.0),
                };
            }

            case VehicleClass.Taxi:
                return new VehicleSpec
                {
                    Class = vehicleClass,
                    Model = "CQ-Taxi",
                    Chemistry = BatteryChemistry.LithiumIronPhosphate,
                    CapacityKwh = 50,
                    SeriesCells = 120,
                    TemperatureProbes = 24,
                    CellResistanceOhm = 0.0004,
                    MassKg = 1750,
                    RollingResistance = 0.011,
                    DragAreaM2 = 0.68,
                    TopSpeedKmh = 140,
                    MaxAccelerationMs2 = 1.9,
                    AuxBaseKw = 0.35,
                    HvacKwPerK = 0.12,
                    HvacMaxKw = 2.5,
                    MaxMotorPowerKw = 100,
                    MaxRegenPowerKw = 50,
                    WheelRadiusM = 0.32,
                    GearRatio = 9.3,
                    FastCharging = true,
                    ChargePowerKw = Math.Round(Between(60, 90)),
                    ChargeBelowSoc = Between(0.2, 0.3),
                    ChargeToSoc = Between(0.85, 0.95),
                };

            case VehicleClass.Bus:
            {
                var twoStrings = variant % 3 == 2; // a 384-cell pack: 2 monitored strings of 192S
                return new VehicleSpec
                {
                    Class = vehicleClass,
                    Model = twoStrings ? "CQ-Bus 12m HV" : "CQ-Bus 12m",
                    Chemistry = BatteryChemistry.LithiumIronPhosphate,
                    CapacityKwh = twoStrings ? 350 : 280,
                    SeriesCells = twoStrings ? 192 : 168,
                    ParallelStrings = twoStrings ? 2 : 1,
                    TemperatureProbes = twoStrings ? 64 : 48,
                    CellResistanceOhm = 0.00035,
                    MassKg = 15000,
                    RollingResistance = 0.008,
                    DragAreaM2 = 5.5,
                    TopSpeedKmh = 69,
                    MaxAccelerationMs2 = 1.0,
                    AuxBaseKw = 1.0,
                    HvacKwPerK = 0.35,
                    HvacMaxKw = 8,
                    MaxMotorPowerKw = 250,
                    MaxRegenPowerKw = 200,
                    WheelRadiusM = 0.48,
                    GearRatio = 12,
                    FastCharging = true,
                    ChargePowerKw = Math.Round(Between(100, 120)),
                    ChargeBelowSoc = Between(0.3, 0.4),
                    ChargeToSoc = 0.95,
                };
            }

            case VehicleClass.Motorcycle:
            {
                var volts = rng.Next(3); // 48 / 60 / 72 V systems
                var chargeBelow = Between(0.2, 0.35);

                // How the rider refills: 40 % swap packs at a station, 20 % use a fast charger (1.5 C), the rest a socket.
                var mode = rng.NextDouble();
                var capacity = volts switch { 0 => 2.0, 1 => 3.0, _ => 4.0 };
                return new VehicleSpec
                {
                    Class = vehicleClass,
                    Model = volts switch { 0 => "CQ-Moto 48V", 1 => "CQ-Moto 60V", _ => "CQ-Moto 72V" },
                    Chemistry = BatteryChemistry.LithiumIronPhosphate,
                    CapacityKwh = capacity,
                    SeriesCells = volts switch { 0 => 15, 1 => 19, _ => 23 },
                    TemperatureProbes = 4,
                    CellResistanceOhm = 0.003,
                    MassKg = 170,
                    RollingResistance = 0.015,
                    DragAreaM2 = 0.45,
                    TopSpeedKmh = volts switch { 0 => 45, 1 => 55, _ => 70 },
                    MaxAccelerationMs2 = 1.8,
                    AuxBaseKw = 0.03,
                    HvacKwPerK = 0,
                    HvacMaxKw = 0,
                    MaxMotorPowerKw = volts switch { 0 => 2, 1 => 3, _ => 5 },
                    MaxRegenPowerKw = 0.5,
                    WheelRadiusM = 0.25,
                    GearRatio = 1, // hub motor
                    FastCharging = mode is >= 0.4 and < 0.6,
                    BatterySwap = mode < 0.4,
                    ChargePowerKw = mode is >= 0.4 and < 0.6 ? 1.5 * capacity : 0.6 + (0.2 * volts),
                    ChargeBelowSoc = chargeBelow,
                    ChargeToSoc = mode is >= 0.4 and < 0.6 ? 0.9 : 1.0,
                };
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(vehicleClass), vehicleClass, "Unknown vehicle class.");
        }
    }
}

/// <summary>Open-circuit voltage of one cell as a function of SOC, per chemistry (piecewise linear, 10 % steps).</summary>
public static class Ocv
{
    private static readonly double[] Ncm = [3.30, 3.50, 3.58, 3.63, 3.67, 3.72, 3.80, 3.88, 3.96, 4.06, 4.18];
    private static readonly double[] Lfp = [2.90, 3.20, 3.24, 3.26, 3.28, 3.29, 3.30, 3.31, 3.32, 3.34, 3.40];

    public static double CellVoltage(BatteryChemistry chemistry, double soc)
    {
        var table = Table(chemistry);
        var x = Math.Clamp(soc, 0, 1) * 10;
        var i = Math.Min((int)x, 9);
        return table[i] + ((x - i) * (table[i + 1] - table[i]));
    }

    /// <summary>Mean of the curve over 0–100 % SOC (trapezoid on the table), the "nominal" cell voltage.</summary>
    public static double MeanCellVoltage(BatteryChemistry chemistry)
    {
        var table = Table(chemistry);
        var sum = 0.0;
        for (var i = 0; i < 10; i++)
        {
            sum += (table[i] + table[i + 1]) / 2;
        }

        return sum / 10;
    }

    private static double[] Table(BatteryChemistry chemistry) =>
        chemistry == BatteryChemistry.LithiumIronPhosphate ? Lfp : Ncm;
}
