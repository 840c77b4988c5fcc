using System.Collections.Concurrent;
using System.Globalization;
using NevHub.Domain;

namespace NevHub.Simulator.Model;

/// <summary>
/// One simulated vehicle and its terminal. <see cref="Step"/> advances it by one second of simulated time:
/// behaviour (drive, stop, park, charge), physics (power, battery, temperatures), faults and alarms, then the
/// terminal's reporting rules, which put the samples to send into <see cref="Outbox"/>.
/// </summary>
public sealed class SimVehicle
{
    private const double G = 9.81;
    private const double AirDensity = 1.2;
    private const int RingSize = 32;
    private const int PreAlarmSeconds = 30;

    /// <summary>GB/T 32960-2016 §9: after power-off the terminal reports for 3 more minutes, then sleeps.</summary>
    public static readonly TimeSpan AwakeAfterPowerOff = TimeSpan.FromMinutes(3);

    private static readonly ConcurrentDictionary<(int, int), Route> RouteCache = new();

    private static readonly int[][] BusLoops =
    [
        [6, 5, 4, 0, 4, 5],
        [11, 0, 2, 3, 2, 0],
        [14, 3, 13, 16, 17],
        [9, 10, 6, 5],
        [12, 11, 20],
    ];

    private readonly Random _rng;
    private string[] _packCodes;
    private readonly Random _linkRng;
    private readonly int _reportPeriod;
    private readonly double _alarmPerSecond;
    private readonly double _level3Share;
    private readonly double _linkDropPerSecond;

    // Stable per-cell and per-probe characteristics.
    private readonly double[] _cellSocOffset;
    private readonly double[] _cellResistanceFactor;
    private readonly double[] _probeOffset;
    private readonly double[] _cellScratch;
    private readonly double[] _probeGradient;
    private readonly int _weakCell;
    private readonly double _insulationBaseKohm;
    private readonly double _driverFactor;

    // Behaviour.
    private Activity _activity = Activity.Parked;
    private DateTimeOffset _activityUntil;
    private int _place;
    private Route? _route;
    private double _s;
    private double _v;
    private readonly List<(double Position, int Dwell)> _stops = [];
    private int _dwell;
    private int _reverse;
    private bool _chargeAfterArrival;
    private int _fares;
    private int _faresBeforeBreak;
    private readonly int[]? _busLoop;
    private int _busIndex;
    private readonly int _home;
    private readonly int _work;
    private bool _started;
    private DateTimeOffset _powerOffAt;
    private double _chargePowerKw;
    private bool _fastCharge;

    // Physics.
    private double _soc;
    private double _odometerM;
    private double _netEnergyJ;
    private double _packTemp;
    private double _motorTemp;
    private double _controllerTemp;
    private GeoPoint _position;
    private GeoPoint _headingFrom;
    private int _heading;
    private double _lastTractionW;
    private double _lastForce;

    // Faults and alarms.
    private double _hotSpot;
    private double _hotSpotTarget;
    private DateTimeOffset _hotSpotUntil;
    private int _hotSpotFirstProbe;
    private int _hotSpotProbes;
    private DateTimeOffset _insulationFaultUntil;
    private double _insulationFaultOhmPerV;
    private bool _socLow;
    private bool _level3;
    private DateTimeOffset _fastUntil;

    // Terminal.
    private readonly Snap[] _ring = new Snap[RingSize];
    private readonly SimSample?[] _ringSamples = new SimSample?[RingSize];
    private DateTimeOffset _nextReport;
    private DateTimeOffset _linkUpAt;
    private long _tick;

