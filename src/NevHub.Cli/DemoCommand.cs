using System.CommandLine;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NevHub.Gateways;
using NevHub.Processing;
using NevHub.Server.Hosting;
using NevHub.Server.Security;
using NevHub.Simulator;

namespace NevHub.Cli;

/// <summary>`nevhub demo`: the platform with its embedded store plus a simulated fleet, in one command.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Data directory of the demo.", DefaultValueFactory = _ => Path.Combine("data", "demo") };
        var http = new Option<string>("--http") { Description = "HTTP address of the API.", DefaultValueFactory = _ => NevHubHost.DefaultUrl };
        var port = new Option<int>("--gbt32960-port") { Description = "GB/T 32960 port (0 = any free port).", DefaultValueFactory = _ => 32960 };
        var vehicles = new Option<int>("--vehicles") { Description = "Number of simulated vehicles.", DefaultValueFactory = _ => 300 };
        var timeScale = new Option<double>("--time-scale") { Description = "Simulated seconds per real second.", DefaultValueFactory = _ => 1 };
        var command = new Command("demo", "Run the platform (embedded store) with a simulated Chongqing fleet; prints the URL and what to try.")
        {
            data, http, port, vehicles, timeScale,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            // A fresh key and password per demo run, shown once; the key is never written to disk.
            var apiKey = "demo_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            var password = "demo-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
            await using var app = NevHubHost.Build([], new Dictionary<string, string?>
            {
                ["NevHub:DataDirectory"] = parse.GetValue(data),
                ["NevHub:HttpUrls"] = parse.GetValue(http),
                ["NevHub:Gateways:Gbt32960:Port"] = parse.GetValue(port).ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["NevHub:Gateways:Gbt32960:BindAddress"] = "127.0.0.1",
                ["NevHub:AdminApiKey"] = apiKey,
                ["NevHub:InitialAdminPassword"] = password,
                ["Logging:LogLevel:Default"] = "Warning",
            });
            if (!await HostStart.TryStartAsync(app, cancellationToken).ConfigureAwait(false))
            {
                return 1;
            }

            var endpoints = app.Services.GetRequiredService<GatewayEndpoints>();

            var options = new SimulatorOptions
            {
                Host = "127.0.0.1",
                Port = endpoints.Gbt32960Port,
                Vehicles = parse.GetValue(vehicles),
                TimeScale = parse.GetValue(timeScale),
                Duration = TimeSpan.FromDays(7),
            };
            var simulator = new FleetSimulator(options);
            var registry = app.Services.GetRequiredService<VehicleRegistry>();
            foreach (var vehicle in FleetRegistration.Vehicles(simulator, DateTimeOffset.UtcNow))
            {
                await registry.RegisterAsync(vehicle, cancellationToken).ConfigureAwait(false);
            }

            // The demo's data directory outlives a run: give the admin, and a maker viewer that shows tenant isolation,
            // this run's password.
            var users = app.Services.GetRequiredService<UserStore>();
            foreach (var (name, role, maker) in new[] { (UserStore.InitialAdminName, Roles.Admin, (string?)null), ("changan", Roles.MakerViewer, "changan") })
            {
                if (!users.SetPassword(name, password))
                {
                    users.Create(name, password, role, maker);
                }
            }

            var url = $"http://127.0.0.1:{endpoints.HttpPort}";
            Console.WriteLine($"""

                NevHub demo is running.
                  dashboard    {url}  sign in as admin / {password}  (or changan / {password}: a maker sees only its own vehicles)
                  API          {url}/api  (OpenAPI document: {url}/openapi/v1.json)
                  GB/T 32960   127.0.0.1:{endpoints.Gbt32960Port}, {options.Vehicles} simulated vehicles around Chongqing
                  API key      {apiKey}   (admin; valid while this demo runs)
                  data         {Path.GetFullPath(parse.GetValue(data)!)}

                Try:
                  curl -s -H "X-Api-Key: {apiKey}" "{url}/api/vehicles?online=true&limit=5"
                  curl -s -H "X-Api-Key: {apiKey}" "{url}/api/vehicles/{simulator.Fleet.Vehicles[0].Vin}/samples?order=desc&limit=3"
                  curl -s -H "X-Api-Key: {apiKey}" "{url}/api/admin/stats"
                  nevhub decode <hex of a frame from /api/vehicles/{simulator.Fleet.Vehicles[0].Vin}/frames>

                Press Ctrl+C to stop.
                """);

            try
            {
                await simulator.RunAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }
}
