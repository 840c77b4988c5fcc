using System.Text.Json;
using System.Text.Json.Serialization;
using NevHub.Domain;

namespace NevHub.Simulator.Model;

/// <summary>
/// A trip: one ignition cycle with movement. It starts at the first reported sample with the vehicle started,
/// not charging and speed &gt; 0, and ends at the last reported sample with the vehicle started before a sample with
/// the vehicle off (or before the run ended: <see cref="Complete"/> = false). Times are true times (no clock skew).
/// </summary>
public sealed record TripRecord(
    string Vin,
    DateTimeOffset Start,
    DateTimeOffset End,
    string StartPlace,
    string EndPlace,
    double StartLatitude,
    double StartLongitude,
    double EndLatitude,
    double EndLongitude,
    double StartOdometerKm,
    double EndOdometerKm,
    double DistanceKm,
    double EnergyKwh,
    int StartSoc,
    int EndSoc,
    double MaxSpeedKmh,
    int Samples,
    bool Complete)
{
    [JsonPropertyOrder(-1)]
    public string Type => "trip";
}

/// <summary>
/// A charge: from the first reported sample with charging state "parked charging" to the last such sample before a
/// sample with another charging state. <see cref="EnergyInKwh"/> is the energy into the pack terminals over that span.
/// </summary>
public sealed record ChargeRecord(
    string Vin,
    DateTimeOffset Start,
    DateTimeOffset End,
    string Place,
    double Latitude,
    double Longitude,
    int StartSoc,
    int EndSoc,
    double EnergyInKwh,
    double MaxPowerKw,
    bool FastCharging,
    int Samples,
    bool Complete)
{
    [JsonPropertyOrder(-1)]
    public string Type => "charge";
}

/// <summary>An alarm episode of one general flag: first and last reported sample with the flag set, and the highest level seen.</summary>
public sealed record AlarmRecord(
    string Vin,
    string Kind,
    int Bit,
    int Level,
    DateTimeOffset Start,
    DateTimeOffset End,
    int Samples,
    bool Complete)
{
    [JsonPropertyOrder(-1)]
    public string Type => "alarm";
}

/// <summary>A simulated link drop: the connection was closed at <see cref="Start"/> and the vehicle could reconnect from <see cref="End"/>.</summary>
public sealed record LinkDropRecord(string Vin, DateTimeOffset Start, DateTimeOffset End)
{
    [JsonPropertyOrder(-1)]
    public string Type => "linkDrop";
}

/// <summary>
/// A battery swap: the reported pack code changed between two consecutive reported samples. <see cref="Time"/> is the first
/// sample with the new pack, <see cref="LastOldPackSample"/> the last one with the old pack; SOC values are the reported ones.
/// </summary>
public sealed record SwapRecord(
    string Vin,
    DateTimeOffset Time,
    DateTimeOffset LastOldPackSample,
    string Place,
    double Latitude,
    double Longitude,
    string OldPackCode,
    string NewPackCode,
    int SocBefore,
    int SocAfter)
{
    [JsonPropertyOrder(-1)]
    public string Type => "swap";
}

/// <summary>The identity and parameters of a simulated vehicle.</summary>
public sealed record VehicleRecord(
    string Vin,
    string Class,
    string Model,
    string Protocol,
    string Chemistry,
    double CapacityKwh,
    int SeriesCells,
    int ReportedCells,
    int TemperatureProbes,
    double ClockSkewSeconds,
    string Iccid,
    IReadOnlyList<string> PackCodes)
{
    [JsonPropertyOrder(-1)]
    public string Type => "vehicle";
}

/// <summary>Derives trips, charges and alarms of one vehicle from its reported samples, in sample-time order.</summary>
public sealed class GroundTruthLog
{
    private readonly string _vin;
    private readonly bool _fastCharging;
    private SimSample? _tripStart;
    private SimSample? _tripLastStarted;
    private double _tripMaxSpeed;
    private int _tripSamples;
    private SimSample? _chargeStart;
    private SimSample? _chargeLast;
    private double _chargeMaxPowerKw;
    private int _chargeSamples;
    private readonly (SimSample? Start, SimSample? Last, int Level, int Samples)[] _alarms = new (SimSample?, SimSample?, int, int)[32];
    private SimSample? _previous;

    internal GroundTruthLog(string vin, bool fastCharging)
    {
        _vin = vin;
        _fastCharging = fastCharging;
    }

    public List<TripRecord> Trips { get; } = [];

    public List<ChargeRecord> Charges { get; } = [];

    public List<AlarmRecord> Alarms { get; } = [];

    public List<LinkDropRecord> LinkDrops { get; } = [];

    public List<SwapRecord> Swaps { get; } = [];

    /// <summary>Every reported sample, in true-time order (kept only when the fleet was created with sample retention, for tests).</summary>
    public List<SimSample>? Samples { get; internal set; }

    internal void Observe(SimSample s)
    {
        if (_previous is not null && s.TrueTime <= _previous.TrueTime)
        {
            throw new InvalidOperationException("Ground truth must observe samples in increasing time order.");
        }

        if (_previous is { PackCode.Length: > 0 } p && s.PackCode.Length > 0 && p.PackCode != s.PackCode)
        {
            Swaps.Add(new SwapRecord(_vin, s.TrueTime, p.TrueTime, s.NearestPlace, s.Latitude, s.Longitude, p.PackCode, s.PackCode, p.SocPercent, s.SocPercent));
        }

        _previous = s;
        Samples?.Add(s);
        ObserveTrip(s);
        ObserveCharge(s);
        ObserveAlarms(s);
    }