    internal SimVehicle(int index, VehicleClass vehicleClass, SimulatorOptions options, DateTimeOffset start, bool keepSamples)
    {
        _rng = new Random(unchecked((options.Seed * 7919) + (index * 104729) + 17));
        _linkRng = new Random(unchecked((options.Seed * 31337) + (index * 65599) + 5));
        Index = index;
        Spec = VehicleSpec.Create(vehicleClass, _rng, index);
        _reportPeriod = (int)options.ReportPeriod.TotalSeconds;
        _alarmPerSecond = options.AlarmsPerHour / 3600;
        _level3Share = options.Level3Share;
        _linkDropPerSecond = options.LinkDropsPerHour / 3600;

        var classLetter = vehicleClass switch
        {
            VehicleClass.Car => 'C',
            VehicleClass.Taxi => 'T',
            VehicleClass.Bus => 'B',
            _ => 'M',
        };
        var seedPart = (uint)options.Seed % 1_000_000;
        Vin = string.Create(CultureInfo.InvariantCulture, $"LNH{classLetter}S{seedPart:D6}{index % 1_000_000:D6}");
        Iccid = string.Create(CultureInfo.InvariantCulture, $"898604{seedPart % 10000:D4}{index % 10_000_000_000L:D10}");
        var typeLetter = Spec.Chemistry == BatteryChemistry.LithiumIronPhosphate ? 'B' : 'E';
        _packCodes = [string.Create(CultureInfo.InvariantCulture, $"CQSP{typeLetter}01{_rng.Next(10_000_000):D7}E61{index % 10_000_000:D7}")];
        var edition = _rng.NextDouble();
        if (vehicleClass == VehicleClass.Motorcycle)
        {
            // Electric motorcycles carry a JT/T 808 tracker: the same draw picks the header edition.
            Protocol = edition < options.Jt808Share2019 ? TelemetryProtocol.Jt808V2019 : TelemetryProtocol.Jt808V2013;
            TerminalPhone = TerminalPhoneFor(options.Seed, index);
        }
        else
        {
            Protocol = edition < options.Share2025 ? TelemetryProtocol.Gbt32960V2025 : TelemetryProtocol.Gbt32960V2016;
        }

        if (_rng.NextDouble() < options.SkewFraction && options.MaxSkew > TimeSpan.FromSeconds(2))
        {
            // Log-uniform between 2 s and MaxSkew, either sign.
            var magnitude = Math.Exp(Math.Log(2) + (_rng.NextDouble() * (Math.Log(options.MaxSkew.TotalSeconds) - Math.Log(2))));
            ClockSkew = TimeSpan.FromSeconds(Math.Round(magnitude) * (_rng.NextDouble() < 0.5 ? -1 : 1));
        }

        var cells = Spec.ReportedCells;
        _cellSocOffset = new double[cells];
        _cellResistanceFactor = new double[cells];
        for (var i = 0; i < cells; i++)
        {
            _cellSocOffset[i] = Gaussian() * 0.004;
            _cellResistanceFactor[i] = 1 + (Gaussian() * 0.05);
        }

        _cellScratch = new double[Spec.SeriesCells];
        _weakCell = _rng.NextDouble() < 0.15 ? _rng.Next(cells) : -1;
        if (_weakCell >= 0)
        {
            _cellSocOffset[_weakCell] -= 0.04;
            _cellResistanceFactor[_weakCell] = 1.8;
        }

        _probeOffset = new double[Spec.TemperatureProbes];
        _probeGradient = new double[Spec.TemperatureProbes];
        for (var i = 0; i < _probeOffset.Length; i++)
        {
            _probeOffset[i] = Gaussian() * 0.7;
            _probeGradient[i] = _rng.NextDouble();
        }

        _insulationBaseKohm = Between(3000, 20000);
        _driverFactor = Between(0.85, 1.05);
        _odometerM = vehicleClass switch
        {
            VehicleClass.Taxi => Between(50_000, 300_000),
            VehicleClass.Bus => Between(30_000, 400_000),
            _ => Between(1_000, 80_000),
        } * 1000;
        _soc = vehicleClass == VehicleClass.Bus ? Between(0.5, 0.95) : Between(0.35, 0.95);
        _faresBeforeBreak = 6 + _rng.Next(6);

        if (vehicleClass == VehicleClass.Bus)
        {
            _busLoop = BusLoops[index % BusLoops.Length];
            _place = _busLoop[0];
        }
        else
        {
            _place = _rng.Next(ChongqingMap.Places.Count);
            _home = _place;
            do
            {
                _work = _rng.Next(ChongqingMap.Places.Count);
            }
            while (_work == _home);
        }

        var p = ChongqingMap.Get(_place);
        _position = new GeoPoint(p.Latitude, p.Longitude, p.AltitudeM);
        Now = start;
        _powerOffAt = start;
        var firstDeparture = vehicleClass switch
        {
            VehicleClass.Car => Between(0, 600),
            VehicleClass.Motorcycle => Between(0, 600),
            _ => Between(0, 180),
        };
        _activityUntil = start.AddSeconds(Math.Round(firstDeparture));
        _packTemp = Ambient(start) + Between(0, 3);
        _motorTemp = _packTemp;
        _controllerTemp = _packTemp;
        _nextReport = start;
        Truth = new GroundTruthLog(Vin, Spec.FastCharging);
        if (keepSamples)
        {
            Truth.Samples = [];
        }
    }

    private enum Activity
    {
        Parked,
        Driving,
        Waiting,
        Charging,
        ChargeComplete,
    }

    public int Index { get; }

    public string Vin { get; }

    public string Iccid { get; }

    /// <summary>The GB/T 34014 codes of the packs in the vehicle now (a battery swap replaces a motorcycle's code).</summary>
    public IReadOnlyList<string> PackCodes => _packCodes;

    /// <summary>
    /// The JT/T 808 terminal's phone number (12 decimal digits, the SIM's 11-digit number with a leading 0), deterministic from
    /// the seed and the index; null for vehicles that speak GB/T 32960. Register it as the vehicle's <c>TerminalPhone</c>.
    /// </summary>
    public string? TerminalPhone { get; }

    /// <summary>Battery swaps done so far (motorcycles with <see cref="VehicleSpec.BatterySwap"/>).</summary>
    public int Swaps { get; private set; }

    /// <summary>The JT/T 808 phone of vehicle <paramref name="index"/> of a fleet with <paramref name="seed"/>: 0 + 14 + seed (3 digits) + index (6 digits).</summary>
    public static string TerminalPhoneFor(int seed, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"014{(uint)seed % 1000:D3}{index % 1_000_000:D6}");

    public VehicleSpec Spec { get; }

    public TelemetryProtocol Protocol { get; }

    /// <summary>Offset of the terminal's clock: terminal time = true time + skew.</summary>
    public TimeSpan ClockSkew { get; }

    /// <summary>True (simulated) time of the last step.</summary>
    public DateTimeOffset Now { get; private set; }

