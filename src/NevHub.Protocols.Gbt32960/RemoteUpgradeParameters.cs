using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace NevHub.Protocols.Gbt32960;

/// <summary>
/// Remote-upgrade parameters (terminal control 0x01). We send the ASCII string form
/// "URL;APN;user;password;address;port;maker;hw;fw;timeout" (§10.16) and accept the typed form too.
/// </summary>
public sealed record RemoteUpgradeParameters
{
    public string Url { get; init; } = string.Empty;

    public string Apn { get; init; } = string.Empty;

    public string User { get; init; } = string.Empty;

    public string Password { get; init; } = string.Empty;

    /// <summary>Server address: IP or domain name (typed form: BYTE[6], an IPv4 address has 2 leading zero bytes).</summary>
    public string Address { get; init; } = string.Empty;

    public ushort Port { get; init; }

    /// <summary>Manufacturer id, STRING[4].</summary>
    public string ManufacturerId { get; init; } = string.Empty;

    /// <summary>STRING[5].</summary>
    public string HardwareVersion { get; init; } = string.Empty;

    /// <summary>STRING[5].</summary>
    public string FirmwareVersion { get; init; } = string.Empty;

    /// <summary>Minutes (0–60000) within which the terminal must reach the upgrade server.</summary>
    public ushort TimeLimitMinutes { get; init; }

    /// <summary>True when parsed from the typed (binary) form.</summary>
    public bool TypedForm { get; init; }

    /// <summary>The ASCII string form.</summary>
    public byte[] ToStringForm()
    {
        var text = string.Join(
            ';',
            Url,
            Apn,
            User,
            Password,
            Address,
            Port.ToString(CultureInfo.InvariantCulture),
            ManufacturerId,
            HardwareVersion,
            FirmwareVersion,
            TimeLimitMinutes.ToString(CultureInfo.InvariantCulture));
        return Encoding.Latin1.GetBytes(text);
    }

    /// <summary>Parses the string form, else the typed form; null when neither fits.</summary>
    public static RemoteUpgradeParameters? TryParse(ReadOnlySpan<byte> data) => TryParseString(data) ?? TryParseTyped(data);

    private static RemoteUpgradeParameters? TryParseString(ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            if (b < 0x20 || b > 0x7E)
            {
                return null;
            }
        }

        var parts = Encoding.Latin1.GetString(data).Split(';');
        if (parts.Length != 10
            || !ushort.TryParse(parts[5], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || !ushort.TryParse(parts[9], NumberStyles.None, CultureInfo.InvariantCulture, out var limit))
        {
            return null;
        }

        return new()
        {
            Url = parts[0],
            Apn = parts[1],
            User = parts[2],
            Password = parts[3],
            Address = parts[4],
            Port = port,
            ManufacturerId = parts[6],
            HardwareVersion = parts[7],
            FirmwareVersion = parts[8],
            TimeLimitMinutes = limit,
        };
    }

    private static RemoteUpgradeParameters? TryParseTyped(ReadOnlySpan<byte> data)
    {
        // APN;user;password;address[6];port[2];maker[4];hw[5];fw[5];URL;limit[2]
        if (!NextText(ref data, out var apn) || !NextText(ref data, out var user) || !NextText(ref data, out var password)
            || !NextFixed(ref data, 6, out var address) || !NextFixed(ref data, 2, out var port)
            || !NextFixed(ref data, 4, out var maker) || !NextFixed(ref data, 5, out var hw) || !NextFixed(ref data, 5, out var fw)
            || !NextText(ref data, out var url) || data.Length != 2)
        {
            return null;
        }

        string addressText;
        if (address[0] == 0 && address[1] == 0)
        {
            addressText = string.Create(CultureInfo.InvariantCulture, $"{address[2]}.{address[3]}.{address[4]}.{address[5]}");
        }
        else
        {
            addressText = TextField.Decode(address, 0);
        }

        return new()
        {
            Apn = apn,
            User = user,
            Password = password,
            Address = addressText,
            Port = BinaryPrimitives.ReadUInt16BigEndian(port),
            ManufacturerId = TextField.Decode(maker, 0),
            HardwareVersion = TextField.Decode(hw, 0),
            FirmwareVersion = TextField.Decode(fw, 0),
            Url = url,
            TimeLimitMinutes = BinaryPrimitives.ReadUInt16BigEndian(data),
            TypedForm = true,
        };
    }

    private static bool NextText(ref ReadOnlySpan<byte> data, out string text)
    {
        var end = data.IndexOf((byte)';');
        if (end < 0)
        {
            text = string.Empty;
            return false;
        }

        text = Encoding.Latin1.GetString(data[..end]);
        data = data[(end + 1)..];
        return true;
    }

    private static bool NextFixed(ref ReadOnlySpan<byte> data, int size, out ReadOnlySpan<byte> field)
    {
        if (data.Length < size + 1 || data[size] != (byte)';')
        {
            field = default;
            return false;
        }

        field = data[..size];
        data = data[(size + 1)..];
        return true;
    }
}
