using System.CommandLine;
using System.Globalization;
using System.Text;
using NevHub.Simulator;

namespace NevHub.Cli;

/// <summary>
/// `nevhub simulate`: a fleet of real terminals driving and charging around Chongqing: cars, taxis and buses speak GB/T 32960,
/// electric motorcycles (<c>--motorcycle-share</c>) speak JT/T 808.
/// </summary>
internal static class SimulateCommand
{
    public static readonly Option<int> VehiclesOption = new("--vehicles") { Description = "Number of vehicles.", DefaultValueFactory = _ => 100 };
    public static readonly Option<int> Seed = new("--seed") { Description = "Seed: the same seed and options give the same fleet and data.", DefaultValueFactory = _ => 1 };
    public static readonly Option<double> ReportPeriod = new("--report-period") { Description = "Report period in seconds (at most 30).", DefaultValueFactory = _ => 10 };
    public static readonly Option<double> TimeScale = new("--time-scale") { Description = "Simulated seconds per real second (1 = real time).", DefaultValueFactory = _ => 1 };
    public static readonly Option<double> Rate = new("--rate") { Description = "Cap on frames per second across the fleet (0 = none).", DefaultValueFactory = _ => 0 };
    public static readonly Option<double> Duration = new("--duration") { Description = "Simulated minutes to run.", DefaultValueFactory = _ => 60 };
    public static readonly Option<double> Share2025 = new("--share-2025") { Description = "Share of vehicles speaking GB/T 32960-2025.", DefaultValueFactory = _ => 0.1 };
    public static readonly Option<double> LinkDrops = new("--link-drops-per-hour") { Description = "Link drops per vehicle and hour.", DefaultValueFactory = _ => 0.1 };
    public static readonly Option<double> Alarms = new("--alarms-per-hour") { Description = "Fault episodes per vehicle and hour.", DefaultValueFactory = _ => 0.05 };
    public static readonly Option<double> Skew = new("--skew-fraction") { Description = "Share of vehicles with a wrong clock.", DefaultValueFactory = _ => 0.1 };
    public static readonly Option<double> Jt808Share2019 = new("--jt808-share-2019") { Description = "Share of motorcycles whose tracker uses the JT/T 808-2019 header.", DefaultValueFactory = _ => 0.5 };
    public static readonly Option<string?> GroundTruth = new("--ground-truth") { Description = "Write the ground truth (trips, charges, alarms) as JSON lines to this file." };

    public static Command Create()
    {
        var host = new Option<string>("--host") { Description = "Platform address.", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Platform GB/T 32960 port.", DefaultValueFactory = _ => 32960 };
        var jt808Port = new Option<int>("--jt808-port") { Description = "Platform JT/T 808 port (electric motorcycles).", DefaultValueFactory = _ => 808 };
        var motorcycleShare = new Option<double>("--motorcycle-share")
        {
            Description = "Share of electric motorcycles (JT/T 808); cars, taxis and buses share the rest 50:35:15.",
            DefaultValueFactory = _ => 0,
        };
        var register = new Option<string?>("--register") { Description = "Platform API URL: register the fleet there first (needs --api-key or NEVHUB_API_KEY)." };
        var apiKey = new Option<string?>("--api-key") { Description = "API key for --register (default: environment NEVHUB_API_KEY)." };

        var command = new Command("simulate", "Run a simulated fleet against a platform: GB/T 32960 cars, taxis and buses, JT/T 808 electric motorcycles.")
        {
            host, port, jt808Port, motorcycleShare, VehiclesOption, Seed, ReportPeriod, TimeScale, Rate, Duration, Share2025, Jt808Share2019, LinkDrops,
            Alarms, Skew, GroundTruth, register, apiKey,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            SimulatorOptions options;
            try
            {
                options = Options(parse);
                options.Host = parse.GetValue(host)!;
                options.Port = parse.GetValue(port);
                options.Jt808Port = parse.GetValue(jt808Port);
                ApplyMotorcycleShare(options, parse.GetValue(motorcycleShare));
                options.Validate();
            }
            catch (ArgumentException ex)
            {
                await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return 2;
            }

            var simulator = new FleetSimulator(options) { Progress = Console.Out };
            if (parse.GetValue(register) is { } url)
            {
                var key = parse.GetValue(apiKey) ?? Environment.GetEnvironmentVariable("NEVHUB_API_KEY");
                if (string.IsNullOrEmpty(key))
                {
                    await Console.Error.WriteLineAsync("--register needs --api-key or NEVHUB_API_KEY").ConfigureAwait(false);
                    return 2;
                }

                using var http = new HttpClient { BaseAddress = new Uri(url) };
                http.DefaultRequestHeaders.Add("X-Api-Key", key);
                using var content = new StringContent(FleetRegistration.Csv(FleetRegistration.Vehicles(simulator, DateTimeOffset.UtcNow)), Encoding.UTF8, "text/csv");
                var response = await http.PostAsync("/api/vehicles/import", content, cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    await Console.Error.WriteLineAsync($"registration failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}").ConfigureAwait(false);
                    return 1;
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"registered {options.Vehicles} vehicles at {url} ({simulator.Fleet.Vehicles.Count(v => v.TerminalPhone is not null)} motorcycles bound by terminal phone)"));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"simulating {options.Vehicles} vehicles against {options.Host}:{options.Port} (GB/T 32960) and :{options.Jt808Port} (JT/T 808, {options.MotorcycleShare:P0} motorcycles), report period {options.ReportPeriod.TotalSeconds} s, time x{options.TimeScale}"));
            var result = await simulator.RunAsync(cancellationToken).ConfigureAwait(false);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"sent {result.FramesSent} frames in {result.Elapsed.TotalSeconds:F1} s: {result.FramesSent / Math.Max(0.001, result.Elapsed.TotalSeconds):F0} frames/s"));
            return result.LoginRefusals > 0 && result.LoginAnswers == 0 ? 1 : 0;
        });
        return command;
    }

    /// <summary>Sets the motorcycle share; cars, taxis and buses keep their 50:35:15 proportions in the rest.</summary>
    public static void ApplyMotorcycleShare(SimulatorOptions options, double share)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (double.IsNaN(share) || share < 0 || share > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(share), share, "--motorcycle-share must be between 0 and 1.");
        }

        options.MotorcycleShare = share;
        options.CarShare = 0.5 * (1 - share);
        options.TaxiShare = 0.35 * (1 - share);
        options.BusShare = 0.15 * (1 - share);
    }

    /// <summary>The fleet options common to `simulate` and `demo`.</summary>
    public static SimulatorOptions Options(ParseResult parse) => new()
    {
        Vehicles = parse.GetValue(VehiclesOption),
        Seed = parse.GetValue(Seed),
        ReportPeriod = TimeSpan.FromSeconds(parse.GetValue(ReportPeriod)),
        TimeScale = parse.GetValue(TimeScale),
        RatePerSecond = parse.GetValue(Rate),
        Duration = TimeSpan.FromMinutes(parse.GetValue(Duration)),
        Share2025 = parse.GetValue(Share2025),
        Jt808Share2019 = parse.GetValue(Jt808Share2019),
        LinkDropsPerHour = parse.GetValue(LinkDrops),
        AlarmsPerHour = parse.GetValue(Alarms),
        SkewFraction = parse.GetValue(Skew),
        GroundTruthPath = parse.GetValue(GroundTruth),
    };
}
