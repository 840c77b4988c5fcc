using System.Globalization;
using System.Text;
using NevHub.Domain;
using NevHub.Simulator;

namespace NevHub.Cli;

/// <summary>The simulated fleet as registrations, so a platform that requires registration accepts it.</summary>
internal static class FleetRegistration
{
    // Chongqing makers by class; a simulated vehicle gets one by its index, so tenants have several makers to tell apart.
    private static readonly Dictionary<VehicleClass, string[]> Makers = new()
    {
        [VehicleClass.Car] = ["changan", "seres", "avatr"],
        [VehicleClass.Taxi] = ["changan", "seres"],
        [VehicleClass.Bus] = ["yutong", "kinglong"],
        [VehicleClass.Motorcycle] = ["zongshen", "loncin", "yadea"],
    };

    public static IEnumerable<Vehicle> Vehicles(FleetSimulator simulator, DateTimeOffset now) =>
        simulator.Fleet.Vehicles.Select(v => new Vehicle
        {
            Vin = v.Vin,
            Maker = Makers[v.Spec.Class][v.Index % Makers[v.Spec.Class].Length],
            Model = v.Spec.Model,
            Class = v.Spec.Class,
            BatteryCapacityKwh = v.Spec.CapacityKwh,
            Chemistry = v.Spec.Chemistry,
            TerminalPhone = v.TerminalPhone, // motorcycles: their JT/T 808 tracker is bound by phone
            RegisteredAt = now,
        });

    public static string Csv(IEnumerable<Vehicle> vehicles)
    {
        var csv = new StringBuilder("vin,maker,model,class,battery_kwh,chemistry,plate,terminal_phone\n");
        foreach (var v in vehicles)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{v.Vin},{v.Maker},\"{v.Model}\",{v.Class},{v.BatteryCapacityKwh},{Chemistry(v.Chemistry)},,{v.TerminalPhone}\n");
        }

        return csv.ToString();
    }

    private static string Chemistry(BatteryChemistry chemistry) => chemistry switch
    {
        BatteryChemistry.LithiumIronPhosphate => "lfp",
        BatteryChemistry.NickelCobaltManganese => "ncm",
        BatteryChemistry.NickelCobaltAluminium => "nca",
        BatteryChemistry.LithiumManganeseOxide => "lmo",
        BatteryChemistry.LithiumTitanate => "lto",
        BatteryChemistry.SodiumIon => "sodium",
        BatteryChemistry.LeadAcid => "lead",
        BatteryChemistry.Other => "other",
        _ => "unknown",
    };
}
