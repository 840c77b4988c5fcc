using NevHub.Domain;

namespace NevHub.Storage.Tests;

/// <summary>Realistic records for the storage tests. Times are whole milliseconds, which every store keeps exactly.</summary>
public static class TestData
{
    public static readonly DateTimeOffset Start = new(2026, 3, 14, 8, 30, 0, TimeSpan.FromHours(8));

    private static readonly IReadOnlyList<string> NoStrings = Array.Empty<string>();
    private static readonly IReadOnlyList<double?> NoValues = Array.Empty<double?>();

    public static string Vin(int n) => "LNBSCB3F" + n.ToString("D9", System.Globalization.CultureInfo.InvariantCulture);

    public static Vehicle Vehicle(int n, string maker = "CQ-CHANGAN", VehicleClass vehicleClass = VehicleClass.Car) => new()
    {
        Vin = Vin(n),
        Maker = maker,
        Model = "Deepal S7 #" + n,
        Class = vehicleClass,
        BatteryCapacityKwh = 66.8,
        Chemistry = BatteryChemistry.LithiumIronPhosphate,
        Plate = "渝A" + n.ToString("D5", System.Globalization.CultureInfo.InvariantCulture),
        AutoRegistered = n % 2 == 0,
        RegisteredAt = Start.AddDays(-n),
    };

    /// <summary>A sample with every field set, and a detail with sentinel nulls in the cell and probe lists.</summary>
    public static VehicleSample Sample(string vin, DateTimeOffset sampleTime, double odometerKm = 12_345.6, int cells = 96) => new()
    {
        Vin = vin,
        SampleTime = sampleTime,
        ReceivedAt = sampleTime.AddMilliseconds(830),
        Protocol = TelemetryProtocol.Gbt32960V2016,
        Kind = ReportKind.Realtime,
        VehicleState = VehicleRunState.Started,
        Charging = ChargingState.NotCharging,
        Mode = RunMode.Electric,
        SpeedKmh = 57.3,
        OdometerKm = odometerKm,
        PackVoltageV = 386.4,
        PackCurrentA = -12.7,
        SocPercent = 81,
        DcDcWorking = true,
        Gear = "D",
        InsulationKohm = 5_000,
        AcceleratorPercent = 23,
        BrakePercent = 101,
        Latitude = 29.563_761,
        Longitude = 106.550_464,
        PositionValid = true,
        Coordinates = CoordinateSystem.Gcj02,
        HeadingDegrees = 271.5,
        AltitudeM = 244.1,
        AlarmLevel = 2,
        AlarmFlags = 0x8000_0401,
        FaultCodes = ["0000A1B2", "DEADBEEF"],
        MaxCellVoltageV = 4.012,
        MinCellVoltageV = 3.998,
        MaxTemperatureC = 31,
        MinTemperatureC = -4,
        InvalidFields = SampleField.Altitude | SampleField.DcDc,
        AbnormalFields = SampleField.Insulation | (SampleField)(1L << 62),
        Detail = Detail(cells),
    };

    /// <summary>A sample with every optional value absent.</summary>
    public static VehicleSample EmptySample(string vin, DateTimeOffset sampleTime) => new()
    {
        Vin = vin,
        SampleTime = sampleTime,
        ReceivedAt = sampleTime.AddSeconds(2),
        Protocol = TelemetryProtocol.Jt808V2019,
        Kind = ReportKind.Reissue,
        FaultCodes = NoStrings,
    };

    public static SampleDetail Detail(int cells)
    {
        var voltages = new double?[cells];
        for (var i = 0; i < cells; i++)
        {
            voltages[i] = i % 37 == 5 ? null : (3300 + (i % 11 * 7)) * 0.001; // as the GB/T 32960 codec computes it
        }

        return new SampleDetail
        {
            CellVoltages =
            [
                new PackCellVoltages(1, 386.4, -12.7, cells, 1, voltages),
                new PackCellVoltages(2, null, null, 4, 1, [3.2, null, 3.1000000000000005, -0.0]),
            ],
            Temperatures = [new PackTemperatures(1, [25, 26, null, -40, 27.5]), new PackTemperatures(2, NoValues)],
            Motors =
            [
                new MotorReading(1, MotorState.Consuming, 45, 3200, 120.5, 60, 380.2, 35.1),
                new MotorReading(2, null, null, null, null, null, null, null),
            ],
        };
    }

    public static RawFrame Frame(string vin, DateTimeOffset receivedAt, int size = 200, int seed = 0)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        bytes.AsSpan(0, Math.Min(2, size)).Fill(0x23);
        return new RawFrame
        {
            Vin = vin,
            ReceivedAt = receivedAt,
            Protocol = TelemetryProtocol.Gbt32960V2016,
            Command = 0x02,
            SampleTime = receivedAt.AddSeconds(-1),
            Bytes = bytes,
        };
    }

    /// <summary>Asserts two samples are equal field by field, lists by content.</summary>
    public static void AssertSameSample(VehicleSample expected, VehicleSample actual)
    {
        Assert.Equal(Scalars(expected), Scalars(actual));
        Assert.Equal(expected.FaultCodes, actual.FaultCodes);
        AssertSameDetail(expected.Detail, actual.Detail);
    }

    public static void AssertSameDetail(SampleDetail? expected, SampleDetail? actual)
    {
        if (expected is null)
        {
            Assert.Null(actual);
            return;
        }

        Assert.NotNull(actual);
        Assert.Equal(expected.CellVoltages.Count, actual.CellVoltages.Count);
        for (var i = 0; i < expected.CellVoltages.Count; i++)
        {
            Assert.Equal(expected.CellVoltages[i] with { CellsV = NoValues }, actual.CellVoltages[i] with { CellsV = NoValues });
            AssertBitwiseEqual(expected.CellVoltages[i].CellsV, actual.CellVoltages[i].CellsV);
        }

        Assert.Equal(expected.Temperatures.Count, actual.Temperatures.Count);
        for (var i = 0; i < expected.Temperatures.Count; i++)
        {
            Assert.Equal(expected.Temperatures[i].Pack, actual.Temperatures[i].Pack);
            AssertBitwiseEqual(expected.Temperatures[i].ProbesC, actual.Temperatures[i].ProbesC);
        }

        Assert.Equal(expected.Motors, actual.Motors);
    }

    private static void AssertBitwiseEqual(IReadOnlyList<double?> expected, IReadOnlyList<double?> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].HasValue, actual[i].HasValue);
            if (expected[i] is { } e)
            {
                Assert.Equal(BitConverter.DoubleToInt64Bits(e), BitConverter.DoubleToInt64Bits(actual[i]!.Value));
            }
        }
    }

    private static VehicleSample Scalars(VehicleSample sample) => sample with { FaultCodes = NoStrings, Detail = null };
}
