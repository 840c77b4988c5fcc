using Microsoft.Playwright;

namespace NevHub.Web.Tests;

public sealed class DashboardTests(WebHost host) : IClassFixture<WebHost>
{
    [ChromiumFact]
    public async Task A_wrong_password_is_refused_and_the_right_one_opens_the_overview()
    {
        var context = await host.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(host.BaseUrl + "/");
        await page.WaitForSelectorAsync("input[name=username]");
        await page.FillAsync("input[name=username]", "admin");
        await page.FillAsync("input[name=password]", "not the password");
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.Locator(".error")).ToHaveTextAsync("Wrong user name or password.");
        await WebHost.ScreenshotAsync(page, "login-refused");

        await page.FillAsync("input[name=password]", WebHost.AdminPassword);
        await page.ClickAsync("button[type=submit]");
        await Assertions.Expect(page.Locator("[data-testid=who]")).ToContainTextAsync("admin · admin");

        // The overview counts the live fleet and shows the analytics figures.
        await Assertions.Expect(page.Locator("[data-testid=online-total]")).ToHaveTextAsync(host.Vehicles.Count.ToString(), new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("[data-testid=co2-value]")).ToContainTextAsync(" kg");
        await Assertions.Expect(page.Locator("[data-testid=distance-value]")).ToContainTextAsync(" km");
        await Assertions.Expect(page.Locator("[data-testid=ingestion] table")).ToBeVisibleAsync();
        await WebHost.ScreenshotAsync(page, "overview");
        await context.CloseAsync();
    }

    [ChromiumFact]
    public async Task The_map_draws_the_live_vehicles_and_filters_them_by_maker()
    {
        var page = await host.SignInAsync("admin", WebHost.AdminPassword);
        await page.GotoAsync(host.BaseUrl + "/#/map");
        var count = page.Locator("[data-testid=map-count]");
        await Assertions.Expect(count).ToHaveAttributeAsync("data-shown", host.Vehicles.Count.ToString(), new() { Timeout = 30_000 });

        // The points are on the canvas: some pixels are painted in the class colours.
        var painted = await page.EvaluateAsync<int>("""
            () => { const c = document.querySelector('canvas.fleet-canvas'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                    let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }
            """);
        Assert.True(painted > 0, "no vehicle painted on the map canvas");
        await WebHost.ScreenshotAsync(page, "map");

        await page.SelectOptionAsync("select[name=maker]", "seres");
        var seres = host.Vehicles.Count(v => v.Maker == "seres");
        await Assertions.Expect(count).ToHaveAttributeAsync("data-shown", seres.ToString());
        await page.Context.CloseAsync();
    }

    [ChromiumFact]
    public async Task A_maker_user_sees_only_its_own_vehicles_in_the_ui()
    {
        var page = await host.SignInAsync(WebHost.MakerUser, WebHost.MakerPassword);
        await Assertions.Expect(page.Locator("[data-testid=who]")).ToContainTextAsync("(changan)");
        var own = host.Vehicles.Where(v => v.Maker == "changan").ToList();
        await page.GotoAsync(host.BaseUrl + "/#/map");
        await Assertions.Expect(page.Locator("[data-testid=map-count]")).ToHaveAttributeAsync("data-shown", own.Count.ToString(), new() { Timeout = 30_000 });
        var makers = await page.Locator("select[name=maker] option").AllTextContentsAsync();
        Assert.Equal(["All makers", "changan"], makers);
        await WebHost.ScreenshotAsync(page, "map-maker");

        var foreign = host.Vehicles.First(v => v.Maker == "seres");
        await page.GotoAsync($"{host.BaseUrl}/#/vehicles/{foreign.Vin}");
        await Assertions.Expect(page.Locator("[data-state=error]")).ToContainTextAsync("not found");
        await page.Context.CloseAsync();
    }

    [ChromiumFact]
    public async Task The_vehicle_page_renders_its_charts_and_decodes_frames()
    {
        var vehicle = host.Vehicles[0];
        var page = await host.SignInAsync("admin", WebHost.AdminPassword);
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await page.GotoAsync($"{host.BaseUrl}/#/vehicles/{vehicle.Vin}");
        await Assertions.Expect(page.Locator("h1.vin")).ToHaveTextAsync(vehicle.Vin);
        await Assertions.Expect(page.Locator("[data-testid=chart] canvas")).ToHaveCountAsync(2, new() { Timeout = 30_000 });
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        await Assertions.Expect(page.Locator("[data-testid=vehicle-analytics] [role=tab]")).ToHaveCountAsync(4);
        // The simulated cars send cell voltages and probe temperatures: both heat maps are drawn from /cells.
        await Assertions.Expect(page.Locator("[data-testid=heat-cells] canvas").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=heat-probes] canvas").First).ToBeVisibleAsync();

        await page.Locator("tr.clickable").First.ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=frame-decode]")).ToContainTextAsync("VIN         " + vehicle.Vin);
        await WebHost.ScreenshotAsync(page, "vehicle");

        // A phone-sized screen gets the same page without horizontal overflow of the layout.
        await page.SetViewportSizeAsync(390, 844);
        await WebHost.ScreenshotAsync(page, "vehicle-phone");
        await page.Context.CloseAsync();
    }
}