    /// <summary>The terminal's clock.</summary>
    public DateTimeOffset TerminalNow => Now + ClockSkew;

    /// <summary>The terminal is powered and reporting (vehicle on, charging, or within 3 min of power-off).</summary>
    public bool Awake { get; private set; }

    /// <summary>False during a simulated link drop: the client must close the connection and store what it would send.</summary>
    public bool LinkUp { get; private set; } = true;

    /// <summary>Samples produced by the last <see cref="Step"/>, pre-alarm reissues first; the caller sends and clears them.</summary>
    public List<SimSample> Outbox { get; } = [];

    public GroundTruthLog Truth { get; }

    /// <summary>Model truth: SOC (0–1) with full precision.</summary>
    public double Soc => _soc;

    public double PositionLatitude => _position.Latitude;

    public double PositionLongitude => _position.Longitude;

    public VehicleRecord Describe() => new(
        Vin, Spec.Class.ToString(), Spec.Model, Protocol.ToString(), Spec.Chemistry.ToString(), Spec.CapacityKwh,
        Spec.SeriesCells, Spec.ReportedCells, Spec.TemperatureProbes, ClockSkew.TotalSeconds, Iccid, PackCodes);

    /// <summary>Advances the vehicle by one simulated second.</summary>
    public void Step()
    {
        Now = Now.AddSeconds(1);
        _tick++;
        var ambient = Ambient(Now);
        var k = Kinematics(out var grade);
        var (current, voltage, heatW) = Battery(k, grade, ambient);
        Thermal(k, heatW, ambient);
        Faults();
        var snap = Capture(k, current, voltage, heatW);
        Terminal(snap);
    }

    /// <summary>Ends the run: every sample still held back for the 30-s pre-alarm window goes to the ground truth.</summary>
    public void Finish()
    {
        for (var age = RingSize - 1; age >= 0; age--)
        {
            var slot = (int)((_tick - age) % RingSize);
            if (slot >= 0 && _ring[slot].Tick == _tick - age && _ringSamples[slot] is { } s)
            {
                Truth.Observe(s);
                _ringSamples[slot] = null;
            }
        }

        Truth.Close();
    }

    // ---------------------------------------------------------------- behaviour

    private readonly record struct Motion(double V0, double V1, double Accel, SimGear Gear, bool Started, bool Charging, bool Complete);

    private Motion Kinematics(out double grade)
    {
        grade = 0;
        switch (_activity)
        {
            case Activity.Parked:
                if (Now >= _activityUntil)
                {
                    Depart();
                    return _activity == Activity.Driving ? Drive(out grade) : Hold(false);
                }

                return Hold(false);

            case Activity.Waiting:
                if (Now >= _activityUntil && !_level3)
                {
                    Depart();
                    return _activity == Activity.Driving ? Drive(out grade) : Hold(_started);
                }

                return Hold(true);

            case Activity.Driving:
                return Drive(out grade);

            case Activity.Charging:
                if (_soc >= Spec.ChargeToSoc)
                {
                    _activity = Activity.ChargeComplete;
                    _activityUntil = Now.AddSeconds(_rng.Next(120, 600));
                    return new Motion(0, 0, 0, SimGear.Park, false, false, true);
                }

                return new Motion(0, 0, 0, SimGear.Park, false, true, false);

            case Activity.ChargeComplete:
                if (Now >= _activityUntil)
                {
                    // Unplugged: the HV system switches off; the next leg starts after a short pause.
                    _activity = Activity.Parked;
                    _powerOffAt = Now;
                    _activityUntil = Now.AddSeconds(Spec.Class is VehicleClass.Taxi or VehicleClass.Bus ? _rng.Next(60, 300) : _rng.Next(300, 1800));
                    return Hold(false);
                }

                return new Motion(0, 0, 0, SimGear.Park, false, false, true);

            default:
                throw new InvalidOperationException("Unknown activity.");
        }
    }

    private Motion Hold(bool started) => new(0, 0, 0, started ? SimGear.Neutral : SimGear.Park, started, false, false);

