using System.Text.RegularExpressions;
using Microsoft.Playwright;
using NevHub.Server.FunctionalTests;

namespace NevHub.Web.Tests;

/// <summary>The trip, share, alarms and quality pages over records the real pipeline derived from scripted GB/T 32960 reports.</summary>
public sealed class AnalyticsPagesTests(AnalyticsWebHost host) : IClassFixture<AnalyticsWebHost>
{
    private const string Own = AnalyticsWebHost.Own;
    private const string Foreign = AnalyticsWebHost.Foreign;

    private string TripUrl(string vin) => $"{host.BaseUrl}/#/vehicles/{vin}/trips/{host.TripStartMs}";

    private static List<string> Errors(IPage page)
    {
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        return errors;
    }

    [ChromiumFact]
    public async Task The_trip_page_shows_the_route_figures_charts_and_replays_the_trip()
    {
        var page = await host.SignInAsync("admin", WebHost.AdminPassword);
        var errors = Errors(page);

        // From the vehicle page's trip list to the trip page.
        await page.GotoAsync($"{host.BaseUrl}/#/vehicles/{Own}");
        await page.Locator($"[data-testid=trip-table] a[href='#/vehicles/{Own}/trips/{host.TripStartMs}']").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(TripUrl(Own));

        // 60 steps of 0.1 km on the odometer.
        await Assertions.Expect(page.Locator("[data-testid=fig-distance]")).ToContainTextAsync("6.00 km", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("[data-testid=fig-co2]")).Not.ToContainTextAsync("—");
        await Assertions.Expect(page.Locator("[data-testid=route-map] canvas").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=chart] canvas")).ToHaveCountAsync(2);
        Assert.True(await RouteIsPaintedAsync(page), "the route is not drawn on the map");
        await Assertions.Expect(page.Locator("[data-testid=download-gpx]")).ToHaveAttributeAsync("href", $"/api/vehicles/{Own}/trips/{host.TripStartMs}/gpx");
        await Assertions.Expect(page.Locator("[data-testid=download-geojson]")).ToHaveAttributeAsync("href", $"/api/vehicles/{Own}/trips/{host.TripStartMs}/geojson");

        // Replay at the highest speed: the marker moves along by sample time and the current speed is the script's 36 km/h.
        await page.Locator("[data-testid=replay-speed]").FillAsync("6");
        await page.ClickAsync("[data-testid=replay-play]");
        await page.WaitForFunctionAsync("() => Number(document.querySelector('[data-testid=replay-now]').dataset.progress) > 0.2");
        await page.ClickAsync("[data-testid=replay-play]");
        await Assertions.Expect(page.Locator("[data-testid=replay-speed-now]")).ToHaveTextAsync("36.0 km/h");
        await WebHost.ScreenshotAsync(page, "trip");
        await page.SetViewportSizeAsync(390, 844);
        await WebHost.ScreenshotAsync(page, "trip-phone");
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        await page.Context.CloseAsync();
    }

    /// <summary>Whether the route's blue (#0b6bcb) is painted on the map's canvas.</summary>
    private static Task<bool> RouteIsPaintedAsync(IPage page) => page.EvaluateAsync<bool>("""
        () => [...document.querySelectorAll('[data-testid=route-map] canvas')].some(c => {
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - 11) < 30 && Math.abs(d[i + 1] - 107) < 30 && Math.abs(d[i + 2] - 203) < 30 && d[i + 3] > 0) return true;
          return false; })
        """);

