using System.Globalization;

namespace NevHub.Domain;

/// <summary>A CSV row that could not be read, with its 1-based line number.</summary>
public sealed record VehicleCsvError(int Line, string Message);

/// <summary>
/// Reads vehicle registrations from CSV: a header line naming the columns (any order, case-insensitive)
/// <c>vin,maker,model,class,battery_kwh,chemistry,plate,terminal_phone</c>; vin and maker are required. Fields may be quoted.
/// <c>terminal_phone</c> binds a JT/T 808 tracker (1–20 hex digits, normalised by <see cref="TerminalPhoneNumber"/>).
/// </summary>
public static class VehicleCsv
{
    public const int MaxVinLength = 17;

    public static (IReadOnlyList<Vehicle> Vehicles, IReadOnlyList<VehicleCsvError> Errors) Parse(TextReader reader, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var vehicles = new List<Vehicle>();
        var errors = new List<VehicleCsvError>();
        var header = reader.ReadLine();
        if (header is null)
        {
            errors.Add(new VehicleCsvError(1, "empty file: a header line is required"));
            return (vehicles, errors);
        }

        var columns = SplitLine(header).Select(c => c.Trim().ToLowerInvariant()).ToList();
        int Column(string name) => columns.IndexOf(name);
        var (vin, maker, model, cls, kwh, chem, plate) =
            (Column("vin"), Column("maker"), Column("model"), Column("class"), Column("battery_kwh"), Column("chemistry"), Column("plate"));
        var terminal = Column("terminal_phone");
        if (vin < 0 || maker < 0)
        {
            errors.Add(new VehicleCsvError(1, "the header must name the columns 'vin' and 'maker'"));
            return (vehicles, errors);
        }

        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var fields = SplitLine(line);
            string Field(int index) => index >= 0 && index < fields.Count ? fields[index].Trim() : "";

            var vehicle = new Vehicle
            {
                Vin = Field(vin),
                Maker = Field(maker),
                Model = Field(model),
                Plate = Field(plate) is { Length: > 0 } p ? p : null,
                TerminalPhone = Field(terminal),
                RegisteredAt = now,
            };
            var problem = Validate(vehicle);
            if (problem is null && Field(cls) is { Length: > 0 } c)
            {
                if (Enum.TryParse<VehicleClass>(c, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(c, out _))
                {
                    vehicle = vehicle with { Class = parsed };
                }
                else
                {
                    problem = $"unknown class '{c}' (car, taxi, bus, motorcycle)";
                }
            }

            if (problem is null && Field(kwh) is { Length: > 0 } k)
            {
                if (double.TryParse(k, NumberStyles.Float, CultureInfo.InvariantCulture, out var capacity) && capacity is > 0 and < 10_000)
                {
                    vehicle = vehicle with { BatteryCapacityKwh = capacity };
                }
                else
                {
                    problem = $"battery_kwh '{k}' is not a number between 0 and 10000";
                }
            }

            if (problem is null && Field(chem) is { Length: > 0 } ch)
            {
                if (TryParseChemistry(ch, out var chemistry))
                {
                    vehicle = vehicle with { Chemistry = chemistry };
                }
                else
                {
                    problem = $"unknown chemistry '{ch}' (lfp, ncm, nca, lmo, lto, sodium, lead, other)";
                }
            }

            if (problem is null)
            {
                vehicles.Add(vehicle);
            }
            else
            {
                errors.Add(new VehicleCsvError(lineNumber, problem));
            }
        }

        return (vehicles, errors);
    }

    /// <summary>Checks the fields every registration needs; returns a message, or null when the vehicle is acceptable.</summary>
    public static string? Validate(Vehicle vehicle)
    {
        ArgumentNullException.ThrowIfNull(vehicle);
        if (string.IsNullOrWhiteSpace(vehicle.Vin) || vehicle.Vin.Length > MaxVinLength || !vehicle.Vin.All(IsVinChar))
        {
            return $"vin '{vehicle.Vin}' must be 1 to {MaxVinLength} ASCII letters or digits";
        }

        if (string.IsNullOrWhiteSpace(vehicle.Maker) || vehicle.Maker.Length > 64)
        {
            return "maker is required (at most 64 characters)";
        }

        if (vehicle.Model.Length > 128 || (vehicle.Plate?.Length ?? 0) > 32)
        {
            return "model (128) or plate (32) is too long";
        }

        if (vehicle.TerminalPhone is { } phone && !TerminalPhoneNumber.IsValid(phone))
        {
            return $"terminal_phone '{phone}' must be 1 to {TerminalPhoneNumber.MaxDigits} digits";
        }

        return double.IsFinite(vehicle.BatteryCapacityKwh) && vehicle.BatteryCapacityKwh >= 0 && vehicle.BatteryCapacityKwh < 10_000
            ? null
            : "batteryCapacityKwh must be between 0 and 10000";
    }

    public static bool TryParseChemistry(string text, out BatteryChemistry chemistry)
    {
        chemistry = text.Trim().ToLowerInvariant() switch
        {
            "lfp" or "lithiumironphosphate" => BatteryChemistry.LithiumIronPhosphate,
            "ncm" or "nmc" or "nickelcobaltmanganese" => BatteryChemistry.NickelCobaltManganese,
            "nca" or "nickelcobaltaluminium" => BatteryChemistry.NickelCobaltAluminium,
            "lmo" or "lithiummanganeseoxide" => BatteryChemistry.LithiumManganeseOxide,
            "lto" or "lithiumtitanate" => BatteryChemistry.LithiumTitanate,
            "sodium" or "sodiumion" or "na-ion" => BatteryChemistry.SodiumIon,
            "lead" or "leadacid" => BatteryChemistry.LeadAcid,
            "other" => BatteryChemistry.Other,
            "unknown" => BatteryChemistry.Unknown,
            _ => (BatteryChemistry)(-1),
        };
        return chemistry >= 0;
    }

    private static bool IsVinChar(char c) => c is (>= '0' and <= '9') or (>= 'A' and <= 'Z') or (>= 'a' and <= 'z');

    private static List<string> SplitLine(string line)
    {
        var fields = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        fields.Add(current.ToString());
        return fields;
    }
}