    private void Depart()
    {
        var wantsCharge = _soc < Spec.ChargeBelowSoc;
        int destination;
        if (_busLoop is not null)
        {
            // Buses follow their loop and charge only at the terminus (see Arrive).
            destination = _busLoop[(_busIndex + 1) % _busLoop.Length];
        }
        else if (Spec.Class == VehicleClass.Motorcycle)
        {
            if (wantsCharge && !Spec.BatterySwap && !Spec.FastCharging)
            {
                StartCharging(); // at home / at the shop: any socket
                return;
            }

            if (wantsCharge)
            {
                // Swap station or fast charger: the nearest charging place.
                var station = ChongqingMap.NearestCharger(_place);
                if (station == _place)
                {
                    PowerOff(); // the rider wakes the tracker at the station
                    if (Spec.BatterySwap)
                    {
                        SwapBattery();
                    }
                    else
                    {
                        StartCharging();
                    }

                    return;
                }

                destination = station;
                _chargeAfterArrival = true;
            }
            else
            {
                destination = Neighbour(_place);
            }
        }
        else if (wantsCharge)
        {
            var charger = ChongqingMap.NearestCharger(_place);
            if (charger == _place)
            {
                StartCharging();
                return;
            }

            destination = charger;
            _chargeAfterArrival = true;
        }
        else if (Spec.Class == VehicleClass.Car && _place == _home)
        {
            destination = _work; // commute
        }
        else if (Spec.Class == VehicleClass.Car && _place != _work)
        {
            destination = _home;
        }
        else
        {
            // Taxis: the next fare anywhere; cars at work: mostly home, sometimes an errand first.
            do
            {
                destination = Spec.Class == VehicleClass.Car && _rng.NextDouble() < 0.7 ? _home : _rng.Next(ChongqingMap.Places.Count);
            }
            while (destination == _place);
        }

        _route = RouteCache.GetOrAdd((_place, destination), static key => ChongqingMap.Plan(key.Item1, key.Item2));
        _s = 0;
        _v = 0;
        _dwell = 0;
        _reverse = 0;
        _stops.Clear();
        var pos = 0.0;
        while (true)
        {
            pos += Between(350, 900);
            if (pos > _route.LengthM - 60)
            {
                break;
            }

            if (_rng.NextDouble() < 0.5)
            {
                _stops.Add((pos, _rng.Next(10, 70))); // red light
            }
        }

        if (Spec.Class == VehicleClass.Bus)
        {
            for (var stop = Between(450, 800); stop < _route.LengthM - 60; stop += Between(450, 800))
            {
                _stops.Add((stop, _rng.Next(15, 40)));
            }

            _stops.Sort((a, b) => a.Position.CompareTo(b.Position));
        }

        _activity = Activity.Driving;
        _started = true;
    }

    private Motion Drive(out double grade)
    {
        var route = _route!;
        var (_, limit, g) = route.At(_s);
        grade = g;
        if (_reverse > 0)
        {
            // Parking manoeuvre: a few seconds backwards at walking pace.
            _reverse--;
            var vr = _reverse > 0 ? 1.0 : 0.0;
            var v0r = _v;
            _v = vr;
            _odometerM += (v0r + vr) / 2;
            if (_reverse == 0)
            {
                Arrive();
            }

            return new Motion(v0r, vr, vr - v0r, SimGear.Reverse, true, false, false);
        }

        if (_dwell > 0)
        {
            _dwell--;
            if (_dwell == 0)
            {
                _stops.RemoveAt(0);
            }

            return new Motion(0, 0, 0, SimGear.Drive, true, false, false);
        }

        var stopAt = _stops.Count > 0 ? _stops[0].Position : route.LengthM;
        var target = Math.Min(limit * _driverFactor, Spec.TopSpeedKmh / 3.6);
        target += (_rng.NextDouble() - 0.5) * 0.6;
        target = Math.Min(target, Math.Sqrt(2 * 1.3 * Math.Max(0, stopAt - _s - 1)));
        if (_level3)
        {
            target = 0; // level 3: stop and call for help
        }

        var maxAccel = Spec.MaxAccelerationMs2 * Math.Max(0.25, 1 - (_v / (Spec.TopSpeedKmh / 3.6 * 1.2)));
        var a = Math.Clamp(target - _v, -3.0, maxAccel);
        var v0 = _v;
        var v1 = Math.Max(0, v0 + a);
        var ds = (v0 + v1) / 2;
        _s += ds;
        _odometerM += ds;
        _v = v1;
        var (p, _, _) = route.At(_s);
        _position = p;
        if (_s >= stopAt - 1 && v1 < 1.0)
        {
            _v = 0;
            v1 = 0;
            if (_stops.Count > 0)
            {
                _dwell = _stops[0].Dwell;
            }
            else if (Spec.Class == VehicleClass.Car && !_chargeAfterArrival)
            {
                _reverse = 4;
            }
            else
            {
                Arrive();
            }
        }

        return new Motion(v0, v1, v1 - v0, SimGear.Drive, true, false, false);
    }

    private void Arrive()
    {
        var route = _route!;
        _place = route.To;
        var end = route.Points[^1];
        _position = end;
        _route = null;
        _v = 0;
        if (_chargeAfterArrival)
        {
            _chargeAfterArrival = false;
            PowerOff();
            if (Spec.BatterySwap)
            {
                SwapBattery();
            }
            else
            {
                StartCharging();
            }

            return;
        }

        switch (Spec.Class)
        {
            case VehicleClass.Taxi:
                _fares++;
                if (_fares >= _faresBeforeBreak)
                {
                    _fares = 0;
                    _faresBeforeBreak = 6 + _rng.Next(6);
                    PowerOff();
                    Park(_rng.Next(600, 1800));
                }
                else
                {
                    Wait(_rng.Next(30, 120)); // passenger gets out, next one gets in
                }

                break;
            case VehicleClass.Bus:
                _busIndex = (_busIndex + 1) % _busLoop!.Length;
                if (_busIndex == 0)
                {
                    PowerOff();
                    if (_soc < Spec.ChargeBelowSoc)
                    {
                        StartCharging();
                    }
                    else
                    {
                        Park(_rng.Next(180, 480)); // layover at the terminus
                    }
                }
                else
                {
                    Wait(_rng.Next(20, 45));
                }

                break;
            default:
                PowerOff();
                Park(_rng.Next(300, 3600));
                break;
        }
    }

    private void PowerOff()
    {
        _started = false;
        _powerOffAt = Now;
    }

