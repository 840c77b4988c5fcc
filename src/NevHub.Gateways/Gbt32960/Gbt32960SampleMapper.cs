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
        var sample = new VehicleSample
        {
            Vin = vin,
            SampleTime = report.Time,
            ReceivedAt = receivedAt,
            Protocol = version == Gbt32960Version.V2016 ? TelemetryProtocol.Gbt32960V2016 : TelemetryProtocol.Gbt32960V2025,
            Kind = reissue ? ReportKind.Reissue : ReportKind.Realtime,
        };

        var cellVoltages = new List<PackCellVoltages>();
        var temperatures = new List<PackTemperatures>();
        var motors = new List<MotorReading>();
        var faults = new List<string>();

        foreach (var block in report.Blocks)
        {
            switch (block)
            {
                case VehicleBlock v:
                    sample = sample with
                    {
                        VehicleState = masks.Enum<VehicleRunState>(v.VehicleState, 3, SampleField.VehicleState),
                        Charging = masks.Enum<ChargingState>(v.ChargingState, 4, SampleField.ChargingState),
                        Mode = masks.Enum<RunMode>(v.RunMode, 3, SampleField.RunMode),
                        SpeedKmh = masks.Value(v.SpeedKmh, SampleField.Speed),
                        OdometerKm = masks.Value(v.OdometerKm, SampleField.Odometer),
                        PackVoltageV = masks.Value(v.VoltageV, SampleField.PackVoltage),
                        PackCurrentA = masks.Value(v.CurrentA, SampleField.PackCurrent),
                        SocPercent = masks.Value(v.SocPct, SampleField.Soc),
                        DcDcWorking = masks.Enum<DcDc>(v.DcDcState, 2, SampleField.DcDc) is { } dcdc ? dcdc == DcDc.Working : null,
                        Gear = MapGear(v, masks),
                        InsulationKohm = masks.Value(v.InsulationKohm, SampleField.Insulation),
                        AcceleratorPercent = version == Gbt32960Version.V2016 ? masks.Value(v.AcceleratorPct, SampleField.Accelerator) : null,
                        BrakePercent = version == Gbt32960Version.V2016 ? masks.Value(v.BrakePct, SampleField.Brake) : null,
                    };
                    break;

                case PositionBlock p:
                    var lon = masks.Value(p.LongitudeDeg, SampleField.Position);
                    var lat = masks.Value(p.LatitudeDeg, SampleField.Position);
                    sample = sample with
                    {
                        Longitude = lat is null ? null : lon,
                        Latitude = lon is null ? null : lat,
                        PositionValid = p.HasFix && lon is not null && lat is not null,
                        Coordinates = version == Gbt32960Version.V2016
                            ? CoordinateSystem.Wgs84
                            : p.CoordinateSystem switch { 2 => CoordinateSystem.Gcj02, 3 => CoordinateSystem.Other, _ => CoordinateSystem.Wgs84 },
                    };
                    break;

                case ExtremesBlock e:
                    sample = sample with
                    {
                        MaxCellVoltageV = masks.Value(e.MaxCellVoltageV, SampleField.MaxCellVoltage),
                        MinCellVoltageV = masks.Value(e.MinCellVoltageV, SampleField.MinCellVoltage),
                        MaxTemperatureC = masks.Value(e.MaxTemperatureC, SampleField.MaxTemperature),
                        MinTemperatureC = masks.Value(e.MinTemperatureC, SampleField.MinTemperature),
                    };
                    break;

                case AlarmBlock a:
                    sample = sample with
                    {
                        AlarmLevel = masks.Value(a.LevelReading, SampleField.AlarmLevel) is { } level ? (int)level : null,
                        AlarmFlags = a.Flags,
                    };
                    AddFaults(faults, a.BatteryFaults);
                    AddFaults(faults, a.MotorFaults);
                    AddFaults(faults, a.EngineFaults);
                    AddFaults(faults, a.OtherFaults);
                    break;

                case CellVoltagesBlock c:
                    foreach (var pack in c.Packs.Items)
                    {
                        var cells = new double?[pack.Cells.Count];
                        for (var i = 0; i < cells.Length; i++)
                        {
                            cells[i] = pack.CellVoltageV(i).Value;
                        }

                        cellVoltages.Add(new PackCellVoltages(
                            pack.Number,
                            pack.VoltageV.Value,
                            pack.CurrentA.Value,
                            version == Gbt32960Version.V2016 ? pack.TotalCells : cells.Length,
                            version == Gbt32960Version.V2016 ? pack.FirstIndex : 1,
                            cells));
                    }

                    break;

                case TemperaturesBlock t:
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
                    foreach (var m in d.Motors.Items)
                    {
                        motors.Add(new MotorReading(
                            m.Number,
                            m.State is >= 1 and <= 4 ? (MotorState)m.State : null,
                            m.ControllerTemperatureC.Value,
                            m.SpeedRpm.Value,
                            m.TorqueNm.Value,
                            m.TemperatureC.Value,
                            version == Gbt32960Version.V2016 ? m.ControllerVoltageV.Value : null,
                            version == Gbt32960Version.V2016 ? m.ControllerCurrentA.Value : null));
                    }

                    break;
            }
        }

        // 2025 has no extremes block: derive the extremes from the lists, as 2016 terminals report them.
        if (sample.MaxCellVoltageV is null && !masks.Has(SampleField.MaxCellVoltage) && cellVoltages.Count > 0)
        {
            var all = cellVoltages.SelectMany(p => p.CellsV).Where(v => v is not null).Select(v => v!.Value).ToList();
            if (all.Count > 0)
            {
                sample = sample with { MaxCellVoltageV = all.Max(), MinCellVoltageV = all.Min() };
            }
        }

        if (sample.MaxTemperatureC is null && !masks.Has(SampleField.MaxTemperature) && temperatures.Count > 0)
        {
            var all = temperatures.SelectMany(p => p.ProbesC).Where(v => v is not null).Select(v => v!.Value).ToList();
            if (all.Count > 0)
            {
                sample = sample with { MaxTemperatureC = all.Max(), MinTemperatureC = all.Min() };
            }
        }

        return sample with
        {
            FaultCodes = faults,
            InvalidFields = masks.Invalid,
            AbnormalFields = masks.Abnormal,
            Detail = cellVoltages.Count + temperatures.Count + motors.Count == 0
                ? null
                : new SampleDetail { CellVoltages = cellVoltages, Temperatures = temperatures, Motors = motors },
        };
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