    internal void Close()
    {
        if (_tripStart is not null)
        {
            EndTrip(false);
        }

        if (_chargeStart is not null)
        {
            EndCharge(false);
        }

        for (var bit = 0; bit < _alarms.Length; bit++)
        {
            if (_alarms[bit].Start is not null)
            {
                EndAlarm(bit, false);
            }
        }
    }

    private void ObserveTrip(SimSample s)
    {
        var started = s.VehicleState == VehicleRunState.Started;
        if (_tripStart is null)
        {
            if (started && s.SpeedKmh > 0 && s.Charging == ChargingState.NotCharging)
            {
                _tripStart = s;
                _tripLastStarted = s;
                _tripMaxSpeed = s.SpeedKmh;
                _tripSamples = 1;
            }

            return;
        }

        if (started)
        {
            _tripLastStarted = s;
            _tripMaxSpeed = Math.Max(_tripMaxSpeed, s.SpeedKmh);
            _tripSamples++;
        }
        else
        {
            EndTrip(true);
        }
    }

    private void EndTrip(bool complete)
    {
        var a = _tripStart!;
        var b = _tripLastStarted!;
        Trips.Add(new TripRecord(
            _vin, a.TrueTime, b.TrueTime, a.NearestPlace, b.NearestPlace, a.Latitude, a.Longitude, b.Latitude, b.Longitude,
            a.OdometerKm, b.OdometerKm, Math.Round(b.OdometerKm - a.OdometerKm, 1),
            Math.Round(b.NetEnergyOutKwh - a.NetEnergyOutKwh, 4), a.SocPercent, b.SocPercent, _tripMaxSpeed, _tripSamples, complete));
        _tripStart = null;
        _tripLastStarted = null;
    }

    private void ObserveCharge(SimSample s)
    {
        if (s.Charging == ChargingState.ParkedCharging)
        {
            _chargeStart ??= s;
            _chargeLast = s;
            _chargeMaxPowerKw = Math.Max(_chargeMaxPowerKw, -s.PackVoltageV * s.PackCurrentA / 1000);
            _chargeSamples++;
        }
        else if (_chargeStart is not null)
        {
            EndCharge(true);
        }
    }

    private void EndCharge(bool complete)
    {
        var a = _chargeStart!;
        var b = _chargeLast!;
        Charges.Add(new ChargeRecord(
            _vin, a.TrueTime, b.TrueTime, a.NearestPlace, a.Latitude, a.Longitude, a.SocPercent, b.SocPercent,
            Math.Round(a.NetEnergyOutKwh - b.NetEnergyOutKwh, 4), Math.Round(_chargeMaxPowerKw, 1), _fastCharging, _chargeSamples, complete));
        _chargeStart = null;
        _chargeLast = null;
        _chargeMaxPowerKw = 0;
        _chargeSamples = 0;
    }

    private void ObserveAlarms(SimSample s)
    {
        for (var bit = 0; bit < _alarms.Length; bit++)
        {
            var set = (s.AlarmFlags & (1u << bit)) != 0;
            if (set)
            {
                var level = 0;
                foreach (var (b, l) in s.AlarmLevels)
                {
                    if (b == bit)
                    {
                        level = l;
                    }
                }

                ref var a = ref _alarms[bit];
                a.Start ??= s;
                a.Last = s;
                a.Level = Math.Max(a.Level, level);
                a.Samples++;
            }
            else if (_alarms[bit].Start is not null)
            {
                EndAlarm(bit, true);
            }
        }
    }

    private void EndAlarm(int bit, bool complete)
    {
        var a = _alarms[bit];
        Alarms.Add(new AlarmRecord(_vin, ((AlarmKind)bit).ToString(), bit, a.Level, a.Start!.TrueTime, a.Last!.TrueTime, a.Samples, complete));
        _alarms[bit] = default;
    }
}

/// <summary>Writes the ground truth of a fleet as JSON lines: one object per line with a "type" of vehicle, trip, charge, alarm, linkDrop or swap.</summary>
public static class GroundTruthWriter
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = false,
    };

    public static void Write(string path, IEnumerable<SimVehicle> vehicles)
    {
        ArgumentNullException.ThrowIfNull(vehicles);
        using var writer = new StreamWriter(path, append: false);
        Write(writer, vehicles);
    }

    public static void Write(TextWriter writer, IEnumerable<SimVehicle> vehicles)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(vehicles);
        foreach (var v in vehicles)
        {
            writer.WriteLine(JsonSerializer.Serialize(v.Describe(), Json));
            foreach (var r in v.Truth.Trips)
            {
                writer.WriteLine(JsonSerializer.Serialize(r, Json));
            }

            foreach (var r in v.Truth.Charges)
            {
                writer.WriteLine(JsonSerializer.Serialize(r, Json));
            }

            foreach (var r in v.Truth.Alarms)
            {
                writer.WriteLine(JsonSerializer.Serialize(r, Json));
            }

            foreach (var r in v.Truth.LinkDrops)
            {
                writer.WriteLine(JsonSerializer.Serialize(r, Json));
            }

            foreach (var r in v.Truth.Swaps)
            {
                writer.WriteLine(JsonSerializer.Serialize(r, Json));
            }
        }
    }
}
