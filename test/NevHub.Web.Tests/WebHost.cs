using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using NevHub.Domain;
using NevHub.Gateways;
using NevHub.Processing;
using NevHub.Server.Hosting;
using NevHub.Server.Security;
using NevHub.Simulator;

namespace NevHub.Web.Tests;

/// <summary>A [Fact] that is skipped, with the reason, only when Debian's Chromium is not installed.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (!File.Exists(WebHost.Chromium))
        {
            Skip = $"{WebHost.Chromium} is absent: install Debian's chromium (apt-get install -y chromium) to run the browser tests.";
        }
    }
}

/// <summary>
/// The real platform host on loopback with a small simulated GB/T 32960 fleet (real TCP terminals), a signed-in admin
/// and a maker user, and one Chromium shared by the tests of a class. Subclasses seed more data (<see cref="SeedAsync"/>).
/// </summary>
public class WebHost : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";
    public const string AdminPassword = "browser admin password";
    public const string MakerUser = "changan-viewer";
    public const string MakerPassword = "changan viewer password";
    public const string OperatorUser = "operator-one";
    public const string OperatorPassword = "operator one password";
    public static readonly string[] Makers = ["changan", "seres"];

    private readonly CancellationTokenSource _stop = new();
    private WebApplication? _app;
    private Task? _simulation;
    private IPlaywright? _playwright;
    private string _dataDirectory = "";

    public string BaseUrl { get; private set; } = "";

    public IBrowser Browser { get; private set; } = null!;

    public IReadOnlyList<Vehicle> Vehicles { get; private set; } = [];

    public IServiceProvider Services => _app!.Services;

    public int Gbt32960Port { get; private set; }

    /// <summary>Runs after the host started and the simulated fleet reported, before the browser starts.</summary>
    protected virtual Task SeedAsync() => Task.CompletedTask;

    public static string ScreenshotDirectory
    {
        get
        {
            var dir = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "TestResults", "screenshots");
            Directory.CreateDirectory(dir);
            return Path.GetFullPath(dir);
        }
    }

    public async Task InitializeAsync()
    {
        if (!File.Exists(Chromium))
        {
            return;
        }

        _dataDirectory = Path.Combine(Path.GetTempPath(), "nevhub-web-" + Guid.NewGuid().ToString("N"));
        _app = NevHubHost.Build([], new Dictionary<string, string?>
        {
            ["NevHub:DataDirectory"] = _dataDirectory,
            ["NevHub:InitialAdminPassword"] = AdminPassword,
            ["NevHub:HttpUrls"] = "http://127.0.0.1:0",
            ["NevHub:Gateways:Gbt32960:Port"] = "0",
            ["NevHub:Gateways:Gbt32960:BindAddress"] = "127.0.0.1",
            ["NevHub:Storage:GroupCommit:CommitWindow"] = "00:00:00.050",
            ["NevHub:Auth:LoginAttemptsPerIp"] = "1000",
            ["NevHub:Analytics:FlushInterval"] = "00:00:00.100",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        await _app.StartAsync();
        var endpoints = _app.Services.GetRequiredService<GatewayEndpoints>();
        BaseUrl = $"http://127.0.0.1:{endpoints.HttpPort}";
        Gbt32960Port = endpoints.Gbt32960Port;
        _app.Services.GetRequiredService<UserStore>().Create(MakerUser, MakerPassword, Roles.MakerViewer, "changan");
        _app.Services.GetRequiredService<UserStore>().Create(OperatorUser, OperatorPassword, Roles.Operator, null);

        // Eight simulated vehicles, alternately changan and seres, on real time (so sample times fall in the charts' range).
        var simulator = new FleetSimulator(new SimulatorOptions
        {
            Host = "127.0.0.1",
            Port = endpoints.Gbt32960Port,
            Vehicles = 8,
            TimeScale = 1,
            ReportPeriod = TimeSpan.FromSeconds(1),
            LinkDropsPerHour = 0,
            Duration = TimeSpan.FromDays(1),
        });
        var registry = _app.Services.GetRequiredService<VehicleRegistry>();
        Vehicles = [.. simulator.Fleet.Vehicles.Select(v => new Vehicle
        {
            Vin = v.Vin,
            Maker = Makers[v.Index % Makers.Length],
            Model = v.Spec.Model,
            Class = v.Spec.Class,
            BatteryCapacityKwh = v.Spec.CapacityKwh,
            Chemistry = v.Spec.Chemistry,
            RegisteredAt = DateTimeOffset.UtcNow,
        })];
        foreach (var vehicle in Vehicles)
        {
            await registry.RegisterAsync(vehicle, CancellationToken.None);
        }

        _simulation = Task.Run(() => simulator.RunAsync(_stop.Token));
        var twin = _app.Services.GetRequiredService<LiveTwin>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && Vehicles.Any(v => twin.Get(v.Vin)?.Latest?.Latitude is null))
        {
            await Task.Delay(200);
        }

        await SeedAsync();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>A fresh browser context (own cookies) signed in through the login page.</summary>
    public async Task<IPage> SignInAsync(string user, string password, int width = 1280, int height = 800)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(BaseUrl + "/");
        await page.WaitForSelectorAsync("input[name=username]");
        await page.FillAsync("input[name=username]", user);
        await page.FillAsync("input[name=password]", password);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync("[data-testid=who]");
        return page;
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_simulation is not null)
        {
            try
            {
                await _simulation;
            }
            catch (OperationCanceledException)
            {
            }
        }

        if (_playwright is not null)
        {
            await Browser.CloseAsync();
            _playwright.Dispose();
        }

        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _stop.Dispose();
        if (_dataDirectory.Length > 0 && Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }
}