    private void Park(int seconds)
    {
        _activity = Activity.Parked;
        _activityUntil = Now.AddSeconds(seconds);
    }

    private void Wait(int seconds)
    {
        _activity = Activity.Waiting;
        _activityUntil = Now.AddSeconds(seconds);
    }

    private void StartCharging()
    {
        _started = false;
        _activity = Activity.Charging;
        _fastCharge = Spec.FastCharging;
        _chargePowerKw = Spec.Class == VehicleClass.Car && Spec.FastCharging ? 60 : Spec.ChargePowerKw;
    }

    /// <summary>
    /// A battery swap at a station: the rider takes out the low pack and puts in a charged one (another pack code, SOC ~95 %,
    /// at station temperature), then rides on after 1–3 min. The tracker stays awake (3 min after power-off), so the next
    /// report shows the new pack; the ground truth records the swap from the reported samples.
    /// </summary>
    private void SwapBattery()
    {
        Swaps++;
        var typeLetter = Spec.Chemistry == BatteryChemistry.LithiumIronPhosphate ? 'B' : 'E';
        _packCodes = [string.Create(CultureInfo.InvariantCulture, $"CQSW{typeLetter}01{_rng.Next(10_000_000):D7}E62{_rng.Next(10_000_000):D7}")];
        _soc = Between(0.93, 0.97);
        _packTemp = Ambient(Now) + Between(0, 2);
        Park(_rng.Next(60, 180));
    }

    private int Neighbour(int place)
    {
        var options = new List<int>();
        foreach (var (from, to, _) in ChongqingMap.Roads)
        {
            if (from == place)
            {
                options.Add(to);
            }
            else if (to == place)
            {
                options.Add(from);
            }
        }

        return options[_rng.Next(options.Count)];
    }

    // ---------------------------------------------------------------- physics

    private double PackResistance => Spec.CellResistanceOhm * Spec.SeriesCells;

    private double OcvPack => Ocv.CellVoltage(Spec.Chemistry, _soc) * Spec.SeriesCells;

    private (double Current, double Voltage, double HeatW) Battery(Motion m, double grade, double ambient)
    {
        double powerW;
        if (m.Charging)
        {
            var taperFrom = _chargePowerKw / Spec.CapacityKwh > 0.3 ? 0.8 : 0.95; // CC-CV: fast charging tapers from ~80 %
            var factor = _soc <= taperFrom ? 1 : Math.Max(0.08, 1 - ((_soc - taperFrom) / (1 - taperFrom) * 0.92));
            powerW = -_chargePowerKw * 1000 * factor;
        }
        else if (m.Started)
        {
            var v = (m.V0 + m.V1) / 2;
            var angle = Math.Atan(grade);
            var force = (Spec.MassKg * m.Accel) + (Spec.MassKg * G * Spec.RollingResistance * Math.Cos(angle) * (v > 0 ? 1 : 0)) +
                (Spec.MassKg * G * Math.Sin(angle) * (v > 0 ? 1 : 0)) + (0.5 * AirDensity * Spec.DragAreaM2 * v * v);
            var wheel = force * v;
            var traction = wheel >= 0
                ? Math.Min(wheel / 0.9, Spec.MaxMotorPowerKw * 1000)
                : Math.Max(wheel * 0.65, -Spec.MaxRegenPowerKw * 1000);
            var hvac = Math.Min(Spec.HvacMaxKw, Spec.HvacKwPerK * Math.Abs(ambient - 22)) * 1000;
            powerW = traction + (Spec.AuxBaseKw * 1000) + hvac;
            _lastTractionW = traction;
            _lastForce = force;
        }
        else
        {
            _lastTractionW = 0;
            _lastForce = 0;
            return (0, OcvPack, 0);
        }

        // P = (OCV − I·R)·I  →  I = (OCV − √(OCV² − 4RP)) / 2R
        var ocv = OcvPack;
        var r = PackResistance;
        var disc = Math.Max(0, (ocv * ocv) - (4 * r * powerW));
        var current = (ocv - Math.Sqrt(disc)) / (2 * r);
        var voltage = ocv - (current * r);
        // SOC by energy counting at open-circuit voltage: ΔSOC × capacity is the chemical energy moved.
        _soc = Math.Clamp(_soc - (ocv * current / (Spec.CapacityKwh * 3.6e6)), 0, 1);
        _netEnergyJ += voltage * current;
        return (current, voltage, current * current * r);
    }

    private void Thermal(Motion m, double heatW, double ambient)
    {
        var heatCapacity = Spec.CapacityKwh * 6 * 1000; // ~6 kg of pack per kWh, ~1 kJ/(kg·K)
        var passive = heatCapacity / (3 * 3600) * (_packTemp - ambient);
        var active = (m.Started || m.Charging) && _packTemp > 32 ? heatCapacity / 600 * (_packTemp - 30) : 0;
        _packTemp += (heatW - passive - active) / heatCapacity;
        var loadKw = Math.Abs(_lastTractionW) / 1000;
        var motorTarget = m.Started ? ambient + 8 + (60 * loadKw / Spec.MaxMotorPowerKw) + (0.1 * loadKw) : ambient;
        var controllerTarget = m.Started ? ambient + 4 + (30 * loadKw / Spec.MaxMotorPowerKw) : ambient;
        _motorTemp += (motorTarget - _motorTemp) / 300;
        _controllerTemp += (controllerTarget - _controllerTemp) / 200;
    }

