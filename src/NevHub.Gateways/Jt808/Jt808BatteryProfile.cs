using System.Buffers.Binary;
using NevHub.Domain;
using NevHub.Protocols.Jt808;

namespace NevHub.Gateways.Jt808;

/// <summary>How a raw value is laid out. All multi-byte values are big-endian, like the rest of JT/T 808.</summary>
public enum Jt808ValueType
{
    /// <summary>Unsigned 8 bit.</summary>
    Byte,

    /// <summary>Unsigned 16 bit.</summary>
    Word,

    /// <summary>Signed 16 bit, two's complement.</summary>
    Int16,

    /// <summary>Unsigned 32 bit.</summary>
    Dword,

    /// <summary>Signed 32 bit, two's complement.</summary>
    Int32,

    /// <summary>GBK/ASCII text, 0x00 padding removed.</summary>
    String,
}

/// <summary>
/// Where one battery value is found: in a location report's additional item <see cref="Item"/>, or (inside
/// <see cref="Jt808BatteryProfile.Transparent"/>) at <see cref="Offset"/> of a 0x0900 payload. value = raw × Scale + Add.
/// </summary>
public sealed class Jt808BatteryValueSource
{
    /// <summary>The additional-item id (0x00–0xFF; configuration accepts "0xE1"). Ignored for 0x0900 payloads.</summary>
    public int Item { get; set; } = -1;

    /// <summary>Byte offset inside the item value or the 0x0900 payload. Default 0.</summary>
    public int Offset { get; set; }

    public Jt808ValueType Type { get; set; } = Jt808ValueType.Byte;

    /// <summary>Strings only: bytes to read; 0 = to the end of the item or payload.</summary>
    public int Length { get; set; }

    public double Scale { get; set; } = 1;

    public double Add { get; set; }

    /// <summary>A raw value that means "invalid" (e.g. 255 or 65535); such a value gives null and marks the field invalid.</summary>
    public long? Invalid { get; set; }

    /// <summary>
    /// Items only: the item's length must be exactly Offset + the value's size (default true), so an id that a model uses
    /// for something else (0xE2 as a 21-byte firmware string) is not misread. Strings need at least one byte.
    /// </summary>
    public bool ExactLength { get; set; } = true;

    internal int Size => Type switch
    {
        Jt808ValueType.Byte => 1,
        Jt808ValueType.Word or Jt808ValueType.Int16 => 2,
        Jt808ValueType.Dword or Jt808ValueType.Int32 => 4,
        _ => Length,
    };

    /// <summary>Reads the raw number from <paramref name="data"/> (item value or payload); null when it does not fit.</summary>
    internal long? ReadNumber(ReadOnlySpan<byte> data, bool item)
    {
        var size = Size;
        if (Type == Jt808ValueType.String || Offset < 0 || data.Length < Offset + size || (item && ExactLength && data.Length != Offset + size))
        {
            return null;
        }

        var span = data.Slice(Offset, size);
        return Type switch
        {
            Jt808ValueType.Byte => span[0],
            Jt808ValueType.Word => BinaryPrimitives.ReadUInt16BigEndian(span),
            Jt808ValueType.Int16 => BinaryPrimitives.ReadInt16BigEndian(span),
            Jt808ValueType.Dword => BinaryPrimitives.ReadUInt32BigEndian(span),
            _ => BinaryPrimitives.ReadInt32BigEndian(span),
        };
    }

    internal string? ReadText(ReadOnlySpan<byte> data, bool item)
    {
        if (Type != Jt808ValueType.String || Offset < 0 || data.Length <= Offset)
        {
            return null;
        }

        var rest = data[Offset..];
        if (Length > 0)
        {
            if (rest.Length < Length || (item && ExactLength && rest.Length != Length))
            {
                return null;
            }

            rest = rest[..Length];
        }

        var text = Jt808Text.Decode(rest).Trim();
        return text.Length == 0 ? null : text;
    }
}

/// <summary>The battery values of a profile, each with its candidate sources (the first that is present wins).</summary>
public sealed class Jt808BatteryFields
{
    /// <summary>State of charge, %. Values outside 0–100 are abnormal.</summary>
    public List<Jt808BatteryValueSource> Soc { get; set; } = [];

    /// <summary>Pack (traction battery) voltage, V.</summary>
    public List<Jt808BatteryValueSource> PackVoltage { get; set; } = [];

    /// <summary>Pack current, A; positive = discharging, negative = charging (the platform's sign convention).</summary>
    public List<Jt808BatteryValueSource> PackCurrent { get; set; } = [];

    /// <summary>Battery temperature, °C (one value: stored as both the highest and the lowest temperature).</summary>
    public List<Jt808BatteryValueSource> Temperature { get; set; } = [];