    [ChromiumFact]
    public async Task A_share_link_works_signed_out_and_stops_working_when_revoked()
    {
        var page = await host.SignInAsync("admin", WebHost.AdminPassword);
        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await page.GotoAsync(TripUrl(Own));
        await page.Locator("select[name=expiry]").SelectOptionAsync("24");
        await page.ClickAsync("[data-testid=share-create]");
        var url = await page.Locator("[data-testid=share-url]").InputValueAsync();
        var token = Assert.Single(Regex.Matches(url, "^http://127.0.0.1:[0-9]+/ride/([A-Za-z0-9_-]{22})$")).Groups[1].Value;
        await Assertions.Expect(page.Locator("[data-testid=share-list] tbody tr")).ToHaveCountAsync(1);

        // Another browser context: no cookie, never signed in.
        var anonymous = await host.Browser.NewContextAsync();
        var ride = await anonymous.NewPageAsync();
        var errors = Errors(ride);
        await ride.GotoAsync(url);
        await Assertions.Expect(ride.Locator("[data-testid=fig-distance]")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        // The server's link redirects to the ride page, which stays there without asking anyone to sign in.
        Assert.EndsWith("/#/ride/" + token, ride.Url, StringComparison.Ordinal);
        await Assertions.Expect(ride.Locator("h1")).ToContainTextAsync("car ride");
        await Assertions.Expect(ride.Locator("body")).Not.ToContainTextAsync(Own);
        await Assertions.Expect(ride.Locator("[data-testid=chart] canvas")).ToHaveCountAsync(2);
        await Assertions.Expect(ride.Locator("[data-testid=route-map] canvas").First).ToBeVisibleAsync();
        await WebHost.ScreenshotAsync(ride, "ride-public");
        Assert.True(errors.Count == 0, string.Join("\n", errors));

        await page.ClickAsync("[data-testid=share-revoke]");
        await Assertions.Expect(page.Locator("[data-testid=share-list] tbody tr")).ToContainTextAsync("revoked");
        await ride.ReloadAsync();
        await Assertions.Expect(ride.Locator("[data-testid=ride-expired]")).ToContainTextAsync("This link has expired or was revoked");
        await WebHost.ScreenshotAsync(ride, "ride-revoked");
        await anonymous.CloseAsync();
        await page.Context.CloseAsync();
    }

    [ChromiumFact]
    public async Task An_operator_acknowledges_annotates_and_closes_an_alarm_in_the_console()
    {
        var page = await host.SignInAsync(WebHost.OperatorUser, WebHost.OperatorPassword);
        var errors = Errors(page);
        await page.GotoAsync($"{host.BaseUrl}/#/alarms");
        var row = page.Locator("[data-testid=alarm-table] tbody tr", new() { HasText = Foreign });
        await Assertions.Expect(row).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await Assertions.Expect(row).ToContainTextAsync("HighTemperature");
        await Assertions.Expect(row).ToContainTextAsync("L3");
        await row.ClickAsync();

        var detail = page.Locator("[data-testid=alarm-detail]");
        await Assertions.Expect(detail.Locator("[data-testid=alarm-status]")).ToHaveTextAsync("New");
        await detail.Locator("textarea[name=note]").FillAsync("looking at it");
        await detail.Locator("[data-testid=alarm-ack]").ClickAsync();
        await Assertions.Expect(detail.Locator("[data-testid=alarm-status]")).ToHaveTextAsync("Acknowledged");
        await Assertions.Expect(detail.Locator("[data-testid=alarm-history]")).ToContainTextAsync($"acknowledged by {WebHost.OperatorUser}");

        // The level-3 episode's high-frequency window.
        await detail.Locator("[data-testid=alarm-window]").ClickAsync();
        await Assertions.Expect(detail.Locator("[data-testid=alarm-window-chart] canvas")).ToHaveCountAsync(2);

        // Closing needs a cause.
        await detail.Locator("[data-testid=alarm-close]").ClickAsync();
        await Assertions.Expect(detail.Locator("[role=alert]")).ToContainTextAsync("cause is required");
        await detail.Locator("input[name=cause]").FillAsync("coolant pump failure");
        await detail.Locator("[data-testid=alarm-close]").ClickAsync();
        await Assertions.Expect(detail.Locator("[data-testid=alarm-status]")).ToHaveTextAsync("Closed");
        await Assertions.Expect(detail.Locator("[data-testid=alarm-history]")).ToContainTextAsync("coolant pump failure");
        await Assertions.Expect(detail.Locator("[data-testid=alarm-actions]")).ToHaveCountAsync(0);
        await WebHost.ScreenshotAsync(page, "alarms-closed");

        // It left the open tab for the closed one, with its time to acknowledge.
        await Assertions.Expect(row).ToHaveCountAsync(0);
        await page.ClickAsync("button[role=tab][data-status=Closed]");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row.Locator("td").Last).Not.ToHaveTextAsync("—");
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        await page.Context.CloseAsync();
    }

