using NevHub.Domain;
using NevHub.Gateways.Jt808;
using NevHub.Protocols.Jt808;

namespace NevHub.Server.FunctionalTests;

/// <summary>The default battery profile and the sample mapping against real frames from shared/vectors/jt808/location.json.</summary>
public sealed class Jt808BatteryProfileTests
{
    private static Jt808Message Decode(string hex) =>
        Jt808Decoder.Default.Decode(new Jt808Framer().ReadComplete(Convert.FromHexString(hex)));

    [Fact]
    public void The_72_volt_e_motorcycle_vector_decodes_to_75_40_volts_with_its_position_and_speed()
    {
        // location_2013_ebike_main_voltage_0x61
        var message = Decode("7E0200002C0138083582460440000000000000000301D37B35063F5E4901A0014A011B210917171126010400000C4530011531010461021D74A27E");
        var location = Assert.IsType<Jt808LocationReport>(message.Body).Location;
        var sample = Jt808SampleMapper.Map("LEBIKE00000000001", message.Header.Version, location, ReportKind.Realtime,
            DateTimeOffset.UtcNow, TimeSpan.FromHours(8), Jt808BatteryProfile.CreateDefault(), out var code);

        Assert.Equal(75.40, sample.PackVoltageV);
        Assert.Null(sample.SocPercent);
        Assert.Null(code);
        Assert.Equal(33.0, sample.SpeedKmh);
        Assert.Equal(30.636853, sample.Latitude!.Value, 6);
        Assert.Equal(314.1, sample.OdometerKm!.Value, 1);
        Assert.Equal(VehicleRunState.Started, sample.VehicleState);
        Assert.Equal(new DateTimeOffset(2021, 9, 17, 9, 11, 26, TimeSpan.Zero), sample.SampleTime);
        Assert.Equal(TelemetryProtocol.Jt808V2013, sample.Protocol);
    }

    [Fact]
    public void A_firmware_string_in_0xE2_is_not_read_as_a_voltage_and_0x61_is_used_instead()
    {
        // location_2019_gps51_voltage_firmware
        var message = Decode("7E02004043010000086061575429591701BC00000000000C00030158AE9606C9069600000000006B21091717255901040000000130011931010A610204DCE21547423230312D47534D2D32313030312D312E312E31C57E");
        var reading = Jt808BatteryProfile.CreateDefault().ReadItems(Assert.IsType<Jt808LocationReport>(message.Body).Location.Items);
        Assert.Equal(12.44, reading.PackVoltageV);
        Assert.Equal(SampleField.PackVoltage, reading.Found);
        Assert.Equal(SampleField.None, reading.Invalid | reading.Abnormal);
    }

    [Fact]
    public void Invalid_and_implausible_values_are_null_and_marked()
    {
        IReadOnlyList<Jt808AdditionalItem> items = [Jt808Items.Byte(0xE1, 0xFF), Jt808Items.Word(0xE2, 0xFFFF), Jt808Items.Byte(0xE5, 7), Jt808Items.Raw(0xE6, "SHORT"u8)];
        var reading = Jt808BatteryProfile.CreateDefault().ReadItems(items);
        Assert.Null(reading.Soc);
        Assert.Null(reading.PackVoltageV);
        Assert.Null(reading.Charging);
        Assert.Null(reading.BatteryCode);
        Assert.Equal(SampleField.Soc | SampleField.PackVoltage, reading.Invalid);
        Assert.Equal(SampleField.ChargingState, reading.Abnormal);
    }

    [Theory]
    [InlineData(0u, 0)]
    [InlineData(1u << 13, 1)]
    [InlineData(1u << 7, 2)]
    [InlineData((1u << 7) | (1u << 13), 2)]
    [InlineData((1u << 0) | (1u << 7), 3)]
    [InlineData(1u << 30, 3)]
    public void Alarm_levels_follow_the_documented_mapping(uint alarm, int level) =>
        Assert.Equal(level, Jt808SampleMapper.AlarmLevelOf(alarm));

    [Fact]
    public void Profiles_are_chosen_by_manufacturer_and_model_with_the_default_as_fallback()
    {
        var special = new Jt808BatteryProfile { Manufacturers = ["ACME1"], Models = ["G10LS"] };
        var profiles = new Jt808BatteryProfiles(new Dictionary<string, Jt808BatteryProfile>(StringComparer.OrdinalIgnoreCase) { ["acme"] = special });
        Assert.Same(special, profiles.Select("acme1 ", "g10ls").Profile);
        Assert.Equal(Jt808BatteryProfile.DefaultName, profiles.Select("ACME1", "OTHER").Name);
        Assert.Equal(Jt808BatteryProfile.DefaultName, profiles.Select(null, null).Name);
    }

    [Fact]
    public void Terminal_phones_are_normalised_so_2013_and_2019_forms_match()
    {
        Assert.Equal("013808358246", TerminalPhoneNumber.Normalize("00000000013808358246"));
        Assert.Equal("013808358246", TerminalPhoneNumber.Normalize(" 13808358246 "));
        Assert.Equal("4f07788ef676", TerminalPhoneNumber.Normalize("4F07788EF676"));
        Assert.Equal("00000860615754295917", TerminalPhoneNumber.Normalize("860615754295917"));
        Assert.Equal("12-34", TerminalPhoneNumber.Normalize("12-34"));
        Assert.False(TerminalPhoneNumber.IsValid("123456789012345678901"));
        Assert.Null(TerminalPhoneNumber.Normalize(" "));
    }
}