    /// <summary>Chongqing air temperature: monthly mean (8 °C in January, 30 °C in July/August) ± 4 °C daily swing, within 8–38 °C.</summary>
    public static double Ambient(DateTimeOffset time)
    {
        var beijing = time.ToOffset(TimeSpan.FromHours(8));
        var dayOfYear = beijing.DayOfYear + (beijing.TimeOfDay.TotalHours / 24);
        var seasonal = 19 - (11 * Math.Cos(2 * Math.PI * (dayOfYear - 15) / 365));
        var daily = 4 * Math.Cos(2 * Math.PI * (beijing.TimeOfDay.TotalHours - 15) / 24);
        return Math.Clamp(seasonal + daily, 8, 38);
    }

    // ---------------------------------------------------------------- faults and alarms

    private void Faults()
    {
        var active = _started || _activity == Activity.Charging;
        if (active && _hotSpot <= 0.01 && Now >= _insulationFaultUntil && _rng.NextDouble() < _alarmPerSecond)
        {
            var level3 = _rng.NextDouble() < _level3Share;
            if (_rng.NextDouble() < 0.5)
            {
                // A cooling defect heats a group of probes: temperature difference (1), high temperature (2) or (3).
                var severity = level3 ? 3 : 1 + _rng.Next(2);
                var peak = severity switch { 1 => _packTemp + Between(12, 15), 2 => Between(57, 60), _ => Between(67, 70) };
                _hotSpotTarget = Math.Max(12, peak - _packTemp);
                _hotSpotUntil = Now.AddSeconds(_rng.Next(60, 180));
                _hotSpotProbes = Math.Max(1, Spec.TemperatureProbes / 4);
                _hotSpotFirstProbe = _rng.Next(Spec.TemperatureProbes - _hotSpotProbes + 1);
            }
            else
            {
                // An insulation defect (moisture, damaged harness): below 500 Ω/V is level 2, below 100 Ω/V level 3.
                _insulationFaultOhmPerV = level3 ? Between(30, 80) : Between(200, 450);
                _insulationFaultUntil = Now.AddSeconds(_rng.Next(30, 150));
            }
        }

        _hotSpot = Now < _hotSpotUntil ? Math.Min(_hotSpotTarget, _hotSpot + 0.5) : Math.Max(0, _hotSpot - 0.3);
    }

    // ---------------------------------------------------------------- terminal

    private struct Snap
    {
        public long Tick;
        public bool Awake;
        public DateTimeOffset Time;
        public VehicleRunState State;
        public ChargingState Charging;
        public double Speed;
        public double Odometer;
        public double Voltage;
        public double Current;
        public double Soc;
        public bool DcDc;
        public SimGear Gear;
        public bool DriveForce;
        public bool BrakeForce;
        public double InsulationKohm;
        public int Accelerator;
        public int Brake;
        public GeoPoint Position;
        public int Heading;
        public string PackCode;
        public MotorState Motor;
        public double Rpm;
        public double Torque;
        public double MotorTemp;
        public double ControllerTemp;
        public double PackTemp;
        public double HeatW;
        public double HotSpot;
        public double NetEnergyJ;
        public uint Flags;
        public byte LevelTempDiff;
        public byte LevelHighTemp;
        public byte LevelSocLow;
        public byte LevelInsulation;
        public int MaxProbe;
        public int MinProbe;
    }

