using System.Buffers.Binary;

namespace NevHub.Protocols.Jt808;

/// <summary>Value type of a terminal parameter (jt808.md §8).</summary>
public enum Jt808ParameterType
{
    /// <summary>Not in our table (vendor or undocumented): kept raw.</summary>
    Unknown,
    Byte,
    Word,
    Dword,
    String,
}

/// <summary>One terminal parameter item of 0x8103 / 0x0104: id DWORD, length BYTE, value (kept raw).</summary>
public readonly record struct Jt808Parameter(uint Id, ReadOnlyMemory<byte> Value)
{
    public int Length => Value.Length;

    public Jt808ParameterType Type => Jt808Parameters.TypeOf(Id);

    /// <summary>The numeric value when the id is a BYTE/WORD/DWORD parameter of the right length, else null.</summary>
    public uint? Number => (Type, Length) switch
    {
        (Jt808ParameterType.Byte, 1) => Value.Span[0],
        (Jt808ParameterType.Word, 2) => BinaryPrimitives.ReadUInt16BigEndian(Value.Span),
        (Jt808ParameterType.Dword, 4) => BinaryPrimitives.ReadUInt32BigEndian(Value.Span),
        _ => null,
    };

    /// <summary>The GBK text when the id is a STRING parameter, else null.</summary>
    public string? Text => Type == Jt808ParameterType.String ? Jt808Text.Decode(Value.Span) : null;
}

/// <summary>The parameter ids jt808.md §8 documents, with their types, names and factories.</summary>
public static class Jt808Parameters
{
    public const uint HeartbeatInterval = 0x0001;
    public const uint TcpReplyTimeout = 0x0002;
    public const uint TcpRetransmissions = 0x0003;
    public const uint MainApn = 0x0010;
    public const uint MainServerAddress = 0x0013;
    public const uint BackupServerAddress = 0x0017;
    public const uint ServerTcpPort = 0x0018;
    public const uint ReportingStrategy = 0x0020;
    public const uint ReportingScheme = 0x0021;
    public const uint SleepReportInterval = 0x0027;
    public const uint EmergencyReportInterval = 0x0028;
    public const uint DefaultReportInterval = 0x0029;
    public const uint DefaultDistanceInterval = 0x002C;
    public const uint TurningAngle = 0x0030;
    public const uint SpeedLimit = 0x0055;
    public const uint OverspeedDuration = 0x0056;
    public const uint Odometer = 0x0080;
    public const uint Province = 0x0081;
    public const uint City = 0x0082;
    public const uint Plate = 0x0083;
    public const uint PlateColor = 0x0084;

    public static Jt808ParameterType TypeOf(uint id) => id switch
    {
        HeartbeatInterval or TcpReplyTimeout or TcpRetransmissions or ServerTcpPort or ReportingStrategy or ReportingScheme
            or SleepReportInterval or EmergencyReportInterval or DefaultReportInterval or DefaultDistanceInterval or TurningAngle
            or SpeedLimit or OverspeedDuration or Odometer => Jt808ParameterType.Dword,
        MainApn or MainServerAddress or BackupServerAddress or Plate => Jt808ParameterType.String,
        Province or City => Jt808ParameterType.Word,
        PlateColor => Jt808ParameterType.Byte,
        _ => Jt808ParameterType.Unknown,
    };

    public static string NameOf(uint id) => id switch
    {
        HeartbeatInterval => "heartbeat_interval_s",
        TcpReplyTimeout => "tcp_reply_timeout_s",
        TcpRetransmissions => "tcp_retransmissions",
        MainApn => "main_apn",
        MainServerAddress => "main_server_address",
        BackupServerAddress => "backup_server_address",
        ServerTcpPort => "server_tcp_port",
        ReportingStrategy => "reporting_strategy",
        ReportingScheme => "reporting_scheme",
        SleepReportInterval => "sleep_report_interval_s",
        EmergencyReportInterval => "emergency_report_interval_s",
        DefaultReportInterval => "default_report_interval_s",
        DefaultDistanceInterval => "default_distance_interval_m",
        TurningAngle => "turning_angle_deg",
        SpeedLimit => "speed_limit_kmh",
        OverspeedDuration => "overspeed_duration_s",
        Odometer => "odometer_0_1km",
        Province => "province_id",
        City => "city_id",
        Plate => "plate",
        PlateColor => "plate_color",
        _ => "unknown",
    };

    public static Jt808Parameter Dword(uint id, uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new Jt808Parameter(id, bytes);
    }

    public static Jt808Parameter Word(uint id, ushort value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        return new Jt808Parameter(id, bytes);
    }

    public static Jt808Parameter Byte(uint id, byte value) => new(id, new[] { value });

    public static Jt808Parameter String(uint id, string text)
    {
        var bytes = Jt808Text.Encode(text);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bytes.Length, 255, nameof(text));
        return new Jt808Parameter(id, bytes);
    }

    public static Jt808Parameter Raw(uint id, ReadOnlySpan<byte> value)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value.Length, 255, nameof(value));
        return new Jt808Parameter(id, value.ToArray());
    }

    internal static List<Jt808Parameter> ReadList(ref Jt808BodyReader reader, ReadOnlyMemory<byte> body, int count)
    {
        var list = new List<Jt808Parameter>(count);
        for (var i = 0; i < count; i++)
        {
            var id = reader.ReadUInt32();
            var length = reader.ReadByte();
            var start = reader.Position;
            reader.Take(length);
            list.Add(new Jt808Parameter(id, body.Slice(start, length)));
        }

        if (reader.Remaining != 0)
        {
            Jt808Throw.Body($"{reader.Remaining} bytes follow the {count} parameter items.");
        }

        return list;
    }

    internal static void WriteList(Jt808BodyWriter writer, IReadOnlyList<Jt808Parameter> parameters)
    {
        if (parameters.Count > 255)
        {
            throw new ArgumentException("At most 255 parameters fit one message (count is a BYTE).", nameof(parameters));
        }

        writer.WriteByte((byte)parameters.Count);
        foreach (var p in parameters)
        {
            if (p.Length > 255)
            {
                throw new ArgumentException($"Parameter 0x{p.Id:X4} is {p.Length} bytes; at most 255 fit.", nameof(parameters));
            }

            writer.WriteUInt32(p.Id);
            writer.WriteByte((byte)p.Length);
            writer.WriteBytes(p.Value.Span);
        }
    }
}