    /// <summary>Charging state code: 0 not charging, 1 charging, 2 charge complete; other codes are abnormal.</summary>
    public List<Jt808BatteryValueSource> Charging { get; set; } = [];

    /// <summary>The battery pack code (GB/T 34014, 24 letters or digits); anything else is ignored.</summary>
    public List<Jt808BatteryValueSource> BatteryCode { get; set; } = [];

    internal bool IsEmpty => Soc.Count + PackVoltage.Count + PackCurrent.Count + Temperature.Count + Charging.Count + BatteryCode.Count == 0;
}

/// <summary>
/// A device model's mapping of vendor data to battery values: additional items of 0x0200/0x0201/0x0704 reports
/// (<see cref="Items"/>) and one 0x0900 transparent-data type (<see cref="Transparent"/>). See
/// docs/protocols/jt808-battery-profiles.md.
/// </summary>
public sealed class Jt808BatteryProfile
{
    public const string DefaultName = "default";

    /// <summary>Manufacturer ids (0x0100, trimmed, case-insensitive) this profile is for; empty = any.</summary>
    public List<string> Manufacturers { get; set; } = [];

    /// <summary>Terminal models (0x0100, trimmed, case-insensitive) this profile is for; empty = any.</summary>
    public List<string> Models { get; set; } = [];

    public Jt808BatteryFields Items { get; set; } = new();

    /// <summary>The 0x0900 transparent type carrying battery data (0xF0–0xFF are user-defined); -1 = none.</summary>
    public int TransparentType { get; set; } = -1;

    /// <summary>Offsets of the battery values inside a 0x0900 payload of <see cref="TransparentType"/>.</summary>
    public Jt808BatteryFields Transparent { get; set; } = new();

    /// <summary>
    /// The built-in profile (documented in docs/protocols/jt808-battery-profiles.md): items 0xE1 SOC BYTE %, 0xE2 voltage
    /// WORD 0.01 V (or GPS51's 0x61 WORD 0.01 V), 0xE3 current INT16 0.01 A (positive = discharging), 0xE4 temperature
    /// BYTE −40 °C, 0xE5 charging BYTE, 0xE6 battery code STRING[24]; and 0x0900 type 0xF1 with the same values packed
    /// at offsets 0, 1, 3, 5, 6 and 7 (31 bytes; the code is optional).
    /// </summary>
    public static Jt808BatteryProfile CreateDefault() => new()
    {
        Items = new Jt808BatteryFields
        {
            Soc = [new() { Item = 0xE1, Type = Jt808ValueType.Byte, Invalid = 0xFF }],
            PackVoltage =
            [
                new() { Item = 0xE2, Type = Jt808ValueType.Word, Scale = 0.01, Invalid = 0xFFFF },
                new() { Item = 0x61, Type = Jt808ValueType.Word, Scale = 0.01, Invalid = 0xFFFF },
            ],
            PackCurrent = [new() { Item = 0xE3, Type = Jt808ValueType.Int16, Scale = 0.01 }],
            Temperature = [new() { Item = 0xE4, Type = Jt808ValueType.Byte, Add = -40, Invalid = 0xFF }],
            Charging = [new() { Item = 0xE5, Type = Jt808ValueType.Byte, Invalid = 0xFF }],
            BatteryCode = [new() { Item = 0xE6, Type = Jt808ValueType.String, Length = 24 }],
        },
        TransparentType = 0xF1,
        Transparent = new Jt808BatteryFields
        {
            Soc = [new() { Offset = 0, Type = Jt808ValueType.Byte, Invalid = 0xFF }],
            PackVoltage = [new() { Offset = 1, Type = Jt808ValueType.Word, Scale = 0.01, Invalid = 0xFFFF }],
            PackCurrent = [new() { Offset = 3, Type = Jt808ValueType.Int16, Scale = 0.01 }],
            Temperature = [new() { Offset = 5, Type = Jt808ValueType.Byte, Add = -40, Invalid = 0xFF }],
            Charging = [new() { Offset = 6, Type = Jt808ValueType.Byte, Invalid = 0xFF }],
            BatteryCode = [new() { Offset = 7, Type = Jt808ValueType.String, Length = 24 }],
        },
    };

    /// <summary>True when the profile is for this manufacturer and model (empty lists match anything).</summary>
    public bool Matches(string? manufacturer, string? model) =>
        (Manufacturers.Count == 0 || (manufacturer is not null && Manufacturers.Any(m => string.Equals(m.Trim(), manufacturer.Trim(), StringComparison.OrdinalIgnoreCase))))
        && (Models.Count == 0 || (model is not null && Models.Any(m => string.Equals(m.Trim(), model.Trim(), StringComparison.OrdinalIgnoreCase))));

    /// <summary>Battery values from a location report's additional items.</summary>
    public Jt808BatteryReading ReadItems(IReadOnlyList<Jt808AdditionalItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        return Read(Items, source =>
        {
            for (var i = 0; i < items.Count; i++)
            {
                if (items[i].Id == source.Item)
                {
                    return items[i].Value;
                }
            }

            return null;
        }, item: true);
    }

