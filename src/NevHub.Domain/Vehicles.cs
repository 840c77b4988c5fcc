namespace NevHub.Domain;

/// <summary>The class of a vehicle: decides its fossil baseline, its expected report period and how trips are segmented.</summary>
public enum VehicleClass
{
    Car = 1,
    Taxi = 2,
    Bus = 3,
    Motorcycle = 4,
}

/// <summary>Traction-battery chemistry as registered by the maker (GB/T 34014 battery-type letter where known).</summary>
public enum BatteryChemistry
{
    Unknown = 0,
    LithiumIronPhosphate = 1,
    NickelCobaltManganese = 2,
    NickelCobaltAluminium = 3,
    LithiumManganeseOxide = 4,
    LithiumTitanate = 5,
    SodiumIon = 6,
    LeadAcid = 7,
    Other = 99,
}

/// <summary>The wire protocol a vehicle's terminal speaks.</summary>
public enum TelemetryProtocol
{
    Gbt32960V2016 = 1,
    Gbt32960V2025 = 2,
    Jt808V2013 = 3,
    Jt808V2019 = 4,
}

/// <summary>A registered vehicle. <see cref="Maker"/> is the tenant: a maker's users see only their own vehicles.</summary>
public sealed record Vehicle
{
    /// <summary>The 17-character VIN (GB 16735), or the terminal's unique id when a tracker has no VIN.</summary>
    public required string Vin { get; init; }

    /// <summary>The vehicle maker's code; also the tenant key.</summary>
    public required string Maker { get; init; }

    public string Model { get; init; } = "";

    public VehicleClass Class { get; init; } = VehicleClass.Car;

    /// <summary>Rated energy of the traction battery in kWh; used for ΔSOC energy estimates.</summary>
    public double BatteryCapacityKwh { get; init; }

    public BatteryChemistry Chemistry { get; init; } = BatteryChemistry.Unknown;

    /// <summary>Licence plate, when known.</summary>
    public string? Plate { get; init; }

    /// <summary>True when the vehicle registered itself on first login (the registration policy allowed it).</summary>
    public bool AutoRegistered { get; init; }

    public DateTimeOffset RegisteredAt { get; init; }
}
