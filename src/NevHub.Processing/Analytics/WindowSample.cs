using NevHub.Domain;

namespace NevHub.Processing.Analytics;

/// <summary>
/// The fields of a <see cref="VehicleSample"/> that trips, charges and alarms are derived from, packed for the
/// derivation window: about a quarter of a sample's size (absent numbers are NaN, absent states a sentinel byte), so a
/// processor can keep hours of samples for tens of thousands of vehicles. The properties read like the sample's.
/// </summary>
internal sealed class WindowSample
{
    private const byte None = byte.MaxValue;

    private readonly double _speed;
    private readonly double _odometer;
    private readonly double _voltage;
    private readonly double _current;
    private readonly double _soc;
    private readonly double _latitude;
    private readonly double _longitude;
    private readonly byte _state;
    private readonly byte _charging;
    private readonly sbyte _alarmLevel;

    public WindowSample(VehicleSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        Vin = sample.Vin;
        SampleTime = sample.SampleTime;
        AlarmFlags = sample.AlarmFlags;
        FaultCodes = sample.FaultCodes.Count == 0 ? [] : sample.FaultCodes;
        PositionValid = sample.PositionValid;
        _speed = sample.SpeedKmh ?? double.NaN;
        _odometer = sample.OdometerKm ?? double.NaN;
        _voltage = sample.PackVoltageV ?? double.NaN;
        _current = sample.PackCurrentA ?? double.NaN;
        _soc = sample.SocPercent ?? double.NaN;
        _latitude = sample.Latitude ?? double.NaN;
        _longitude = sample.Longitude ?? double.NaN;
        _state = sample.VehicleState is { } state ? (byte)state : None;
        _charging = sample.Charging is { } charging ? (byte)charging : None;
        _alarmLevel = sample.AlarmLevel is { } level ? (sbyte)Math.Clamp(level, sbyte.MinValue, sbyte.MaxValue - 1) : sbyte.MaxValue;
    }

    public string Vin { get; }

    public DateTimeOffset SampleTime { get; }

    public uint AlarmFlags { get; }

    public IReadOnlyList<string> FaultCodes { get; }

    public bool PositionValid { get; }

    public double? SpeedKmh => Value(_speed);

    public double? OdometerKm => Value(_odometer);

    public double? PackVoltageV => Value(_voltage);

    public double? PackCurrentA => Value(_current);

    public double? SocPercent => Value(_soc);

    public double? Latitude => Value(_latitude);

    public double? Longitude => Value(_longitude);

    public VehicleRunState? VehicleState => _state == None ? null : (VehicleRunState)_state;

    public ChargingState? Charging => _charging == None ? null : (ChargingState)_charging;

    public int? AlarmLevel => _alarmLevel == sbyte.MaxValue ? null : _alarmLevel;

    // A sample never carries NaN itself: the decoders map invalid and absent values to null.
    private static double? Value(double value) => double.IsNaN(value) ? null : value;
}
