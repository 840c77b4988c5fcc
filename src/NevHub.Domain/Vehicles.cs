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

    /// <summary>
    /// The JT/T 808 terminal (tracker) bound to this vehicle: its phone number as the header carries it, normalised by
    /// <see cref="TerminalPhoneNumber.Normalize"/> (12 digits when the number fits, else 20; lower-case hex). Null when none.
    /// </summary>
    public string? TerminalPhone
    {
        get => _terminalPhone;
        init => _terminalPhone = TerminalPhoneNumber.Normalize(value);
    }

    private readonly string? _terminalPhone;

    /// <summary>True when the vehicle registered itself on first login (the registration policy allowed it).</summary>
    public bool AutoRegistered { get; init; }

    public DateTimeOffset RegisteredAt { get; init; }
}

/// <summary>
/// The canonical form of a JT/T 808 terminal phone number (the BCD terminal number of the message header). The same SIM
/// travels as 12 digits in 2011/2013 headers and as 20 digits in 2019 headers, left-padded with zeros; some devices put an
/// IMEI or a vendor id with hex nibbles there. Canonical: lower-case hex digits, leading zeros dropped down to 12 digits,
/// so <c>013808358246</c>, <c>13808358246</c> and <c>00000000013808358246</c> are all <c>013808358246</c>; a number with
/// more than 12 significant digits is padded to 20.
/// </summary>
public static class TerminalPhoneNumber
{
    public const int MaxDigits = 20;

    /// <summary>True for 1 to 20 hex digits (0-9, a-f, A-F).</summary>
    public static bool IsValid(string? text) =>
        text is { Length: > 0 and <= MaxDigits } && text.All(char.IsAsciiHexDigit);

    /// <summary>The canonical form, or the input unchanged (trimmed; empty becomes null) when it is not a valid number, so validation can report it.</summary>
    public static string? Normalize(string? text)
    {
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return null;
        }

        if (!IsValid(trimmed))
        {
            return trimmed;
        }

        var significant = trimmed.TrimStart('0').ToLowerInvariant();
        return significant.PadLeft(significant.Length <= 12 ? 12 : MaxDigits, '0');
    }
}