    [ChromiumFact]
    public async Task A_maker_viewer_reads_its_own_alarms_without_handling_buttons()
    {
        var page = await host.SignInAsync(WebHost.MakerUser, WebHost.MakerPassword);
        await page.GotoAsync($"{host.BaseUrl}/#/alarms");
        var own = page.Locator("[data-testid=alarm-table] tbody tr", new() { HasText = Own });
        await Assertions.Expect(own).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await own.ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=alarm-readonly]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=alarm-actions]")).ToHaveCountAsync(0);
        await WebHost.ScreenshotAsync(page, "alarms-maker");
        await page.SetViewportSizeAsync(390, 844);
        await WebHost.ScreenshotAsync(page, "alarms-maker-phone");
        foreach (var tab in new[] { "New", "Acknowledged", "Closed" })
        {
            await page.ClickAsync($"button[role=tab][data-status={tab}]");
            await Assertions.Expect(page.Locator("[data-testid=alarm-table] tbody tr", new() { HasText = Foreign })).ToHaveCountAsync(0);
        }

        await page.Context.CloseAsync();
    }

    [ChromiumFact]
    public async Task A_new_alarm_appears_in_the_open_console_without_a_reload()
    {
        var page = await host.SignInAsync("admin", WebHost.AdminPassword);
        await page.GotoAsync($"{host.BaseUrl}/#/alarms");
        await Assertions.Expect(page.Locator("[data-testid=alarm-table]")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        var spare = page.Locator("[data-testid=alarm-table] tbody tr", new() { HasText = AnalyticsWebHost.Spare });
        await Assertions.Expect(spare).ToHaveCountAsync(0);

        await using var terminal = await TestTerminal.ConnectAsync(host.Gbt32960Port, AnalyticsWebHost.Spare);
        await terminal.LoginAsync();
        await terminal.ReceiveAsync();
        var now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        for (var i = 0; i < 3; i++)
        {
            await terminal.SendAsync(AnalyticsScript.Report(terminal, now.AddSeconds(i - 3), started: true, charging: false, speedKmh: 20, odometerKm: 500,
                currentA: 10, soc: 70, longitude: 106.5, latitude: 29.5, alarmLevel: 2, alarmFlags: AnalyticsScript.HighTemperature));
        }

        await Assertions.Expect(spare).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await Assertions.Expect(spare).ToContainTextAsync("active");
        await page.Context.CloseAsync();
    }

    [ChromiumFact]
    public async Task The_quality_page_shows_makers_and_one_vehicle_with_explanations()
    {
        var page = await host.SignInAsync("admin", WebHost.AdminPassword);
        var errors = Errors(page);
        await page.GotoAsync($"{host.BaseUrl}/#/quality");
        var makers = page.Locator("[data-testid=quality-makers] tbody tr");
        await Assertions.Expect(makers.Locator("td:first-child")).ToHaveTextAsync(["changan", "seres"], new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("dl.explain")).ToContainTextAsync("Completeness");
        await WebHost.ScreenshotAsync(page, "quality");

        await page.FillAsync("input[name=vin]", Own);
        await page.PressAsync("input[name=vin]", "Enter");
        await Assertions.Expect(page).ToHaveURLAsync($"{host.BaseUrl}/#/quality/{Own}");
        // 241 scripted frames (plus none duplicated).
        await Assertions.Expect(page.Locator("[data-testid=quality-vehicle] table").First).ToContainTextAsync("241");
        await Assertions.Expect(page.Locator("[data-testid=quality-latency] canvas")).ToHaveCountAsync(1);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        await page.Context.CloseAsync();
    }

    [ChromiumFact]
    public async Task A_maker_viewer_cannot_open_another_makers_trip_quality_or_trips()
    {
        var page = await host.SignInAsync(WebHost.MakerUser, WebHost.MakerPassword);
        await page.GotoAsync(TripUrl(Foreign));
        await Assertions.Expect(page.Locator("[data-state=error]")).ToHaveTextAsync("Trip not found.", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("[data-testid=share-panel]")).ToHaveCountAsync(0);

        await page.GotoAsync($"{host.BaseUrl}/#/quality/{Foreign}");
        await Assertions.Expect(page.Locator("[data-state=error]")).ToContainTextAsync("not found");
        await page.GotoAsync($"{host.BaseUrl}/#/quality");
        await Assertions.Expect(page.Locator("[data-testid=quality-makers] tbody tr td:first-child")).ToHaveTextAsync(["changan"]);

        await page.GotoAsync($"{host.BaseUrl}/#/trips");
        var trips = page.Locator("[data-testid=trip-table] tbody tr");
        await Assertions.Expect(trips.First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        Assert.DoesNotContain(await trips.AllTextContentsAsync(), t => t.Contains(Foreign, StringComparison.Ordinal));
        Assert.Contains(await trips.AllTextContentsAsync(), t => t.Contains(Own, StringComparison.Ordinal));

        // Its own trip opens.
        await page.GotoAsync(TripUrl(Own));
        await Assertions.Expect(page.Locator("[data-testid=fig-distance]")).ToContainTextAsync("6.00 km", new() { Timeout = 30_000 });
        await page.Context.CloseAsync();
    }

    [ChromiumFact]
    public async Task The_fleet_trips_page_filters_by_maker_and_exports_csv()
    {
        var page = await host.SignInAsync("admin", WebHost.AdminPassword);
        await page.GotoAsync($"{host.BaseUrl}/#/trips");
        var rows = page.Locator("[data-testid=trip-table] tbody tr");
        await Assertions.Expect(rows.Filter(new() { HasText = Foreign })).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("select[name=maker] option[value=seres]")).ToHaveCountAsync(1);
        await page.SelectOptionAsync("select[name=maker]", "changan");
        await Assertions.Expect(rows.Filter(new() { HasText = Foreign })).ToHaveCountAsync(0);
        await Assertions.Expect(rows.Filter(new() { HasText = Own })).ToHaveCountAsync(1);
        var csv = await page.Locator("[data-testid=trips-csv]").GetAttributeAsync("href");
        Assert.Contains("format=csv", csv, StringComparison.Ordinal);
        Assert.Contains("maker=changan", csv, StringComparison.Ordinal);
        var body = await page.EvaluateAsync<string>("href => fetch(href).then(r => r.text())", csv);
        Assert.StartsWith("vin,start,end", body, StringComparison.Ordinal);
        Assert.Contains(Own, body, StringComparison.Ordinal);
        Assert.DoesNotContain(Foreign, body, StringComparison.Ordinal);
        await WebHost.ScreenshotAsync(page, "trips");
        await page.Context.CloseAsync();
    }

    [ChromiumFact]
    public async Task The_overview_shows_analytics_figures_and_the_vehicle_page_its_tabs()
    {
        var page = await host.SignInAsync("admin", WebHost.AdminPassword);
        await Assertions.Expect(page.Locator("[data-testid=co2-value]")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("[data-testid=quality-score]")).ToContainTextAsync("%");
        await Assertions.Expect(page.Locator("[data-testid=open-alarms-total]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-state=na]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-state=loading]")).ToHaveCountAsync(0);
        await WebHost.ScreenshotAsync(page, "overview-analytics");

        await page.GotoAsync($"{host.BaseUrl}/#/vehicles/{Own}");
        var tabs = page.Locator("[data-testid=vehicle-analytics]");
        await tabs.Locator("button[data-tab=charges]").ClickAsync();
        await Assertions.Expect(tabs.Locator("tbody tr")).ToContainTextAsync("AC");
        await tabs.Locator("button[data-tab=alarms]").ClickAsync();
        await Assertions.Expect(tabs.Locator("tbody tr")).ToContainTextAsync("HighTemperature");
        await tabs.Locator("button[data-tab=quality]").ClickAsync();
        await Assertions.Expect(tabs.Locator("table")).ToContainTextAsync("241");
        await WebHost.ScreenshotAsync(page, "vehicle-tabs");
        await page.Context.CloseAsync();
    }
}
