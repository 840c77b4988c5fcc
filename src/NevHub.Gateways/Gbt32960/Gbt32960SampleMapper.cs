using NevHub.Domain;
using NevHub.Protocols.Gbt32960;

namespace NevHub.Gateways.Gbt32960;

/// <summary>
/// Turns a decoded GB/T 32960 report into the protocol-independent <see cref="VehicleSample"/>. Sentinels become null
/// with the field's bit set in the invalid/abnormal mask; enumerated bytes with no defined meaning become null too.
/// </summary>
public static class Gbt32960SampleMapper
{
    public static VehicleSample Map(string vin, Gbt32960Version version, bool reissue, ReportBody report, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(report);
        var masks = new Masks();
        var is2016 = version == Gbt32960Version.V2016;

        // Collected block by block, then built once: a report is mapped on the hot path of every frame.
        VehicleBlock? vehicle = null;
        PositionBlock? position = null;
        ExtremesBlock? extremes = null;
        AlarmBlock? alarm = null;
        List<PackCellVoltages>? cellVoltages = null;
        List<PackTemperatures>? temperatures = null;
        List<MotorReading>? motors = null;
        List<string>? faults = null;

        foreach (var block in report.Blocks)
        {
            switch (block)
            {
                case VehicleBlock v:
                    vehicle = v;
                    break;
                case PositionBlock p:
                    position = p;
                    break;
                case ExtremesBlock e:
                    extremes = e;
                    break;
                case AlarmBlock a:
                    alarm = a;
                    faults ??= [];
                    AddFaults(faults, a.BatteryFaults);
                    AddFaults(faults, a.MotorFaults);
                    AddFaults(faults, a.EngineFaults);
                    AddFaults(faults, a.OtherFaults);
                    break;
                case CellVoltagesBlock c:
                    cellVoltages ??= [];
                    foreach (var pack in c.Packs.Items)
                    {
                        var cells = new double?[pack.Cells.Count];
                        for (var i = 0; i < cells.Length; i++)
                        {
                            cells[i] = pack.CellVoltageV(i).Value;
                        }

                        cellVoltages.Add(new PackCellVoltages(
                            pack.Number, pack.VoltageV.Value, pack.CurrentA.Value,
                            is2016 ? pack.TotalCells : cells.Length, is2016 ? pack.FirstIndex : 1, cells));
                    }

                    break;
                case TemperaturesBlock t:
                    temperatures ??= [];
                    foreach (var pack in t.Packs.Items)
                    {
                        var probes = new double?[pack.Probes.Count];
                        for (var i = 0; i < probes.Length; i++)
                        {
                            probes[i] = TemperaturePack.ProbeC(pack.Probes.Items[i]).Value;
                        }

                        temperatures.Add(new PackTemperatures(pack.Number, probes));
                    }

                    break;
                case DriveMotorsBlock d:
                    motors ??= [];
                    foreach (var m in d.Motors.Items)
                    {
                        motors.Add(new MotorReading(
                            m.Number,
                            m.State is >= 1 and <= 4 ? (MotorState)m.State : null,
                            m.ControllerTemperatureC.Value,
                            m.SpeedRpm.Value,
                            m.TorqueNm.Value,
                            m.TemperatureC.Value,
                            is2016 ? m.ControllerVoltageV.Value : null,
                            is2016 ? m.ControllerCurrentA.Value : null));
                    }

                    break;
            }
        }

        double? lon = null, lat = null;
        if (position is not null)
        {
            lon = masks.Value(position.LongitudeDeg, SampleField.Position);
            lat = masks.Value(position.LatitudeDeg, SampleField.Position);
            if (lon is null || lat is null)
            {
                (lon, lat) = (null, null);
            }
        }

        double? maxCell = null, minCell = null, maxTemp = null, minTemp = null;
        if (extremes is not null)
        {
            maxCell = masks.Value(extremes.MaxCellVoltageV, SampleField.MaxCellVoltage);
            minCell = masks.Value(extremes.MinCellVoltageV, SampleField.MinCellVoltage);
            maxTemp = masks.Value(extremes.MaxTemperatureC, SampleField.MaxTemperature);
            minTemp = masks.Value(extremes.MinTemperatureC, SampleField.MinTemperature);
        }

        // 2025 has no extremes block: derive the extremes from the lists, as 2016 terminals report them.
        if (maxCell is null && !masks.Has(SampleField.MaxCellVoltage) && cellVoltages is not null)
        {
            (maxCell, minCell) = Range(cellVoltages.SelectMany(p => p.CellsV));
        }

        if (maxTemp is null && !masks.Has(SampleField.MaxTemperature) && temperatures is not null)
        {
            (maxTemp, minTemp) = Range(temperatures.SelectMany(p => p.ProbesC));
        }

        return new VehicleSample
        {
            Vin = vin,
            SampleTime = report.Time,
            ReceivedAt = receivedAt,
            Protocol = is2016 ? TelemetryProtocol.Gbt32960V2016 : TelemetryProtocol.Gbt32960V2025,
            Kind = reissue ? ReportKind.Reissue : ReportKind.Realtime,
            VehicleState = vehicle is null ? null : masks.Enum<VehicleRunState>(vehicle.VehicleState, 3, SampleField.VehicleState),
            Charging = vehicle is null ? null : masks.Enum<ChargingState>(vehicle.ChargingState, 4, SampleField.ChargingState),
            Mode = vehicle is null ? null : masks.Enum<RunMode>(vehicle.RunMode, 3, SampleField.RunMode),
            SpeedKmh = vehicle is null ? null : masks.Value(vehicle.SpeedKmh, SampleField.Speed),
            OdometerKm = vehicle is null ? null : masks.Value(vehicle.OdometerKm, SampleField.Odometer),
            PackVoltageV = vehicle is null ? null : masks.Value(vehicle.VoltageV, SampleField.PackVoltage),
            PackCurrentA = vehicle is null ? null : masks.Value(vehicle.CurrentA, SampleField.PackCurrent),
            SocPercent = vehicle is null ? null : masks.Value(vehicle.SocPct, SampleField.Soc),
            DcDcWorking = vehicle is null ? null : masks.Enum<DcDc>(vehicle.DcDcState, 2, SampleField.DcDc) is { } dcdc ? dcdc == DcDc.Working : null,
            Gear = vehicle is null ? null : MapGear(vehicle, masks),
            InsulationKohm = vehicle is null ? null : masks.Value(vehicle.InsulationKohm, SampleField.Insulation),
            AcceleratorPercent = vehicle is not null && is2016 ? masks.Value(vehicle.AcceleratorPct, SampleField.Accelerator) : null,
            BrakePercent = vehicle is not null && is2016 ? masks.Value(vehicle.BrakePct, SampleField.Brake) : null,
            Longitude = lon,
            Latitude = lat,
            PositionValid = position is not null && position.HasFix && lon is not null,
            Coordinates = position is null || is2016
                ? CoordinateSystem.Wgs84
                : position.CoordinateSystem switch { 2 => CoordinateSystem.Gcj02, 3 => CoordinateSystem.Other, _ => CoordinateSystem.Wgs84 },
            AlarmLevel = alarm is not null && masks.Value(alarm.LevelReading, SampleField.AlarmLevel) is { } level ? (int)level : null,
            AlarmFlags = alarm?.Flags ?? 0,
            FaultCodes = faults ?? (IReadOnlyList<string>)[],
            MaxCellVoltageV = maxCell,
            MinCellVoltageV = minCell,
            MaxTemperatureC = maxTemp,
            MinTemperatureC = minTemp,
            InvalidFields = masks.Invalid,
            AbnormalFields = masks.Abnormal,
            Detail = cellVoltages is null && temperatures is null && motors is null
                ? null
                : new SampleDetail { CellVoltages = cellVoltages ?? [], Temperatures = temperatures ?? [], Motors = motors ?? [] },
        };
    }

