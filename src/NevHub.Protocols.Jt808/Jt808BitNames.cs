namespace NevHub.Protocols.Jt808;

/// <summary>
/// Names of alarm, status and item bits, by header version (jt808.md §9 and §12 items 10-11). Bits the version reserves are
/// named <c>reserved_bitN</c>; bit 0 is the least significant bit of the big-endian value.
/// </summary>
public static class Jt808BitNames
{
    private static readonly string[] AlarmCommon =
    [
        "emergency_sos", "overspeed", "fatigue_driving", "danger_warning", "gnss_module_fault", "gnss_antenna_open",
        "gnss_antenna_short", "main_power_undervoltage", "main_power_cut", "display_fault", "tts_fault", "camera_fault",
        "ic_card_module_fault", "overspeed_warning", "fatigue_warning", "reserved_bit15", "reserved_bit16", "reserved_bit17",
        "driving_time_exceeded_today", "overtime_parking", "area_in_out", "route_in_out", "route_time_abnormal",
        "route_deviation", "vss_fault", "fuel_abnormal", "vehicle_stolen", "illegal_ignition", "illegal_displacement",
        "collision_warning", "rollover_warning", "illegal_door_open",
    ];

    private static readonly string[] Alarm2013 = AlarmCommon;

    private static readonly string[] Alarm2019 = Patch(
        AlarmCommon,
        (15, "illegal_driving_period"),
        (16, "tire_pressure_warning"),
        (17, "right_turn_blind_zone_alarm"),
        (29, "collision_alarm"),
        (30, "rollover_alarm"),
        (31, "reserved_bit31"));

    private static readonly string[] Status2013 =
    [
        "acc_on", "positioned", "south_latitude", "west_longitude", "out_of_service", "coordinates_encrypted", "reserved_bit6",
        "reserved_bit7", "load_state_low", "load_state_high", "fuel_circuit_cut", "electric_circuit_cut", "doors_locked",
        "door1_open", "door2_open", "door3_open", "door4_open", "door5_open", "gnss_gps", "gnss_beidou", "gnss_glonass",
        "gnss_galileo", "reserved_bit22", "reserved_bit23", "reserved_bit24", "reserved_bit25", "reserved_bit26",
        "reserved_bit27", "reserved_bit28", "reserved_bit29", "reserved_bit30", "reserved_bit31",
    ];

    private static readonly string[] Status2019 = Patch(
        Status2013, (6, "aeb_forward_collision_warning"), (7, "lane_departure_warning"), (22, "vehicle_moving"));

    private static readonly string[] ExtendedSignals = Patch(
        Reserved(32),
        (0, "low_beam"), (1, "high_beam"), (2, "right_turn"), (3, "left_turn"), (4, "brake"), (5, "reverse"), (6, "fog_light"),
        (7, "clearance_lamps"), (8, "horn"), (9, "air_conditioning"), (10, "neutral"), (11, "retarder"), (12, "abs"),
        (13, "heater"), (14, "clutch"));

    private static readonly string[] IoStatusNames = Patch(Reserved(16), (0, "deep_sleep"), (1, "sleep"));

    public static string Alarm(int bit, Jt808Version version) => (version == Jt808Version.V2019 ? Alarm2019 : Alarm2013)[bit];

    public static string Status(int bit, Jt808Version version) => (version == Jt808Version.V2019 ? Status2019 : Status2013)[bit];

    /// <summary>Item 0x25 bit names.</summary>
    public static string ExtendedSignal(int bit) => ExtendedSignals[bit];

    /// <summary>Item 0x2A bit names.</summary>
    public static string IoStatus(int bit) => IoStatusNames[bit];

    /// <summary>Names of load states (status bits 8-9).</summary>
    public static string LoadState(int state) => state switch
    {
        0 => "empty",
        1 => "half",
        2 => "reserved",
        _ => "full",
    };

    private static string[] Reserved(int count)
    {
        var names = new string[count];
        for (var i = 0; i < count; i++)
        {
            names[i] = "reserved_bit" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return names;
    }

    private static string[] Patch(string[] source, params (int Bit, string Name)[] changes)
    {
        var copy = (string[])source.Clone();
        foreach (var (bit, name) in changes)
        {
            copy[bit] = name;
        }

        return copy;
    }
}
