using System.Numerics;
using NevHub.Domain;

namespace NevHub.Storage;

/// <summary>
/// Stable 64-bit hashes that form the natural keys of stored records: a sample is identified by
/// (VIN, sample time, <see cref="Compute(VehicleSample)"/>), a raw frame by (VIN, receive time, <see cref="Compute(ReadOnlySpan{byte})"/>).
/// </summary>
/// <remarks>
/// The values are persisted as keys, so the algorithm must never change (add a new key version instead).
/// It is an xxHash64-style mix over the normalized values, independent of process, platform and byte order
/// (never <see cref="string.GetHashCode()"/>, which is randomized per process).
/// The sample hash covers the measured content only: everything except the key fields (<see cref="VehicleSample.Vin"/>,
/// <see cref="VehicleSample.SampleTime"/>) and the transport metadata (<see cref="VehicleSample.ReceivedAt"/>,
/// <see cref="VehicleSample.Kind"/>, <see cref="VehicleSample.Protocol"/>), so a report that arrives live and again as a
/// reissue, or is redelivered later, is the same sample. Doubles are normalized (-0 is 0, every NaN is one NaN).
/// </remarks>
public static class SampleContentHash
{
    public static long Compute(VehicleSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var h = new StableHash64(0x5A4D_504C_0000_0001);
        h.AddOptional(sample.VehicleState is { } vs ? (int)vs : null);
        h.AddOptional(sample.Charging is { } cs ? (int)cs : null);
        h.AddOptional(sample.Mode is { } rm ? (int)rm : null);
        h.Add(sample.SpeedKmh);
        h.Add(sample.OdometerKm);
        h.Add(sample.PackVoltageV);
        h.Add(sample.PackCurrentA);
        h.Add(sample.SocPercent);
        h.AddOptional(sample.DcDcWorking is { } dc ? (dc ? 1 : 0) : null);
        h.Add(sample.Gear);
        h.Add(sample.InsulationKohm);
        h.Add(sample.AcceleratorPercent);
        h.Add(sample.BrakePercent);
        h.Add(sample.Latitude);
        h.Add(sample.Longitude);
        h.Add(sample.PositionValid ? 1L : 0L);
        h.Add((long)sample.Coordinates);
        h.Add(sample.HeadingDegrees);
        h.Add(sample.AltitudeM);
        h.AddOptional(sample.AlarmLevel);
        h.Add(sample.AlarmFlags);
        h.Add(sample.FaultCodes.Count);
        foreach (var code in sample.FaultCodes)
        {
            h.Add(code);
        }

        h.Add(sample.MaxCellVoltageV);
        h.Add(sample.MinCellVoltageV);
        h.Add(sample.MaxTemperatureC);
        h.Add(sample.MinTemperatureC);
        h.Add((long)sample.InvalidFields);
        h.Add((long)sample.AbnormalFields);
        AddDetail(ref h, sample.Detail);
        return h.Finish();
    }

    public static long Compute(ReadOnlySpan<byte> bytes)
    {
        var h = new StableHash64(0x5A4D_5241_5700_0001);
        h.Add(bytes.Length);
        var i = 0;
        for (; i + 8 <= bytes.Length; i += 8)
        {
            h.Add(System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes[i..]));
        }

        ulong tail = 0;
        for (var shift = 0; i < bytes.Length; i++, shift += 8)
        {
            tail |= (ulong)bytes[i] << shift;
        }

        h.Add(tail);
        return h.Finish();
    }

    private static void AddDetail(ref StableHash64 h, SampleDetail? detail)
    {
        if (detail is null)
        {
            h.Add(-1L);
            return;
        }

        h.Add(detail.CellVoltages.Count);
        foreach (var pack in detail.CellVoltages)
        {
            h.Add(pack.Pack);
            h.Add(pack.VoltageV);
            h.Add(pack.CurrentA);
            h.Add(pack.TotalCells);
            h.Add(pack.FirstCellIndex);
            AddList(ref h, pack.CellsV);
        }

        h.Add(detail.Temperatures.Count);
        foreach (var pack in detail.Temperatures)
        {
            h.Add(pack.Pack);
            AddList(ref h, pack.ProbesC);
        }

        h.Add(detail.Motors.Count);
        foreach (var motor in detail.Motors)
        {
            h.Add(motor.Number);
            h.AddOptional(motor.State is { } state ? (int)state : null);
            h.Add(motor.ControllerTemperatureC);
            h.Add(motor.SpeedRpm);
            h.Add(motor.TorqueNm);
            h.Add(motor.TemperatureC);
            h.Add(motor.ControllerVoltageV);
            h.Add(motor.ControllerCurrentA);
        }
    }

    private static void AddList(ref StableHash64 h, IReadOnlyList<double?> list)
    {
        var values = SampleDetailCodec.AsSpan(list);
        h.Add(values.Length);
        foreach (var value in values)
        {
            h.Add(value);
        }
    }

    /// <summary>xxHash64-style accumulator over 64-bit lanes.</summary>
    private struct StableHash64
    {
        private const ulong Prime1 = 0x9E3779B185EBCA87UL;
        private const ulong Prime2 = 0xC2B2AE3D27D4EB4FUL;
        private const ulong Prime3 = 0x165667B19E3779F9UL;
        private const ulong Prime4 = 0x85EBCA77C2B2AE63UL;
        private const ulong Prime5 = 0x27D4EB2F165667C5UL;

        // A NaN payload no decoder produces, so "null" never equals a value.
        private const ulong NullMarker = 0x7FF8_DEAD_0000_0001UL;

        private ulong _state;
        private ulong _count;

        public StableHash64(ulong seed)
        {
            _state = seed + Prime5;
            _count = 0;
        }

        public void Add(ulong value)
        {
            var k = BitOperations.RotateLeft(value * Prime2, 31) * Prime1;
            _state ^= k;
            _state = (BitOperations.RotateLeft(_state, 27) * Prime1) + Prime4;
            _count++;
        }

        public void Add(long value) => Add(unchecked((ulong)value));

        public void AddOptional(int? value) => Add(value is { } v ? unchecked((ulong)(long)v) : NullMarker);

        public void Add(uint value) => Add((ulong)value);

        public void Add(double? value)
        {
            if (value is not { } v)
            {
                Add(NullMarker);
                return;
            }

            if (v == 0)
            {
                v = 0; // -0 is 0
            }

            Add(double.IsNaN(v) ? 0x7FF8_0000_0000_0000UL : BitConverter.DoubleToUInt64Bits(v));
        }

        public void Add(string? value)
        {
            if (value is null)
            {
                Add(NullMarker);
                return;
            }

            Add(value.Length);
            var i = 0;
            for (; i + 4 <= value.Length; i += 4)
            {
                Add(value[i] | ((ulong)value[i + 1] << 16) | ((ulong)value[i + 2] << 32) | ((ulong)value[i + 3] << 48));
            }

            ulong tail = 0;
            for (var shift = 0; i < value.Length; i++, shift += 16)
            {
                tail |= (ulong)value[i] << shift;
            }

            Add(tail);
        }

        public readonly long Finish()
        {
            var h = _state + (_count * Prime5);
            h ^= h >> 33;
            h *= Prime2;
            h ^= h >> 29;
            h *= Prime3;
            h ^= h >> 32;
            return unchecked((long)h);
        }
    }
}