    private static (double? Max, double? Min) Range(IEnumerable<double?> values)
    {
        double? max = null, min = null;
        foreach (var value in values)
        {
            if (value is { } v)
            {
                max = max is null || v > max ? v : max;
                min = min is null || v < min ? v : min;
            }
        }

        return (max, min);
    }

    private static string? MapGear(VehicleBlock v, Masks masks)
    {
        if (!v.GearValid)
        {
            masks.Mark(SampleField.Gear, Validity.Invalid);
            return null;
        }

        return v.GearPosition switch
        {
            0 => "N",
            13 => "R",
            14 => "D",
            15 => "P",
            var n => n.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    private static void AddFaults(List<string> faults, Counted<uint> codes)
    {
        foreach (var code in codes.Items)
        {
            faults.Add(code.ToString("X8", System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private enum DcDc
    {
        Working = 1,
        Off = 2,
    }

    /// <summary>Collects which fields were sentinels while a sample is mapped.</summary>
    private sealed class Masks
    {
        public SampleField Invalid { get; private set; }

        public SampleField Abnormal { get; private set; }

        public bool Has(SampleField field) => ((Invalid | Abnormal) & field) != 0;

        public void Mark(SampleField field, Validity validity)
        {
            if (validity == Validity.Invalid)
            {
                Invalid |= field;
            }
            else if (validity == Validity.Abnormal)
            {
                Abnormal |= field;
            }
        }

        public double? Value(Reading reading, SampleField field)
        {
            Mark(field, reading.Validity);
            return reading.Value;
        }

        public T? Enum<T>(byte raw, int max, SampleField field)
            where T : struct, System.Enum
        {
            Mark(field, Sentinel.Of(raw, 1));
            return raw >= 1 && raw <= max ? (T)(object)(int)raw : null;
        }
    }
}