    /// <summary>Battery values from a 0x0900 payload; null when the type is not this profile's.</summary>
    public Jt808BatteryReading? ReadTransparent(byte type, ReadOnlyMemory<byte> payload) =>
        type == TransparentType && !Transparent.IsEmpty ? Read(Transparent, _ => payload, item: false) : null;

    private static Jt808BatteryReading Read(Jt808BatteryFields fields, Func<Jt808BatteryValueSource, ReadOnlyMemory<byte>?> data, bool item)
    {
        var reading = new Jt808BatteryReading();
        reading.Soc = Number(fields.Soc, data, item, SampleField.Soc, ref reading, v => v is >= 0 and <= 100);
        reading.PackVoltageV = Number(fields.PackVoltage, data, item, SampleField.PackVoltage, ref reading, v => v is >= 0 and <= 1000);
        reading.PackCurrentA = Number(fields.PackCurrent, data, item, SampleField.PackCurrent, ref reading, v => v is >= -1000 and <= 1000);
        reading.TemperatureC = Number(fields.Temperature, data, item, SampleField.MaxTemperature | SampleField.MinTemperature, ref reading, v => v is >= -40 and <= 210);
        var charging = Number(fields.Charging, data, item, SampleField.ChargingState, ref reading, v => v is 0 or 1 or 2);
        reading.Charging = charging switch
        {
            0 => ChargingState.NotCharging,
            1 => ChargingState.ParkedCharging,
            2 => ChargingState.ChargeComplete,
            _ => null,
        };

        foreach (var source in fields.BatteryCode)
        {
            if (data(source) is { } bytes && source.ReadText(bytes.Span, item) is { } code)
            {
                reading.BatteryCode = code.Length == 24 && code.All(char.IsAsciiLetterOrDigit) ? code : null;
                break;
            }
        }

        return reading;
    }

    private static double? Number(
        List<Jt808BatteryValueSource> sources,
        Func<Jt808BatteryValueSource, ReadOnlyMemory<byte>?> data,
        bool item,
        SampleField field,
        ref Jt808BatteryReading reading,
        Func<double, bool> plausible)
    {
        foreach (var source in sources)
        {
            if (data(source) is not { } bytes || source.ReadNumber(bytes.Span, item) is not { } raw)
            {
                continue;
            }

            reading.Found |= field;
            if (source.Invalid == raw)
            {
                reading.Invalid |= field;
                return null;
            }

            var value = Math.Round((raw * source.Scale) + source.Add, 6);
            if (!plausible(value))
            {
                reading.Abnormal |= field;
                return null;
            }

            return value;
        }

        return null;
    }
}

/// <summary>Battery values read through a profile; null = not sent (or invalid/abnormal, see the masks).</summary>
public struct Jt808BatteryReading
{
    public double? Soc { get; set; }

    public double? PackVoltageV { get; set; }

    public double? PackCurrentA { get; set; }

    public double? TemperatureC { get; set; }

    public ChargingState? Charging { get; set; }

    public string? BatteryCode { get; set; }

    /// <summary>Fields whose source was present (valid or not).</summary>
    public SampleField Found { get; set; }

    public SampleField Invalid { get; set; }

    public SampleField Abnormal { get; set; }

    public readonly bool Any => Found != SampleField.None || BatteryCode is not null;
}

/// <summary>The configured profiles, and the choice of one per terminal.</summary>
public sealed class Jt808BatteryProfiles
{
    private readonly List<KeyValuePair<string, Jt808BatteryProfile>> _specific;

    public Jt808BatteryProfiles(IReadOnlyDictionary<string, Jt808BatteryProfile> configured)
    {
        ArgumentNullException.ThrowIfNull(configured);
        Default = configured.TryGetValue(Jt808BatteryProfile.DefaultName, out var d) ? d : Jt808BatteryProfile.CreateDefault();
        _specific = [.. configured
            .Where(p => !string.Equals(p.Key, Jt808BatteryProfile.DefaultName, StringComparison.OrdinalIgnoreCase))
            .OrderBy(p => p.Key, StringComparer.Ordinal)];
    }

    public Jt808BatteryProfile Default { get; }

    /// <summary>The first profile (by name) that matches the terminal's manufacturer and model, else the default.</summary>
    public (string Name, Jt808BatteryProfile Profile) Select(string? manufacturer, string? model)
    {
        foreach (var (name, profile) in _specific)
        {
            if ((profile.Manufacturers.Count > 0 || profile.Models.Count > 0) && profile.Matches(manufacturer, model))
            {
                return (name, profile);
            }
        }

        return (Jt808BatteryProfile.DefaultName, Default);
    }
}
