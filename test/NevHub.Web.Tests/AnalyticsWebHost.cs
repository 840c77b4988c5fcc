using Microsoft.Extensions.DependencyInjection;
using NevHub.Domain;
using NevHub.Processing;
using NevHub.Server.FunctionalTests;
using NevHub.Storage.Analytics;

namespace NevHub.Web.Tests;

/// <summary>
/// <see cref="WebHost"/> plus two scripted vehicles of two makers that each drive the analytics script through the real
/// GB/T 32960 gateway (a 10-min trip, an AC charge, a level-1 → 3 high-temperature alarm that clears; see
/// <see cref="AnalyticsScript"/>), so the trip, alarm and quality pages have records the real pipeline derived.
/// </summary>
public sealed class AnalyticsWebHost : WebHost
{
    public const string Own = "LWEBTRIP000000001";
    public const string Foreign = "LWEBTRIP000000002";

    /// <summary>Registered (changan) but silent until a test drives it: for live alarms.</summary>
    public const string Spare = "LWEBTRIP000000003";

    public DateTimeOffset T0 { get; } = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds());

    public long TripStartMs => T0.ToUnixTimeMilliseconds();

    protected override async Task SeedAsync()
    {
        var registry = Services.GetRequiredService<VehicleRegistry>();
        foreach (var (vin, maker) in new[] { (Own, "changan"), (Foreign, "seres"), (Spare, "changan") })
        {
            await registry.RegisterAsync(new Vehicle
            {
                Vin = vin, Maker = maker, Model = "scripted", Class = VehicleClass.Car, BatteryCapacityKwh = 60, Chemistry = BatteryChemistry.LithiumIronPhosphate,
                RegisteredAt = DateTimeOffset.UtcNow,
            }, CancellationToken.None);
        }

        foreach (var vin in new[] { Own, Foreign })
        {
            await using var terminal = await TestTerminal.ConnectAsync(Gbt32960Port, vin);
            await terminal.LoginAsync();
            await terminal.ReceiveAsync();
            await AnalyticsScript.SendAsync(terminal, T0);
        }

        // The alarm clears at the end of the script: once it is stored with its end, the trip and charge are stored too.
        var analytics = Services.GetRequiredService<IAnalyticsStore>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        foreach (var vin in new[] { Own, Foreign })
        {
            while (!(await analytics.ListAlarmsAsync(new AlarmQuery { Vin = vin })).Items.Any(a => a.End is not null))
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"{vin}: the scripted alarm was not stored within 60 s");
                }

                await Task.Delay(200);
            }
        }
    }
}