    private Snap Capture(Motion m, double current, double voltage, double heatW)
    {
        var moving = m.V1 > 0 || m.V0 > 0;
        var torque = Spec.Class == VehicleClass.Motorcycle ? _lastForce * Spec.WheelRadiusM : _lastForce * Spec.WheelRadiusM / Spec.GearRatio;
        var wheelRpm = m.V1 / (2 * Math.PI * Spec.WheelRadiusM) * 60;
        if (moving && (_position.Latitude != _headingFrom.Latitude || _position.Longitude != _headingFrom.Longitude))
        {
            // Course over ground from the last position, clockwise from north (no random draw: the model is unchanged).
            var dNorth = _position.Latitude - _headingFrom.Latitude;
            var dEast = (_position.Longitude - _headingFrom.Longitude) * Math.Cos(_position.Latitude * Math.PI / 180);
            _heading = ((int)Math.Round(Math.Atan2(dEast, dNorth) * 180 / Math.PI) + 360) % 360;
        }

        _headingFrom = _position;
        var insulation = Now < _insulationFaultUntil
            ? _insulationFaultOhmPerV * voltage / 1000
            : _insulationBaseKohm * (1 + (0.02 * Math.Sin(Now.ToUnixTimeSeconds() / 3600.0)));
        var snap = new Snap
        {
            Tick = _tick,
            Time = Now,
            State = m.Started ? VehicleRunState.Started : VehicleRunState.Off,
            Charging = m.Charging ? ChargingState.ParkedCharging : m.Complete ? ChargingState.ChargeComplete : ChargingState.NotCharging,
            Speed = Math.Round(m.V1 * 3.6, 1),
            Odometer = _odometerM,
            Voltage = Math.Round(voltage, 1),
            Current = Math.Round(current, 1),
            Soc = _soc,
            DcDc = m.Started || m.Charging,
            Gear = m.Gear,
            DriveForce = m.Started && _lastTractionW > 0 && moving,
            BrakeForce = m.Started && m.Accel < -0.2,
            InsulationKohm = Math.Min(60000, Math.Round(insulation)),
            Accelerator = m.Started && m.Accel >= 0 && moving
                ? (int)Math.Clamp(Math.Round(100 * Math.Max(0, _lastTractionW) / (Spec.MaxMotorPowerKw * 1000) * 3), 0, 100) : 0,
            Brake = m.Started && (m.Accel < -0.2 || (m.V1 == 0 && m.Gear == SimGear.Drive))
                ? (int)Math.Clamp(Math.Round(Math.Max(15, -m.Accel / 3 * 100)), 0, 100) : 0,
            Position = _position,
            Heading = _heading,
            PackCode = _packCodes[0],
            Motor = !m.Started ? MotorState.Off : !moving ? MotorState.Ready : _lastTractionW >= 0 ? MotorState.Consuming : MotorState.Generating,
            Rpm = Math.Round(wheelRpm * Spec.GearRatio * (m.Gear == SimGear.Reverse ? -1 : 1)),
            Torque = m.Started && moving ? Math.Round(torque, 1) : 0,
            MotorTemp = _motorTemp,
            ControllerTemp = _controllerTemp,
            PackTemp = _packTemp,
            HeatW = heatW,
            HotSpot = _hotSpot,
            NetEnergyJ = _netEnergyJ,
        };

        // Probe extremes drive the temperature alarms; computed exactly as the sample's probe list.
        var max = int.MinValue;
        var min = int.MaxValue;
        for (var i = 0; i < _probeOffset.Length; i++)
        {
            var t = ProbeTemperature(in snap, i);
            max = Math.Max(max, t);
            min = Math.Min(min, t);
        }

        snap.MaxProbe = max;
        snap.MinProbe = min;
        var socPercent = SocPercent(snap.Soc);
        _socLow = _socLow ? socPercent < 17 : socPercent < 15;
        var ohmPerV = snap.InsulationKohm * 1000 / Math.Max(1, snap.Voltage);
        snap.LevelTempDiff = (byte)(max - min >= 10 ? 1 : 0);
        snap.LevelHighTemp = (byte)(max >= 65 ? 3 : max >= 55 ? 2 : 0);
        snap.LevelSocLow = (byte)(_socLow ? 1 : 0);
        snap.LevelInsulation = (byte)(ohmPerV < 100 ? 3 : ohmPerV < 500 ? 2 : 0);
        snap.Flags = (snap.LevelTempDiff > 0 ? 1u << (int)AlarmKind.TemperatureDifference : 0) |
            (snap.LevelHighTemp > 0 ? 1u << (int)AlarmKind.HighTemperature : 0) |
            (snap.LevelSocLow > 0 ? 1u << (int)AlarmKind.SocLow : 0) |
            (snap.LevelInsulation > 0 ? 1u << (int)AlarmKind.Insulation : 0);
        return snap;
    }

    private static int SocPercent(double soc) => (int)Math.Clamp(Math.Round(soc * 100), 0, 100);

    private int ProbeTemperature(in Snap s, int probe)
    {
        var t = s.PackTemp + _probeOffset[probe] + (_probeGradient[probe] * s.HeatW / (Spec.CapacityKwh * 40));
        if (s.HotSpot > 0 && probe >= _hotSpotFirstProbe && probe < _hotSpotFirstProbe + _hotSpotProbes)
        {
            t += s.HotSpot * (0.8 + (0.2 * _probeGradient[probe]));
        }

        return (int)Math.Round(t);
    }

    private void Terminal(Snap snap)
    {
        var slot = (int)(_tick % RingSize);

        // The slot's previous content is 32 s old: no pre-alarm reissue can reach it any more, so it is final.
        if (_ringSamples[slot] is { } old)
        {
            Truth.Observe(old);
            _ringSamples[slot] = null;
        }

        var awake = snap.State == VehicleRunState.Started || snap.Charging != ChargingState.NotCharging || Now - _powerOffAt < AwakeAfterPowerOff;
        if (!awake)
        {
            Awake = false;
            _ring[slot] = default;
            _level3 = false;
            return;
        }

        if (!Awake)
        {
            Awake = true;
            _nextReport = Now; // a waking terminal reports at once
        }

        // Link drops (a separate random stream, so they never change what the vehicles do).
        if (LinkUp && _linkRng.NextDouble() < _linkDropPerSecond)
        {
            LinkUp = false;
            _linkUpAt = Now.AddSeconds(_linkRng.Next(20, 300));
            Truth.LinkDrops.Add(new LinkDropRecord(Vin, Now, _linkUpAt));
        }
        else if (!LinkUp && Now >= _linkUpAt)
        {
            LinkUp = true;
        }

        snap.Awake = true;
        _ring[slot] = snap;
        var level3 = snap.LevelHighTemp == 3 || snap.LevelInsulation == 3;
        if (level3 && !_level3)
        {
            // GB/T 32960 §9: the 30 s before a level-3 fault, sampled every second, are sent as a reissue.
            for (var age = PreAlarmSeconds; age >= 1; age--)
            {
                var s = (int)((_tick - age) % RingSize);
                if (s >= 0 && _ring[s].Awake && _ring[s].Tick == _tick - age && _ringSamples[s] is null)
                {
                    var sample = Build(in _ring[s], SampleOrigin.PreAlarm);
                    _ringSamples[s] = sample;
                    Outbox.Add(sample);
                }
            }
        }

        _level3 = level3;
        if (level3)
        {
            _fastUntil = Now.AddSeconds(30); // every second while it lasts and 30 s after (2016: 30 s after the fault)
        }

        var fast = level3 || Now <= _fastUntil;
        if (fast || Now >= _nextReport)
        {
            var sample = Build(in snap, SampleOrigin.Realtime);
            _ringSamples[slot] = sample;
            Outbox.Add(sample);
            if (!fast)
            {
                _nextReport = Now.AddSeconds(_reportPeriod);
            }
        }
    }

