namespace NevHub.Protocols.Gbt32960.Tests;

public class RoundTripTests
{
    private readonly Gbt32960Decoder _decoder = new(MessageGenerator.Options);

    public static TheoryData<int, int, bool> Shapes
    {
        get
        {
            var data = new TheoryData<int, int, bool>();
            foreach (var (version, command, answer) in MessageGenerator.Shapes())
            {
                data.Add(version == Gbt32960Version.V2016 ? 2016 : 2025, (int)command, answer);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Random_messages_of_every_command_survive_encode_decode_encode(int edition, int command, bool answer)
    {
        var version = edition == 2016 ? Gbt32960Version.V2016 : Gbt32960Version.V2025;
        var generator = new MessageGenerator((edition * 1000) + (command * 2) + (answer ? 1 : 0));
        for (var i = 0; i < 150; i++)
        {
            var message = generator.Next(version, (Gbt32960Command)command, answer);
            AssertRoundTrip(message);
        }
    }

    [Theory]
    [InlineData(2016)]
    [InlineData(2025)]
    public void Every_block_kind_of_an_edition_survives_a_round_trip_with_sentinels_and_full_ranges(int edition)
    {
        var version = edition == 2016 ? Gbt32960Version.V2016 : Gbt32960Version.V2025;
        var generator = new MessageGenerator(edition);
        var kinds = Enum.GetValues<Gbt32960BlockKind>().Where(k => k == Gbt32960BlockKind.Custom || Gbt32960BlockTypes.TypeId(k, version) is not null);
        foreach (var kind in kinds)
        {
            for (var i = 0; i < 200; i++)
            {
                var report = new ReportBody { Time = generator.Time(), Blocks = [generator.Block(version, kind)] };
                if (version == Gbt32960Version.V2025)
                {
                    report.Signature = new Gbt32960Signature { Algorithm = 1, R = [1, 2, 3], S = [4] };
                }

                var decoded = AssertRoundTrip(Gbt32960Message.Create(version, Gbt32960Command.RealtimeReport, Frames.Vin, report));
                Assert.Equal(kind, Assert.Single(((ReportBody)decoded.Body).Blocks).Kind);
            }
        }
    }

    [Fact]
    public void A_built_realtime_report_decodes_to_the_same_engineering_values()
    {
        var report = new ReportBody
        {
            Time = new DateTimeOffset(2026, 11, 22, 9, 30, 0, TimeSpan.FromHours(8)),
            Blocks =
            [
                new VehicleBlock(Gbt32960Version.V2016)
                {
                    VehicleState = 1, ChargingState = 3, RunMode = 1, Speed = 523, Odometer = 123456, TotalVoltage = 6400,
                    TotalCurrent = 9500, Soc = 80, DcDcState = 1, Gear = 0x2E, InsulationResistance = 5000, BrakePedal = 101,
                },
                new PositionBlock(Gbt32960Version.V2016) { Status = 0x04, Longitude = 106_551_556, Latitude = 29_563_009 },
            ],
        };
        var bytes = Gbt32960Encoder.Encode(Gbt32960Message.Create(Gbt32960Version.V2016, Gbt32960Command.RealtimeReport, "LNBSCU3H5JR000001", report));
        var decoded = (ReportBody)_decoder.DecodeFrame(bytes).Body;
        var vehicle = decoded.Find<VehicleBlock>()!;
        Assert.Equal(52.3, vehicle.SpeedKmh.Value!.Value, 6);
        Assert.Equal(-50.0, vehicle.CurrentA.Value!.Value, 6);
        Assert.True(vehicle.BrakeApplied);
        Assert.Equal(14, vehicle.GearPosition);
        Assert.Equal(-106.551556, decoded.Find<PositionBlock>()!.LongitudeDeg.Value!.Value, 9);
        Assert.Equal(report.Time, decoded.Time);
        Assert.Equal(TimeSpan.FromHours(8), decoded.Time.Offset);
    }

    [Theory]
    [InlineData(52.3, 0.1, 0, 2, 523u)]
    [InlineData(-50.0, 0.1, -1000, 2, 9500u)]
    [InlineData(-50.0, 0.1, -3000, 2, 29500u)]
    [InlineData(25, 1, -40, 1, 65u)]
    [InlineData(1e9, 0.1, 0, 2, 0xFFFDu)]
    [InlineData(-1e9, 0.1, 0, 2, 0u)]
    public void Engineering_values_convert_to_raw_values_without_reaching_the_sentinels(double value, double scale, double offset, int width, uint raw)
    {
        Assert.Equal(raw, Reading.ToRaw(value, scale, offset, width));
        if (raw is > 0 and < 0xFFFD)
        {
            Assert.Equal(value, new Reading(raw, width, scale, offset).Value!.Value, 6);
        }
    }

    [Fact]
    public void Times_in_other_offsets_are_written_as_Beijing_time()
    {
        var utc = new DateTimeOffset(2026, 1, 1, 20, 0, 0, TimeSpan.Zero);
        var bytes = Gbt32960Encoder.Encode(Gbt32960Message.Create(
            Gbt32960Version.V2016, Gbt32960Command.VehicleLogout, Frames.Vin, new LogoutBody { Time = utc, Serial = 1 }));
        Assert.Equal("1A0102040000", Convert.ToHexString(bytes, 24, 6));
    }

    [Fact]
    public void A_domain_name_parameter_needs_its_length_first_when_encoding()
    {
        var body = new ParameterListBody { Time = DateTimeOffset.Now, Parameters = new[] { Gbt32960Parameter.String(0x05, "nev.example.com") } };
        Assert.Throws<ArgumentException>(() => Gbt32960Encoder.Encode(Gbt32960Message.Create(Gbt32960Version.V2016, Gbt32960Command.SetParameters, Frames.Vin, body)));
    }

    [Fact]
    public void A_block_of_the_other_edition_is_refused_by_the_encoder()
    {
        var body = new ReportBody { Time = DateTimeOffset.Now, Blocks = [new EngineBlock(Gbt32960Version.V2025)] };
        Assert.Throws<ArgumentException>(() => Gbt32960Encoder.Encode(Gbt32960Message.Create(Gbt32960Version.V2016, Gbt32960Command.RealtimeReport, Frames.Vin, body)));
    }

    [Fact]
    public void Remote_upgrade_is_sent_in_string_form_and_the_typed_form_is_accepted()
    {
        var parameters = new RemoteUpgradeParameters
        {
            Url = "ftp://u.example.com/fw.bin", Apn = "cmnet", User = "u", Password = "p", Address = "10.1.2.3", Port = 21,
            ManufacturerId = "ABCD", HardwareVersion = "H1.00", FirmwareVersion = "F2.00", TimeLimitMinutes = 30,
        };
        var control = TerminalControlBody.RemoteUpgrade(DateTimeOffset.Now, parameters);
        Assert.Equal("ftp://u.example.com/fw.bin;cmnet;u;p;10.1.2.3;21;ABCD;H1.00;F2.00;30", System.Text.Encoding.ASCII.GetString(control.Arguments));
        Assert.Equal(parameters, control.Upgrade);

        byte[] typed = [.. "cmnet;u;p;"u8, 0, 0, 10, 1, 2, 3, (byte)';', 0, 21, (byte)';', .. "ABCD;H1.00;F2.00;ftp://u.example.com/fw.bin;"u8, 0, 30];
        var parsed = new TerminalControlBody { CommandId = 1, Arguments = typed }.Upgrade;
        Assert.Equal(parameters with { TypedForm = true }, parsed);
    }

    private Gbt32960Message AssertRoundTrip(Gbt32960Message message)
    {
        var bytes = Gbt32960Encoder.Encode(message);
        var decoded = _decoder.DecodeFrame(bytes);
        var again = Gbt32960Encoder.Encode(decoded);
        Assert.Equal(Convert.ToHexString(bytes), Convert.ToHexString(again));
        Assert.Equal(message.Body.GetType(), decoded.Body.GetType());
        Assert.Equal(Gbt32960Json.Render(message), Gbt32960Json.Render(decoded));
        return decoded;
    }
}
