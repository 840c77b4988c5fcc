using NevHub.Protocols.Gbt32960;

namespace NevHub.Server.FunctionalTests;

/// <summary>
/// Scripted GB/T 32960 reports for the analytics tests, sent through the real gateway by a <see cref="TestTerminal"/>:
/// a 10-min trip, the vehicle switched off, a 20-min AC charge, and a level-1 → 3 "high temperature" alarm that clears.
/// </summary>
internal static class AnalyticsScript
{
    public const uint HighTemperature = 1u << 1;

    /// <summary>One report: vehicle (state, charging, speed, odometer, 350 V, current), position, and an alarm block.</summary>
    public static Gbt32960Message Report(TestTerminal terminal, DateTimeOffset time, bool started, bool charging, double speedKmh,
        double odometerKm, double currentA, double soc, double longitude, double latitude, byte alarmLevel = 0, uint alarmFlags = 0)
    {
        var v = terminal.Version;
        var vehicle = new VehicleBlock(v)
        {
            VehicleState = (byte)(started ? 1 : 2),
            ChargingState = (byte)(charging ? 1 : 3),
            RunMode = 1,
            Speed = (ushort)Math.Round(speedKmh * 10),
            Odometer = (uint)Math.Round(odometerKm * 10),
            TotalVoltage = 3500,
            TotalCurrent = (ushort)Math.Round((currentA + 1000) * 10),
            Soc = (byte)soc,
            DcDcState = 1,
            Gear = (byte)(speedKmh > 0 ? 0x2E : 0x0F),
            InsulationResistance = 5000,
        };
        var position = new PositionBlock(v)
        {
            Status = 0,
            CoordinateSystem = 1,
            Longitude = (uint)Math.Round(longitude * 1_000_000),
            Latitude = (uint)Math.Round(latitude * 1_000_000),
        };
        var alarm = new AlarmBlock(v)
        {
            Level = alarmLevel,
            Flags = alarmFlags,
            BatteryFaults = Array.Empty<uint>(),
            MotorFaults = Array.Empty<uint>(),
            EngineFaults = Array.Empty<uint>(),
            OtherFaults = Array.Empty<uint>(),
        };
        var body = new ReportBody { Time = TestTerminal.BeijingTime(time), Blocks = [vehicle, position, alarm] };
        return Gbt32960Message.Create(v, Gbt32960Command.RealtimeReport, terminal.Vin, body);
    }

    /// <summary>
    /// Sends the script starting at <paramref name="t0"/> (10-s reports): trip 0–10 min (36 km/h, 6 km), off 10–15 min,
    /// charging 15–35 min (−50 A at 350 V = 17.5 kW, AC), off; the alarm: level 1 at 36–37 min, level 3 at 37–38 min,
    /// cleared at 38 min. Returns the number of reports sent.
    /// </summary>
    public static async Task<int> SendAsync(TestTerminal terminal, DateTimeOffset t0)
    {
        var sent = 0;
        double odometer = 1000, soc = 60, lon = 106.55, lat = 29.56;
        for (var i = 0; i <= 240; i++)
        {
            var t = t0.AddSeconds(10 * i);
            var minute = i / 6.0;
            var driving = i <= 60;
            var charging = minute is >= 15 and < 35;
            if (driving && i > 0)
            {
                odometer += 0.1;
                lon += 0.001;
                soc -= 0.05;
            }

            if (charging)
            {
                soc += 0.2;
            }

            byte level = minute is >= 36 and < 38 ? (byte)(minute < 37 ? 1 : 3) : (byte)0;
            await terminal.SendAsync(Report(terminal, t, started: driving, charging, speedKmh: driving && i < 60 ? 36 : 0, odometer,
                currentA: charging ? -50 : driving ? 30 : 1, Math.Round(soc), lon, lat, level, level > 0 ? HighTemperature : 0));
            sent++;
        }

        return sent;
    }
}
