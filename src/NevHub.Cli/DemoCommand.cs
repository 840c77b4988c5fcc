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
    /// <summary>
    /// 60 % electric motorcycles by default: Chongqing's plan counts over 80 % of its EVs as motorcycles, but the demo keeps
    /// enough cars, taxis and buses for the GB/T 32960 side (cell voltages, charging sessions) to be worth looking at.
    /// </summary>
    public const double DefaultMotorcycleShare = 0.6;

    private const string PositionQuery = "{\"kind\":\"query_position\"}";

    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Data directory of the demo.", DefaultValueFactory = _ => Path.Combine("data", "demo") };
        var http = new Option<string>("--http") { Description = "HTTP address of the API.", DefaultValueFactory = _ => NevHubHost.DefaultUrl };
        var port = new Option<int>("--gbt32960-port") { Description = "GB/T 32960 port (0 = any free port).", DefaultValueFactory = _ => 32960 };
        var jt808Port = new Option<int>("--jt808-port")
        {
            Description = "JT/T 808 port for the electric motorcycles (0 = any free port; 808 is privileged on Linux).",
            DefaultValueFactory = _ => 808,
        };
        var motorcycleShare = new Option<double>("--motorcycle-share")
        {
            Description = "Share of electric motorcycles (JT/T 808) in the fleet; cars, taxis and buses share the rest 50:35:15.",
            DefaultValueFactory = _ => DefaultMotorcycleShare,
        };
        var vehicles = new Option<int>("--vehicles") { Description = "Number of simulated vehicles.", DefaultValueFactory = _ => 300 };
        var timeScale = new Option<double>("--time-scale") { Description = "Simulated seconds per real second.", DefaultValueFactory = _ => 1 };
        var command = new Command("demo", "Run the platform (embedded store) with a simulated Chongqing fleet; prints the URL and what to try.")
        {
            data, http, port, jt808Port, motorcycleShare, vehicles, timeScale,
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
                ["NevHub:Gateways:Jt808:Enabled"] = "true",
                ["NevHub:Gateways:Jt808:Port"] = parse.GetValue(jt808Port).ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["NevHub:Gateways:Jt808:BindAddress"] = "127.0.0.1",
                ["NevHub:AdminApiKey"] = apiKey,
                ["NevHub:InitialAdminPassword"] = password,
                ["Logging:LogLevel:Default"] = "Warning",
            });
            bool started;
            try
            {
                started = await HostStart.TryStartAsync(app, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or UnauthorizedAccessException)
            {
                // Typically the JT/T 808 port: 808 is below 1024, which needs root (or CAP_NET_BIND_SERVICE) on Linux.
                await Console.Error.WriteLineAsync($"nevhub: could not listen: {ex.Message}").ConfigureAwait(false);
                started = false;
            }

            if (!started)
            {
                await Console.Error.WriteLineAsync(
                    $"nevhub: if the JT/T 808 port {parse.GetValue(jt808Port)} is the problem (808 is privileged), pass --jt808-port 0 (any free port) or e.g. --jt808-port 8808.")
                    .ConfigureAwait(false);
                return 1;
            }

            var endpoints = app.Services.GetRequiredService<GatewayEndpoints>();

            var options = new SimulatorOptions
            {
                Host = "127.0.0.1",
                Port = endpoints.Gbt32960Port,
                Jt808Port = endpoints.Jt808Port,
                Vehicles = parse.GetValue(vehicles),
                TimeScale = parse.GetValue(timeScale),
                Duration = TimeSpan.FromDays(7),
            };
            try
            {
                SimulateCommand.ApplyMotorcycleShare(options, parse.GetValue(motorcycleShare));
            }
            catch (ArgumentException ex)
            {
                await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return 2;
            }

            var motorcycles = (int)Math.Round(options.MotorcycleShare * options.Vehicles);
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
                  GB/T 32960   127.0.0.1:{endpoints.Gbt32960Port}, {options.Vehicles - motorcycles} simulated cars, taxis and buses around Chongqing
                  JT/T 808     127.0.0.1:{endpoints.Jt808Port}, {motorcycles} simulated electric motorcycles (bound by terminal phone)
                  API key      {apiKey}   (admin; valid while this demo runs)
                  data         {Path.GetFullPath(parse.GetValue(data)!)}

                Try:
                  curl -s -H "X-Api-Key: {apiKey}" "{url}/api/vehicles?online=true&limit=5"
                  curl -s -H "X-Api-Key: {apiKey}" "{url}/api/vehicles/{simulator.Fleet.Vehicles[0].Vin}/samples?order=desc&limit=3"
                  curl -s -H "X-Api-Key: {apiKey}" "{url}/api/admin/stats"
                  curl -s -H "X-Api-Key: {apiKey}" -H "Content-Type: application/json" -d '{PositionQuery}' "{url}/api/vehicles/{MotorcycleVin(simulator)}/commands"
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

    /// <summary>A motorcycle's VIN for the examples (the first vehicle's when there is none).</summary>
    private static string MotorcycleVin(FleetSimulator simulator) =>
        (simulator.Fleet.Vehicles.FirstOrDefault(v => v.TerminalPhone is not null) ?? simulator.Fleet.Vehicles[0]).Vin;
}