    private SimSample Build(in Snap s, SampleOrigin origin)
    {
        var series = Spec.SeriesCells;
        var cells = new ushort[Spec.ReportedCells];
        var perCell = s.Voltage / series;
        var resistance = Spec.CellResistanceOhm;
        for (var str = 0; str < Spec.ParallelStrings; str++)
        {
            var baseIndex = str * series;
            var sum = 0.0;
            var raw = _cellScratch;
            for (var i = 0; i < series; i++)
            {
                var c = baseIndex + i;
                raw[i] = Ocv.CellVoltage(Spec.Chemistry, s.Soc + _cellSocOffset[c]) - (s.Current * resistance * _cellResistanceFactor[c]);
                sum += raw[i];
            }

            // The cells of a string add up to the pack voltage: shift the spread onto the measured mean.
            var shift = perCell - (sum / series);
            for (var i = 0; i < series; i++)
            {
                cells[baseIndex + i] = (ushort)Math.Clamp(Math.Round((raw[i] + shift) * 1000), 0, 60000);
            }
        }

        var probes = new int[_probeOffset.Length];
        for (var i = 0; i < probes.Length; i++)
        {
            probes[i] = ProbeTemperature(in s, i);
        }

        var levels = new List<(int, int)>(4);
        if (s.LevelTempDiff > 0)
        {
            levels.Add(((int)AlarmKind.TemperatureDifference, s.LevelTempDiff));
        }

        if (s.LevelHighTemp > 0)
        {
            levels.Add(((int)AlarmKind.HighTemperature, s.LevelHighTemp));
        }

        if (s.LevelSocLow > 0)
        {
            levels.Add(((int)AlarmKind.SocLow, s.LevelSocLow));
        }

        if (s.LevelInsulation > 0)
        {
            levels.Add(((int)AlarmKind.Insulation, s.LevelInsulation));
        }

        var alarmLevel = Math.Max(Math.Max(s.LevelTempDiff, s.LevelHighTemp), Math.Max(s.LevelSocLow, s.LevelInsulation));
        return new SimSample
        {
            SampleTime = s.Time + ClockSkew,
            TrueTime = s.Time,
            Origin = origin,
            VehicleState = s.State,
            Charging = s.Charging,
            SpeedKmh = s.Speed,
            OdometerKm = Math.Floor(s.Odometer / 100) / 10,
            PackVoltageV = s.Voltage,
            PackCurrentA = s.Current,
            SocPercent = SocPercent(s.Soc),
            DcDcWorking = s.DcDc,
            Gear = s.Gear,
            DrivingForce = s.DriveForce,
            BrakingForce = s.BrakeForce,
            InsulationKohm = (int)s.InsulationKohm,
            AcceleratorPercent = s.Accelerator,
            BrakePercent = s.Brake,
            Latitude = Math.Round(s.Position.Latitude, 6),
            Longitude = Math.Round(s.Position.Longitude, 6),
            AltitudeM = (int)Math.Round(s.Position.AltitudeM),
            HeadingDeg = s.Heading,
            PackCode = s.PackCode,
            MotorState = s.Motor,
            MotorControllerTemperatureC = (int)Math.Round(s.ControllerTemp),
            MotorSpeedRpm = (int)s.Rpm,
            MotorTorqueNm = s.Torque,
            MotorTemperatureC = (int)Math.Round(s.MotorTemp),
            MotorControllerVoltageV = s.Voltage,
            MotorControllerCurrentA = s.State == VehicleRunState.Started
                ? Math.Round(s.Current - (Spec.AuxBaseKw * 1000 / Math.Max(1, s.Voltage)), 1) : 0,
            CellMillivolts = cells,
            ProbeTemperaturesC = probes,
            AlarmLevel = alarmLevel,
            AlarmFlags = s.Flags,
            AlarmLevels = levels,
            NetEnergyOutKwh = s.NetEnergyJ / 3.6e6,
            SocExact = s.Soc,
            OdometerExactM = s.Odometer,
            NearestPlace = ChongqingMap.Nearest(s.Position.Latitude, s.Position.Longitude).Place.Name,
        };
    }

    // ---------------------------------------------------------------- random helpers

    private double Between(double lo, double hi) => lo + (_rng.NextDouble() * (hi - lo));

    private double Gaussian()
    {
        var u1 = 1 - _rng.NextDouble();
        var u2 = _rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
