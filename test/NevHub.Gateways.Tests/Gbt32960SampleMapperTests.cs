using NevHub.Domain;
using NevHub.Gateways.Gbt32960;
using NevHub.Protocols.Gbt32960;
using NevHub.Testing;
using System.Text.Json;

namespace NevHub.Gateways.Tests;

public class Gbt32960SampleMapperTests
{
    private static readonly DateTimeOffset Received = new(2026, 11, 22, 0, 0, 0, TimeSpan.Zero);

    private static IEnumerable<(string Name, byte[] Frame)> ValidReports()
    {
        foreach (var file in Directory.GetFiles(SharedPaths.Vectors("gbt32960"), "*.json"))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var entry in doc.RootElement.EnumerateArray())
            {
                var command = entry.GetProperty("expect").GetProperty("command").GetString();
                if (entry.GetProperty("valid").GetBoolean() && command is "realtime_report" or "reissue_report")
                {
                    yield return (entry.GetProperty("name").GetString()!, Convert.FromHexString(entry.GetProperty("hex").GetString()!));
                }
            }
        }
    }

    public static TheoryData<string> ReportVectors => [.. ValidReports().Select(r => r.Name)];

    private static (Gbt32960Message Message, VehicleSample Sample) MapVector(string name)
    {
        var frame = ValidReports().Single(r => r.Name == name).Frame;
        var message = new Gbt32960Decoder(new Gbt32960Options { RequireSignature = false }).DecodeFrame(frame);
        var sample = Gbt32960SampleMapper.Map(
            message.Vin.ToString(), message.Version, message.Command == Gbt32960Command.ReissueReport, (ReportBody)message.Body, Received);
        return (message, sample);
    }

    [Theory]
    [MemberData(nameof(ReportVectors))]
    public void Every_report_vector_maps_to_a_sample_that_agrees_with_its_blocks(string name)
    {
        var (message, sample) = MapVector(name);
        var report = (ReportBody)message.Body;
        Assert.Equal(report.Time, sample.SampleTime);
        Assert.Equal(message.Command == Gbt32960Command.ReissueReport ? ReportKind.Reissue : ReportKind.Realtime, sample.Kind);

        if (report.Find<VehicleBlock>() is { } v)
        {
            Assert.Equal(v.SpeedKmh.Value, sample.SpeedKmh);
            Assert.Equal(v.SocPct.Value, sample.SocPercent);
            Assert.Equal(v.CurrentA.Value, sample.PackCurrentA);
            Assert.Equal(v.VoltageV.Validity == Validity.Invalid, sample.InvalidFields.HasFlag(SampleField.PackVoltage));
            Assert.Equal(v.VoltageV.Validity == Validity.Abnormal, sample.AbnormalFields.HasFlag(SampleField.PackVoltage));
        }

        if (report.Find<AlarmBlock>() is { } alarm)
        {
            Assert.Equal(alarm.Flags, sample.AlarmFlags);
            var codes = alarm.BatteryFaults.Count + alarm.MotorFaults.Count + alarm.EngineFaults.Count + alarm.OtherFaults.Count;
            Assert.Equal(codes, sample.FaultCodes.Count);
            Assert.All(sample.FaultCodes, c => Assert.Matches("^[0-9A-F]{8}$", c));
        }

        if (report.Find<CellVoltagesBlock>() is { } cells)
        {
            Assert.Equal(cells.Packs.Items.Sum(p => p.Cells.Count), sample.Detail!.CellVoltages.Sum(p => p.CellsV.Count));
        }
    }

    [Fact]
    public void A_vehicle_block_of_sentinels_becomes_nulls_named_in_the_invalid_mask()
    {
        var (_, sample) = MapVector("realtime_2016_vehicle_all_ff");
        Assert.Null(sample.SpeedKmh);
        Assert.Null(sample.PackVoltageV);
        Assert.Null(sample.SocPercent);
        Assert.Null(sample.VehicleState);
        foreach (var field in new[] { SampleField.Speed, SampleField.Odometer, SampleField.PackVoltage, SampleField.PackCurrent, SampleField.Soc, SampleField.VehicleState, SampleField.Insulation })
        {
            Assert.True(sample.InvalidFields.HasFlag(field), field.ToString());
        }

        Assert.Equal(SampleField.None, sample.AbnormalFields);
    }

    [Fact]
    public void Abnormal_values_are_named_in_the_abnormal_mask()
    {
        var block = new VehicleBlock(Gbt32960Version.V2016) { VehicleState = 0xFE, Speed = 0xFFFE, Soc = 50, TotalVoltage = 3500, Gear = 0x0E };
        var sample = Gbt32960SampleMapper.Map("LTEST", Gbt32960Version.V2016, false, new ReportBody { Time = Received, Blocks = [block] }, Received);
        Assert.Null(sample.VehicleState);
        Assert.Null(sample.SpeedKmh);
        Assert.True(sample.AbnormalFields.HasFlag(SampleField.VehicleState));
        Assert.True(sample.AbnormalFields.HasFlag(SampleField.Speed));
        Assert.Equal(350.0, sample.PackVoltageV);
        Assert.Equal("D", sample.Gear);
    }

    [Fact]
    public void A_2025_report_derives_its_extremes_from_the_cell_and_probe_lists()
    {
        const Gbt32960Version v = Gbt32960Version.V2025;
        var report = new ReportBody
        {
            Time = Received,
            Blocks =
            [
                new VehicleBlock(v) { VehicleState = 1, Gear = 0x8E },
                new CellVoltagesBlock(v) { Packs = new[] { new CellVoltagePack(v) { Number = 1, Cells = new ushort[] { 3300, 3350, 0xFFFF, 3310 } } } },
                new TemperaturesBlock(v) { Packs = new[] { new TemperaturePack { Number = 1, Probes = new byte[] { 60, 65, 0xFE } } } },
            ],
        };
        var sample = Gbt32960SampleMapper.Map("LTEST", v, false, report, Received);
        Assert.Equal(3.35, sample.MaxCellVoltageV);
        Assert.Equal(3.3, sample.MinCellVoltageV);
        Assert.Equal(25, sample.MaxTemperatureC);
        Assert.Equal(20, sample.MinTemperatureC);
        Assert.Null(sample.Detail!.CellVoltages[0].CellsV[2]);
        Assert.Null(sample.Gear); // bit 7 set: "gear invalid" in 2025
        Assert.True(sample.InvalidFields.HasFlag(SampleField.Gear));
    }

    [Fact]
    public void A_position_with_a_sentinel_coordinate_has_no_position_at_all()
    {
        var position = new PositionBlock(Gbt32960Version.V2016) { Status = 0, Longitude = 0xFFFFFFFF, Latitude = 29_500_000 };
        var sample = Gbt32960SampleMapper.Map("LTEST", Gbt32960Version.V2016, false, new ReportBody { Time = Received, Blocks = [position] }, Received);
        Assert.Null(sample.Latitude);
        Assert.Null(sample.Longitude);
        Assert.False(sample.PositionValid);
        Assert.True(sample.InvalidFields.HasFlag(SampleField.Position));
    }

    [Fact]
    public void South_and_west_flags_give_negative_coordinates_and_no_fix_is_kept_as_invalid_position()
    {
        var position = new PositionBlock(Gbt32960Version.V2025) { Status = 0x07, CoordinateSystem = 2, Longitude = 106_500_000, Latitude = 29_500_000 };
        var sample = Gbt32960SampleMapper.Map("LTEST", Gbt32960Version.V2025, false, new ReportBody { Time = Received, Blocks = [position] }, Received);
        Assert.Equal(-106.5, sample.Longitude);
        Assert.Equal(-29.5, sample.Latitude);
        Assert.False(sample.PositionValid);
        Assert.Equal(CoordinateSystem.Gcj02, sample.Coordinates);
    }
}
